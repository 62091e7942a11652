#!/usr/bin/env bash
# Builds the one-node cluster's binaries from Go modules, once per version, into
# $STRATA_CLUSTER_CACHE/bin (default ~/.cache/strata/cluster/bin), outside the clone so
# that every later run and every worktree on the machine reuses them:
#   kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl
#   etcd (3.6, the version Kubernetes' own go.mod pins)    coredns    pause
#
# `go install k8s.io/kubernetes/cmd/...@v1.34.4` refuses the module because its go.mod
# replaces every k8s.io/* staging module with ./staging. A wrapper module does instead:
# it requires k8s.io/kubernetes and replaces each staging module (the `=> ./staging` lines
# of kubernetes' own go.mod) with its published v0 twin. etcd's server is in the same
# module graph at the version Kubernetes tests against, so it builds from the same wrapper.
# The version ldflags are what the API server reports; without them it says v0.0.0 and
# the chart's kubeVersion constraint fails.
#
# usage: tools/cluster/build.sh      Heavy: about 7 min of both cores with a cold Go
# cache, so every compile runs under nice/ionice.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/cluster/lib.sh

kube_version=v1.34.4
# What Kubernetes v1.34.4 itself pins in its go.mod (go.etcd.io/etcd/server/v3).
etcd_version=v3.6.4
kube_cmds=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
# The CoreDNS version kubeadm installs with Kubernetes 1.34.
coredns_module=github.com/coredns/coredns@v1.12.1
bin=$cluster_cache/bin
stamp="$bin/.version"
want="kubernetes $kube_version; etcd $etcd_version; $coredns_module; pause $(sha256sum tools/cluster/pause/main.go | cut -c1-12)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
command -v go > /dev/null || { echo "cluster build: the Go toolchain is required" >&2; exit 1; }
mkdir -p "$bin"
export GOFLAGS=-trimpath CGO_ENABLED=0
slow() { nice -n 19 ionice -c3 "$@"; }

wrapper=$cluster_cache/build/kubernetes-$kube_version
mkdir -p "$wrapper"
started=$(date +%s)
if [ ! -f "$wrapper/go.sum" ]; then
  log "resolving k8s.io/kubernetes@$kube_version"
  kube_mod=$(cd "$wrapper" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$kube_version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  staging_version=v0.${kube_version#v1.}
  {
    echo "module strata.local/cluster-build"
    echo
    echo "go 1.24.0"
    echo
    echo "require k8s.io/kubernetes $kube_version"
    echo
    sed -n 's#^[[:space:]]*\(k8s.io/[^[:space:]]*\) => ./staging/.*#replace \1 => \1 '"$staging_version"'#p' "$kube_mod"
  } > "$wrapper/go.mod"
  grep -q '^replace k8s.io/api ' "$wrapper/go.mod" || { echo "cluster build: no staging modules found in $kube_mod" >&2; exit 1; }
  cmds=()
  for c in "${kube_cmds[@]}"; do cmds+=("k8s.io/kubernetes/cmd/$c@$kube_version"); done
  (cd "$wrapper" && slow go get "${cmds[@]}" "go.etcd.io/etcd/server/v3@$etcd_version" > /dev/null)
fi

pkg=k8s.io/component-base/version
minor=$(echo "$kube_version" | cut -d. -f2)
ldflags="-s -w -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
log "go build kubernetes $kube_version (${kube_cmds[*]}) and etcd $etcd_version"
pkgs=()
for c in "${kube_cmds[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
(cd "$wrapper" && slow go build -ldflags "$ldflags" -o "$bin/" "${pkgs[@]}")
(cd "$wrapper" && slow go build -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3)
log "go install $coredns_module"
GOBIN="$bin" slow go install -ldflags "-s -w" "$coredns_module"
# The sandbox ("pause") container: a static binary that sleeps until signalled.
(cd tools/cluster/pause && slow go build -ldflags "-s -w" -o "$bin/pause" .)
echo "$want" > "$stamp"
log "cluster binaries built in $(($(date +%s) - started)) s: $bin"
