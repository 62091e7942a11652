# Podman on this kind of host, for the scripts that build images (sourced, not run).
#
# crun refuses a hybrid cgroup layout whose cgroup2 mount still has controllers (here:
# cgroup v1 for everything, hugetlb left on /sys/fs/cgroup/unified). podman then runs in
# a private mount namespace without that mount; nothing changes for the rest of the host.
hybrid_cgroup2() { [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2> /dev/null)" ]; }
pm() {
  if hybrid_cgroup2; then
    unshare --mount --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec podman "$@"' podman "$@"
  else
    podman "$@"
  fi
}
# podman asks for RLIMIT_NOFILE 1048576 and a large RLIMIT_NPROC, which needs
# CAP_SYS_RESOURCE when the host's hard limits are lower: ask for what the host allows.
podman_nofile=$(ulimit -Hn); [ "$podman_nofile" = unlimited ] || [ "$podman_nofile" -gt 65536 ] && podman_nofile=65536
podman_limits=(--ulimit "nofile=$podman_nofile:$podman_nofile" --ulimit nproc=4096:4096)
