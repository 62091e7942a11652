#!/usr/bin/env bash
# down.sh: stops the cluster and removes everything `up` added to the host: processes
# (control plane, kubelet, containerd, shims, every container), mounts, the kubepods
# cgroups, the network namespace (with the pod bridge, the veths and every iptables rule
# kube-proxy and the CNI plugins wrote: they all live in it) and the kubelet's host-wide
# sysctls. Safe to run twice, and after an interrupted `up`.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/cluster/lib.sh
source tools/cluster/leftovers.sh
[ "$(id -u)" = 0 ] || die "needs root"

sock=$cluster_run/containerd/containerd.sock
stop_pid() { # name signal
  local f=$cluster_run/pids/$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  kill -"$2" "$pid" 2> /dev/null || true
}
wait_gone() { # seconds pid...
  local deadline=$(($(date +%s) + $1)) pid
  shift
  for pid in "$@"; do
    while kill -0 "$pid" 2> /dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
  done
}
pids_of() { local n; for n in "$@"; do [ -f "$cluster_run/pids/$n" ] && cat "$cluster_run/pids/$n"; done; true; }

# 1. The node agents first, so nothing restarts what is stopped next.
node_agents=(kubelet kube-proxy coredns kube-scheduler kube-controller-manager)
for n in "${node_agents[@]}"; do stop_pid "$n" TERM; done
wait_gone 10 $(pids_of "${node_agents[@]}")

# 2. Every container, through containerd while it still runs: kill the tasks, delete the
#    containers with their snapshots.
if [ -S "$sock" ]; then
  c() { timeout 20 ctr --address "$sock" -n k8s.io "$@"; }
  for id in $(c tasks ls -q 2> /dev/null); do c tasks kill -s SIGKILL "$id" > /dev/null 2>&1 || true; done
  sleep 1
  for id in $(c tasks ls -q 2> /dev/null); do c tasks delete -f "$id" > /dev/null 2>&1 || true; done
  for id in $(c containers ls -q 2> /dev/null); do c containers delete "$id" > /dev/null 2>&1 || true; done
fi

# 3. The control plane and containerd, then whatever is still in the namespace or the pod
#    cgroups (shims, a container whose task outlived containerd).
for n in kube-apiserver etcd containerd; do stop_pid "$n" TERM; done
wait_gone 15 $(pids_of kube-apiserver etcd containerd)
for _ in 1 2 3 4 5; do
  pids=$(cluster_pids)
  [ -n "$pids" ] || break
  kill -9 $pids 2> /dev/null || true
  sleep 0.5
done
[ -z "$(cluster_pids)" ] || echo "cluster: processes survive SIGKILL: $(cluster_pids)" >&2

# 4. Mounts (container rootfs, pod volumes, pod network namespaces), deepest first.
for m in $(cluster_mounts | sort -r); do umount "$m" 2> /dev/null || umount -l "$m" 2> /dev/null || true; done
rm -f /run/netns/cni-* 2> /dev/null || true

# 5. cgroups, deepest first.
for d in $(cluster_cgroups | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2-); do rmdir "$d" 2> /dev/null || true; done

# 6. The namespace: its bridge, veths, routes and iptables rules go with it.
if netns_exists; then ip netns del "$netns"; fi

# 7. Host-wide sysctls, and the runtime directories.
if [ -f "$host_sysctls_file" ]; then
  while IFS= read -r line; do sysctl -qw "$line"; done < "$host_sysctls_file"
fi
[ ! -f "$cluster_run/made-run-containerd" ] || rm -rf /run/containerd
rm -rf "$cluster_run"

left=$(leftovers)
if [ -n "$left" ]; then
  echo "cluster: down left these behind:" >&2
  echo "$left" >&2
  exit 1
fi
log "cluster down: no process, mount, cgroup, namespace or sysctl left"
