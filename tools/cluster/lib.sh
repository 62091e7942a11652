# Shared by the tools/cluster scripts (sourced, not run): where things live, and how a
# command runs inside the cluster's network namespace.
cluster_cache=${STRATA_CLUSTER_CACHE:-$HOME/.cache/strata/cluster}
# Binaries, the Go build's wrapper module, images (archives) and containerd's content
# store stay in the cache across up/down; everything under $cluster_run goes at `down`.
cluster_bin=$cluster_cache/bin
cluster_run=${STRATA_CLUSTER_RUN:-/run/strata-cluster}
cluster_logs=$cluster_cache/logs
netns=strata-cluster
netns_path=/run/netns/$netns
# The node's address: an interface inside the namespace (the kubelet refuses
# 127.0.0.1 as a node IP). The pod bridge and the service range live there too; no
# route and no NAT lead out of the namespace.
node_name=strata-node
node_ip=10.200.0.1
pod_cidr=10.244.0.0/24
pod_gateway=10.244.0.1
service_cidr=10.96.0.0/16
apiserver_service_ip=10.96.0.1
dns_service_ip=10.96.0.10
# The host-wide sysctls the kubelet rewrites at start; `up` saves them, `down` restores them.
host_sysctls=(vm.overcommit_memory kernel.panic kernel.panic_on_oops)
host_sysctls_file=$cluster_cache/host-sysctls
export KUBECONFIG=$cluster_run/pki/admin.kubeconfig

log() { echo "==> $*" >&2; }
die() { echo "cluster: $*" >&2; exit 1; }
# Cluster processes and heavy builds give way to everything else on the machine.
slow() { nice -n 19 ionice -c3 "$@"; }
# The same for the calling script and everything it starts from now on.
yield_cpu() { renice -n 19 -p $$ > /dev/null; ionice -c3 -p $$ 2> /dev/null || true; }
# Runs a command in the cluster's network namespace only: the mount namespace stays the
# host's, so the kubelet, containerd and the shims see each other's mounts (`ip netns exec`
# would give every process a mount namespace of its own).
in_netns() { nsenter --net="$netns_path" -- "$@"; }
kubectl() { in_netns "$cluster_bin/kubectl" "$@"; }
netns_exists() { [ -e "$netns_path" ]; }
