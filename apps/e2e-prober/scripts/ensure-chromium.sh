#!/usr/bin/env bash
# Makes sure Debian's chromium is at /usr/bin/chromium for the dashboard browser test
# (playwright-core drives it; no browser is downloaded by npm). Idempotent: does nothing
# when chromium is already there; installs through tools/bin/apt-install.sh otherwise.
set -euo pipefail

binary=/usr/bin/chromium
[ -x "$binary" ] && exit 0
bash "$(dirname "$0")/../../../tools/bin/apt-install.sh" ensure-chromium chromium
[ -x "$binary" ] || { echo "ensure-chromium: apt-get installed chromium but $binary is missing" >&2; exit 1; }
