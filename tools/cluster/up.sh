#!/usr/bin/env bash
# up.sh: starts the one-node cluster inside its own network namespace (see lib.sh for the
# addresses): containerd, etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubelet, kube-proxy and CoreDNS, all under nice/ionice. Returns when the node is Ready,
# cluster DNS answers and the `strata` namespace enforces the restricted Pod Security
# profile. On any failure it prints the logs' tails and takes everything down again.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/cluster/lib.sh
[ "$(id -u)" = 0 ] || die "needs root (network namespace, mounts, cgroups)"

bash tools/cluster/install.sh
bash tools/cluster/build.sh
if netns_exists || [ -d "$cluster_run" ]; then
  die "already up, or left over from an interrupted run ($cluster_run): run \`npm run cluster -- down\` first"
fi
started=$(date +%s%N)
mkdir -p "$cluster_run/pids" "$cluster_logs"
rm -f "$cluster_logs"/*.log
on_exit() {
  local rc=$?
  [ "$rc" != 0 ] || return 0
  echo "cluster: up failed; the last lines of each log ($cluster_logs):" >&2
  for f in "$cluster_logs"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -15 "$f" >&2; }; done
  bash tools/cluster/down.sh >&2 || true
  exit "$rc"
}
trap on_exit EXIT

for s in "${host_sysctls[@]}"; do echo "$s=$(sysctl -n "$s")"; done > "$host_sysctls_file"
[ -e /run/containerd ] || touch "$cluster_run/made-run-containerd"

# --- the namespace ----------------------------------------------------------------------
ip netns add "$netns"
in_netns ip link set lo up
in_netns ip link add node0 type bridge
in_netns ip addr add "$node_ip/24" dev node0
in_netns ip link set node0 up
# The node's interface is a bridge with no port (this kernel has no dummy interfaces).
# Service IPs need a route for the kernel to reach kube-proxy's DNAT rules; this one ends at
# that bridge, where a packet that was not rewritten is dropped: nothing leaves the namespace.
in_netns ip route add default dev node0
in_netns sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1

bash tools/cluster/config.sh "$cluster_run"
bash tools/cluster/pki.sh "$cluster_run/pki"
pki=$cluster_run/pki

start() { # name command...
  local name=$1
  shift
  # exec all the way down, so that $! is the process itself (setsid does not fork here: a
  # background job of a script is no process-group leader).
  (exec nice -n 19 ionice -c3 nsenter --net="$netns_path" -- setsid "$@" > "$cluster_logs/$name.log" 2>&1 < /dev/null) &
  echo $! > "$cluster_run/pids/$name"
}
wait_for() { # seconds what command...
  local deadline=$(($(date +%s) + $1)) what=$2
  shift 2
  until "$@" > /dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "cluster: timed out waiting for $what" >&2; return 1; }
    sleep 0.5
  done
}
curl_in() { in_netns curl -fsS --max-time 3 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$@"; }

# --- runtime and control plane ----------------------------------------------------------
log "containerd"
start containerd containerd --config "$cluster_run/containerd/config.toml"
wait_for 30 containerd ctr --address "$cluster_run/containerd/containerd.sock" version
bash tools/cluster/images.sh --import pause

log "etcd"
start etcd "$cluster_bin/etcd" --name "$node_name" --data-dir "$cluster_run/etcd" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster "$node_name=http://127.0.0.1:2380" --listen-metrics-urls http://127.0.0.1:2381 \
  --unsafe-no-fsync --log-level warn
wait_for 30 etcd in_netns curl -fsS http://127.0.0.1:2379/health

log "kube-apiserver"
start kube-apiserver "$cluster_bin/kube-apiserver" --etcd-servers http://127.0.0.1:2379 \
  --advertise-address "$node_ip" --bind-address 0.0.0.0 --secure-port 6443 \
  --service-cluster-ip-range "$service_cidr" --client-ca-file "$pki/ca.crt" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --kubelet-client-certificate "$pki/admin.crt" --kubelet-client-key "$pki/admin.key" \
  --kubelet-certificate-authority "$pki/ca.crt" --kubelet-preferred-address-types InternalIP \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
  --profiling=false --v 1
# /readyz includes the RBAC bootstrap: the controller-manager must not start before the
# bootstrap bindings exist.
wait_for 90 kube-apiserver curl_in "https://$node_ip:6443/readyz"

log "kube-controller-manager, kube-scheduler"
start kube-controller-manager "$cluster_bin/kube-controller-manager" --kubeconfig "$KUBECONFIG" \
  --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" --profiling=false
start kube-scheduler "$cluster_bin/kube-scheduler" --kubeconfig "$KUBECONFIG" \
  --bind-address 127.0.0.1 --leader-elect=false --profiling=false

# --- the node -------------------------------------------------------------------------
log "kubelet"
start kubelet "$cluster_bin/kubelet" --config "$cluster_run/kubelet.yaml" --kubeconfig "$KUBECONFIG" \
  --hostname-override "$node_name" --node-ip "$node_ip" --root-dir "$cluster_run/kubelet" \
  --cert-dir "$cluster_run/kubelet/pki"
wait_for 60 "node $node_name" kubectl get node "$node_name"

log "kube-proxy, CoreDNS"
start kube-proxy "$cluster_bin/kube-proxy" --config "$cluster_run/kube-proxy.yaml"
start coredns "$cluster_bin/coredns" -conf "$cluster_run/Corefile"
kubectl apply -f tools/cluster/manifests/cluster-dns.yaml > /dev/null
kubectl apply -f tools/cluster/manifests/namespaces.yaml > /dev/null
wait_for 60 "node Ready" kubectl wait --for=condition=Ready "node/$node_name" --timeout=1s
# The kubelet set these host-wide while it started its container manager (before the node
# could turn Ready); nothing on this machine asked for them.
while IFS= read -r line; do sysctl -qw "$line"; done < "$host_sysctls_file"
wait_for 30 "CoreDNS" in_netns curl -fsS http://127.0.0.1:8181/ready
wait_for 60 "the default ServiceAccount of namespace strata" kubectl -n strata get serviceaccount default
log "cluster up in $((($(date +%s%N) - started) / 1000000)) ms: node $node_name Ready, API https://$node_ip:6443 in netns $netns"
echo "    kubectl: npm run cluster -- kubectl get pods -A" >&2
