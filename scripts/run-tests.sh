#!/usr/bin/env bash
# Runs the whole test-suite from the project's virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
export AISKILLS_CONFORMANCE_DIR="${AISKILLS_CONFORMANCE_DIR:-$(cd .. && pwd)/shared/conformance}"
# The code is checked by machines before any test runs: lint on everything, format and strict types on src/.
"$VENV/bin/python" -m ruff check --quiet src tests benchmarks
"$VENV/bin/python" -m ruff format --check --quiet src
"$VENV/bin/python" -m mypy --strict src/aiskills
# The slowest tests are listed at the end, to keep the whole run well under 20 minutes.
exec "$VENV/bin/python" -m pytest -p no:cacheprovider --durations=20 "$@"
