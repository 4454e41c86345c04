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
# The tests run in one process per core (pytest-xdist; PYTEST_XDIST_AUTO_NUM_WORKERS sets another
# number, `-n 0` runs them in this process): each test starts its own servers on free loopback ports
# and keeps its files in its own temporary folder, so they do not meet. A worker that is free takes
# tests from a busy one (worksteal): the slow tests sit in a few files. The other schedulers keep a
# file's tests together but key them by node id, and schemathesis gives every API operation's test
# one node id, so they would run one operation and drop the rest.
# The slowest tests are listed at the end, to keep the whole run well under 20 minutes.
exec "$VENV/bin/python" -m pytest -p no:cacheprovider -n auto --dist worksteal --durations=20 "$@"
