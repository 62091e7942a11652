#!/usr/bin/env bash
# Makes sure Debian's chromium is at /usr/bin/chromium for the dashboard browser test
# (playwright-core drives it; no browser is downloaded by npm). Idempotent: does nothing
# when chromium is already there. Installing needs root and apt-get; otherwise it says
# what to run. While apt-get runs, policy-rc.d forbids maintainer scripts to start
# services (a file we own only if there was none), as tools/stack does for Redis.
set -euo pipefail

binary=/usr/bin/chromium
if [ -x "$binary" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null; then
  echo "ensure-chromium: $binary is missing; install it with: sudo apt-get install -y chromium" >&2
  exit 1
fi

policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# written by apps/e2e-prober/scripts/ensure-chromium.sh during apt-get install\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  own_policy=1
fi
cleanup() { if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run (e.g. a parallel test installing something) instead of failing.
apt_install() { apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends chromium; }
echo "ensure-chromium: apt-get install chromium (once)" >&2
if ! apt_install > /tmp/ensure-chromium.log 2>&1; then
  # A fresh image's package lists are often missing or stale.
  apt-get -o DPkg::Lock::Timeout=300 update >> /tmp/ensure-chromium.log 2>&1
  apt_install >> /tmp/ensure-chromium.log 2>&1 || { tail -20 /tmp/ensure-chromium.log >&2; exit 1; }
fi
[ -x "$binary" ] || { echo "ensure-chromium: apt-get installed chromium but $binary is missing" >&2; exit 1; }
