#!/usr/bin/env bash
# Install Debian's Virtuoso Open Source 7 (virtuoso-t, isql-vt) for the remote-store tests.
#
# Idempotent and non-interactive: does nothing when virtuoso-t is already on PATH. The
# package's own service is kept from starting and left disabled: the tests run their own
# instance on free loopback ports (tests/support/virtuoso.py), so nothing may hold 1111/8890.
set -euo pipefail

PKG=virtuoso-opensource-7
SERVICE=virtuoso-opensource-7
export DEBIAN_FRONTEND=noninteractive

if command -v virtuoso-t >/dev/null 2>&1; then
    echo "virtuoso-t already installed: $(command -v virtuoso-t)"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "run as root (or with sudo): apt-get must install $PKG" >&2
    exit 1
fi

# Refresh the package lists only when the package is unknown to the cache.
if ! apt-cache show "$PKG" >/dev/null 2>&1; then
    apt-get update -q
fi

# Answer the dba/dav password questions up front (a fresh database's password is "dba").
debconf-set-selections <<EOF
$PKG $PKG/dba-password password dba
$PKG $PKG/dba-password-again password dba
EOF

# Keep the package's postinst from starting its service: deny every start while we install,
# unless a policy-rc.d is already in place (e.g. Docker images ship one that does the same).
POLICY=/usr/sbin/policy-rc.d
OWN_POLICY=0
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$POLICY"
    chmod 755 "$POLICY"
    OWN_POLICY=1
fi
cleanup() { if [ "$OWN_POLICY" = 1 ]; then rm -f "$POLICY"; fi; }
trap cleanup EXIT

apt-get install -y -q --no-install-recommends "$PKG"

# Make sure the packaged instance is neither running nor started at boot.
if [ -x "/etc/init.d/$SERVICE" ]; then
    "/etc/init.d/$SERVICE" stop >/dev/null 2>&1 || true
fi
if [ -f "/etc/default/$SERVICE" ]; then
    sed -i 's/^RUN=.*/RUN=no/' "/etc/default/$SERVICE"
fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now "$SERVICE" >/dev/null 2>&1 || true
fi
update-rc.d "$SERVICE" disable >/dev/null 2>&1 || true

command -v virtuoso-t >/dev/null
command -v isql-vt >/dev/null
echo "installed: $(virtuoso-t +version 2>&1 | head -n 3 | tr '\n' ' ')"
