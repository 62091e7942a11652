#!/usr/bin/env bash
# A one-node Kubernetes cluster on this machine, inside a network namespace of its own,
# built from Go modules and Debian's packages (npm run cluster -- <command>):
#
#   up              build what is missing (cached in ~/.cache/strata/cluster), start the
#                   cluster, wait until the node is Ready (tools/cluster/up.sh)
#   down            stop it and remove everything it added to the host (tools/cluster/down.sh)
#   status          what runs, the node, and anything left over on the host (exit 3 when
#                   the cluster is not up)
#   images          build the dependency and app images and import them into the cluster
#   kubectl ARGS    kubectl against the cluster, from inside its network namespace
#   exec CMD        any command inside the namespace, with KUBECONFIG set (helm, curl...)
#
# Needs root: network namespace, mounts, cgroups. docs/kubernetes.md tells what it proves.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/cluster/lib.sh
source tools/cluster/leftovers.sh

status() {
  local name pid state up=0
  if netns_exists && [ -d "$cluster_run/pids" ]; then
    up=1
    for name in containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy coredns; do
      pid=$(cat "$cluster_run/pids/$name" 2> /dev/null || echo -)
      if [ "$pid" != - ] && kill -0 "$pid" 2> /dev/null; then state=running; else state=stopped; up=0; fi
      printf '%-24s %-8s pid %s\n' "$name" "$state" "$pid"
    done
    kubectl get nodes -o wide 2> /dev/null || up=0
  else
    echo "cluster: down"
    local left
    left=$(leftovers)
    if [ -n "$left" ]; then echo "left over on the host:"; echo "$left"; return 4; fi
    echo "nothing of it left on the host (processes, mounts, cgroups, namespace, sysctls)"
  fi
  [ "$up" = 1 ] || return 3
}

command=${1:-}
[ $# -eq 0 ] || shift
case "$command" in
  up) bash tools/cluster/up.sh ;;
  down) bash tools/cluster/down.sh ;;
  status) status ;;
  images) bash tools/cluster/images.sh --import "$@" ;;
  kubectl) kubectl "$@" ;;
  exec) in_netns "$@" ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
