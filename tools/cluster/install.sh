#!/usr/bin/env bash
# install.sh: the node-side parts of the cluster from Debian's packages, when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
missing=()
for pair in containerd:containerd runc:runc iptables:iptables conntrack:conntrack curl:curl openssl:openssl \
  nsenter:util-linux podman:podman crun:crun mmdebstrap:mmdebstrap; do
  command -v "${pair%%:*}" > /dev/null || missing+=("${pair#*:}")
done
[ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
[ ${#missing[@]} -eq 0 ] || bash tools/bin/apt-install.sh cluster "${missing[@]}"
