# What a running or half-stopped cluster holds on the host (sourced; needs lib.sh).

# Processes in the cluster's network namespace or in the kubelet's pod cgroups.
cluster_pids() {
  local ns pid
  if [ -e "$netns_path" ]; then
    ns=$(stat -L -c %i "$netns_path" 2> /dev/null || true)
    for pid in /proc/[0-9]*; do
      [ "$(readlink "$pid/ns/net" 2> /dev/null)" = "net:[$ns]" ] && echo "${pid#/proc/}"
    done
  fi
  cat $(find /sys/fs/cgroup/*/kubepods -name cgroup.procs 2> /dev/null) /dev/null 2> /dev/null
  true
}
# Mounts under the run directory, containerd's snapshots, or pod network namespaces.
cluster_mounts() {
  awk -v run="$cluster_run" -v root="$cluster_cache/containerd" \
    'index($5, run) == 1 || index($5, root) == 1 || $5 ~ /^\/run\/netns\/cni-/ || $5 ~ /^\/run\/containerd\// { print $5 }' \
    /proc/self/mountinfo
}
cluster_cgroups() { find /sys/fs/cgroup/*/kubepods -type d 2> /dev/null || true; }

# Everything above, plus the namespace and the host sysctls as `up` found them: empty when
# the host is as it was before `up`.
leftovers() {
  local p
  p=$(cluster_pids | sort -u | tr '\n' ' ')
  [ -z "$p" ] || echo "processes: $p"
  [ -z "$(cluster_mounts)" ] || echo "mounts: $(cluster_mounts | tr '\n' ' ')"
  [ -z "$(cluster_cgroups)" ] || echo "cgroups: $(cluster_cgroups | wc -l) under kubepods"
  ! netns_exists || echo "network namespace: $netns"
  local saved=$host_sysctls_file line
  if [ -f "$saved" ]; then
    while IFS= read -r line; do
      [ "$(sysctl -n "${line%%=*}")" = "${line#*=}" ] || echo "sysctl: ${line%%=*} is $(sysctl -n "${line%%=*}"), was ${line#*=}"
    done < "$saved"
  fi
  return 0
}
