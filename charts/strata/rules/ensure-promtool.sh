#!/usr/bin/env bash
# Makes sure `promtool` is on the PATH for the alert rule tests. It comes from Debian's
# `prometheus` package; only the binary is used. Idempotent: does nothing when promtool is
# already there. While apt-get runs, policy-rc.d forbids the package's maintainer scripts
# to start the Prometheus server (a file we own only if there was none), and the
# installed service is left disabled: nothing of the package runs.
set -euo pipefail

if command -v promtool > /dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null; then
  echo "ensure-promtool: promtool is missing; install it with: sudo apt-get install -y --no-install-recommends prometheus" >&2
  exit 1
fi

policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# written by charts/strata/rules/ensure-promtool.sh during apt-get install\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  own_policy=1
fi
cleanup() { if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
log=/tmp/ensure-promtool.log
# Wait for another apt/dpkg run (e.g. a parallel test installing chromium) instead of failing.
apt_install() { apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends prometheus; }
echo "ensure-promtool: apt-get install prometheus (once, for promtool)" >&2
if ! apt_install > "$log" 2>&1; then
  # A fresh image's package lists are often missing or stale.
  apt-get -o DPkg::Lock::Timeout=300 update >> "$log" 2>&1
  apt_install >> "$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
fi
if command -v systemctl > /dev/null && [ -d /run/systemd/system ]; then
  systemctl disable --now prometheus > /dev/null 2>&1 || true
fi
command -v promtool > /dev/null || { echo "ensure-promtool: apt-get installed prometheus but promtool is not on PATH" >&2; exit 1; }
