#!/usr/bin/env bash
# Debian packages the test-suite needs. Idempotent; does nothing when all is present.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
need_java=0
command -v java >/dev/null 2>&1 || need_java=1
if [ "$need_java" = 1 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq default-jre-headless >/dev/null
fi
bash "$here/install-virtuoso.sh"
