#!/usr/bin/env bash
# Install everything, generate the demo data, run the ETL and serve the dashboard on http://127.0.0.1:8050
set -euo pipefail
cd "$(dirname "$0")/.."
OPENMEASURE_SKIP_APT=${OPENMEASURE_SKIP_APT:-0} bash scripts/setup.sh
exec .venv/bin/openmeasure demo --config config.yaml "$@"
