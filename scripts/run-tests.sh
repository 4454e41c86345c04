#!/usr/bin/env bash
# Runs the whole test-suite from the project's virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
export AISKILLS_CONFORMANCE_DIR="${AISKILLS_CONFORMANCE_DIR:-$(cd .. && pwd)/shared/conformance}"
exec "$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
