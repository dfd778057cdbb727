#!/usr/bin/env bash
# Install everything, start the services the tests need, run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -f scripts/services.sh ]; then
  # shellcheck source=/dev/null
  source scripts/services.sh
fi
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
