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
# pm, replacing the calling (sub)shell, so that `(pm_exec ...) &` leaves $! as podman's pid.
pm_exec() {
  if hybrid_cgroup2; then
    exec unshare --mount --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec podman "$@"' podman "$@"
  else
    exec podman "$@"
  fi
}
# podman asks for RLIMIT_NOFILE 1048576 and a large RLIMIT_NPROC, which needs
# CAP_SYS_RESOURCE when the host's hard limits are lower: ask for what the host allows.
podman_nofile=$(ulimit -Hn); [ "$podman_nofile" = unlimited ] || [ "$podman_nofile" -gt 65536 ] && podman_nofile=65536
podman_limits=(--ulimit "nofile=$podman_nofile:$podman_nofile" --ulimit nproc=4096:4096)
# The same limits for containers created through podman's API (`podman system service`),
# which takes no --ulimit: a containers.conf for CONTAINERS_CONF. Usage: podman_limits_conf FILE
podman_limits_conf() {
  printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=4096:4096"]\n' "$podman_nofile" "$podman_nofile" > "$1"
}
# Every rebuild leaves the images it replaced behind, untagged (the previous app images,
# and the untagged final images of multi-stage builds' other stages), tens of GB after a
# few days of builds. Usage: prune_replaced_images SINCE (RFC 3339, taken before building):
# removes untagged images made before SINCE that nothing uses (no tag, no child image, no
# container; podman keeps any image a build in progress is working on); the layers of
# tagged images and of what was built since stay, so the layer cache keeps what the last
# build used.
prune_replaced_images() {
  local before after
  before=$(pm images -q --filter dangling=true | wc -l)
  pm image prune -f --filter "until=$1" > /dev/null
  after=$(pm images -q --filter dangling=true | wc -l)
  echo "==> podman image prune: $((before - after)) untagged images older than this build removed" >&2
}
