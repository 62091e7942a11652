#!/usr/bin/env bash
# apt-install.sh <caller> <package>...: installs Debian packages for a test or tool script,
# the one way every script here does it. Needs root and apt-get; otherwise it prints the
# command to run and fails. While apt-get runs, policy-rc.d forbids the packages' maintainer
# scripts to start services (a file we own only if there was none, removed afterwards).
# Waits for another apt/dpkg run instead of failing, and refreshes the package lists once
# if the install fails (a fresh image's lists are often missing or stale). The apt output
# goes to /tmp/apt-install-<caller>.log; its tail is printed on failure.
set -euo pipefail

caller=$1
shift
if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null; then
  echo "$caller: missing packages; install them with: sudo apt-get install -y --no-install-recommends $*" >&2
  exit 1
fi

policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# written by tools/bin/apt-install.sh for %s during apt-get install\nexit 101\n' "$caller" > "$policy"
  chmod 755 "$policy"
  own_policy=1
fi
cleanup() { if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
log="/tmp/apt-install-$caller.log"
install() { apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "$@"; }
echo "$caller: apt-get install $* (once)" >&2
if ! install "$@" > "$log" 2>&1; then
  apt-get -o DPkg::Lock::Timeout=300 update >> "$log" 2>&1
  install "$@" >> "$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
fi
