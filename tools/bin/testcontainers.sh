#!/usr/bin/env bash
# The local stack's services as containers, started by the `testcontainers` npm package
# through podman's Docker-compatible API (no Docker engine, no registry):
#
#   up       build the dependency images if needed (tools/cluster/images.sh deps), start
#            podman's API socket, start the containers, wait until ready, provision
#   down     remove the containers, stop the API socket, fail if a container is left
#   env      the client settings as shell exports (the same variables as `stack env`)
#   status   the API socket and the containers
#
# `STRATA_STACK=testcontainers npm test` uses it instead of the local stack. The socket is
# <cache>/testcontainers/podman.sock (a root podman's API is root: the directory is 0700).
# Ryuk, testcontainers' reaper container, is off (TESTCONTAINERS_RYUK_DISABLED): its image
# comes from Docker Hub, which this machine cannot reach, and `down` removes the containers
# by their label instead. docs/testing.md tells more.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/bin/podman-lib.sh

cache=$(realpath -m "${STRATA_CACHE_DIR:-.cache}")
dir=$cache/testcontainers
sock=$dir/podman.sock
pidfile=$dir/podman-service.pid
export DOCKER_HOST=unix://$sock TESTCONTAINERS_RYUK_DISABLED=true
mkdir -p "$dir" && chmod 700 "$dir"

cli() { npx --no-install tsx tools/stack/src/testcontainers/cli.ts "$@"; }
service_pid() {
  local pid
  pid=$(cat "$pidfile" 2> /dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2> /dev/null && [[ "$(tr '\0' ' ' < "/proc/$pid/cmdline")" == *"system service"*"$sock"* ]] && echo "$pid"
}
api_up() {
  service_pid > /dev/null && return 0
  rm -f "$sock"
  podman_limits_conf "$dir/containers.conf"
  (CONTAINERS_CONF=$dir/containers.conf pm_exec system service --time=0 "unix://$sock" >> "$dir/podman-service.log" 2>&1) &
  echo $! > "$pidfile"
  local i
  for i in $(seq 1 100); do
    curl -fsS --max-time 2 --unix-socket "$sock" http://podman/_ping > /dev/null 2>&1 && return 0
    kill -0 "$(cat "$pidfile")" 2> /dev/null || break
    sleep 0.1
  done
  tail -5 "$dir/podman-service.log" >&2
  echo "testcontainers.sh: podman's API did not answer on $sock" >&2
  return 1
}
api_down() {
  local pid i
  pid=$(service_pid) || { rm -f "$pidfile" "$sock"; return 0; }
  kill "$pid"
  for i in $(seq 1 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2> /dev/null && kill -9 "$pid"
  rm -f "$pidfile" "$sock"
}
# What podman itself still holds with this checkout's label, API or not.
leftovers() { pm ps -a --filter "label=org.strata.stack=testcontainers:$cache" --format '{{.Names}} {{.Status}}'; }

case "${1:-}" in
  up)
    command -v podman > /dev/null || bash tools/bin/apt-install.sh images podman crun mmdebstrap
    bash tools/cluster/images.sh deps
    api_up
    cli up || { cli down || true; api_down; exit 1; }
    ;;
  down)
    if service_pid > /dev/null; then cli down; fi
    api_down
    left=$(leftovers)
    [ -z "$left" ] || { echo "testcontainers.sh: containers left: $left" >&2; exit 1; }
    ;;
  env) cli env ;;
  status)
    if pid=$(service_pid); then echo "podman API: pid $pid on $sock"; else echo "podman API: not running"; fi
    left=$(leftovers)
    [ -n "$left" ] || { echo "containers: none"; exit 3; }
    echo "$left"
    ;;
  *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
