#!/usr/bin/env bash
# Install everything OpenMeasure needs on a fresh Debian machine with Python 3.11+:
# system packages (Chromium for the browser tests, PostgreSQL for the SQL-source tests, Node.js/npm for
# axe-core, a Java runtime for the Spark engine's tests), a virtual environment in .venv, and the project with
# its test and spark extras. OPENMEASURE_SKIP_APT=1 skips the system packages (the tests that need them skip).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
[ -x /usr/lib/postgresql/15/bin/initdb ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
if [ "${#need_apt[@]}" -gt 0 ] && [ "${OPENMEASURE_SKIP_APT:-0}" != "1" ]; then
  echo "setup: apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test,spark]"

# axe-core for the accessibility tests (npm registry), kept inside the project.
if [ -f package.json ] && [ ! -d node_modules/axe-core ]; then
  npm install --no-audit --no-fund --silent
fi
echo "setup: done"
