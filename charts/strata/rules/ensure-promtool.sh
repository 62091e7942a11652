#!/usr/bin/env bash
# Makes sure `promtool` is on the PATH for the alert rule tests. It comes from Debian's
# `prometheus` package; only the binary is used. Idempotent: does nothing when promtool is
# already there; installs through tools/bin/apt-install.sh otherwise (which keeps the
# package's maintainer scripts from starting the Prometheus server), and leaves the
# installed service disabled: nothing of the package runs.
set -euo pipefail

command -v promtool > /dev/null && exit 0
bash "$(dirname "$0")/../../../tools/bin/apt-install.sh" ensure-promtool prometheus
if command -v systemctl > /dev/null && [ -d /run/systemd/system ]; then
  systemctl disable --now prometheus > /dev/null 2>&1 || true
fi
command -v promtool > /dev/null || { echo "ensure-promtool: apt-get installed prometheus but promtool is not on PATH" >&2; exit 1; }
