#!/usr/bin/env bash
# config.sh <dir>: writes the configuration of every cluster process into <dir> (sourced
# values from lib.sh). Each setting that differs from a stock cluster says why.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
dir=$1
pki=$dir/pki
mkdir -p "$dir/cni" "$dir/containerd"

cat > "$dir/containerd/config.toml" <<TOML
version = 2
# Images and snapshots stay in the cache, so an image imported once survives down/up.
root = "$cluster_cache/containerd"
state = "$dir/containerd/state"
oom_score = 0
[grpc]
  address = "$dir/containerd/containerd.sock"
[ttrpc]
  address = "$dir/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  # A pause image built here: the cluster pulls from no registry.
  sandbox_image = "localhost/strata-pause:1"
  # The machine lacks CAP_SYS_RESOURCE: a negative oom_score_adj for the sandbox kills
  # runc's init ("can't get final child's PID from pipe: EOF").
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  disable_apparmor = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        # cgroup v1 and no systemd as PID 1.
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni"
TOML

# A Linux bridge inside the namespace, no masquerade: pods reach each other, the node
# and Services, and nothing outside. The bridge plugin enforces no NetworkPolicy.
cat > "$dir/cni/10-strata.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "strata",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$pod_cidr", "gateway": "$pod_gateway" }]],
                "routes": [{ "dst": "0.0.0.0/0" }], "dataDir": "$dir/cni-ipam" }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON

: > "$dir/resolv.conf"   # pods get cluster DNS only; the namespace has no upstream
cat > "$dir/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
tlsCertFile: $pki/kubelet.crt
tlsPrivateKeyFile: $pki/kubelet.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: unix://$dir/containerd/containerd.sock
# cgroup v1, no systemd as PID 1.
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
clusterDNS: [$dns_service_ip]
clusterDomain: cluster.local
resolvConf: $dir/resolv.conf
podLogsDir: $dir/pod-logs
serializeImagePulls: false
# The host's disk is shared with other work: never evict or collect images for disk.
evictionHard: {memory.available: 200Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
shutdownGracePeriod: 0s
YAML

cat > "$dir/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $pki/admin.kubeconfig}
mode: iptables
clusterCIDR: $pod_cidr
hostnameOverride: $node_name
bindAddress: $node_ip
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [$node_ip/32]
# Leave the host-wide conntrack table size alone.
conntrack: {maxPerCore: 0, min: 0}
YAML

# Cluster DNS: CoreDNS as a process of the node (a Service with a hand-made EndpointSlice
# sends 10.96.0.10 to it), answering for cluster.local only; nothing is forwarded out.
cat > "$dir/Corefile" <<COREFILE
.:53 {
    bind $node_ip
    errors
    health 127.0.0.1:8081
    ready 127.0.0.1:8181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $pki/admin.kubeconfig strata
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 5
}
COREFILE
