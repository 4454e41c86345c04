#!/usr/bin/env bash
# Debian packages the test-suite needs. Idempotent; does nothing when all is present.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# Debian's Chromium for the browser tests (Playwright drives it; its own browser download cannot work
# here), a Java runtime for HermiT, wrk for the endpoint benchmark (benchmarks/bench_endpoint.py).
missing=()
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
bash "$here/install-virtuoso.sh"
