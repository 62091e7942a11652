#!/usr/bin/env bash
# images.sh [--import] [pause|deps|strata]...: builds the cluster's images with podman (no
# Docker engine, no registry) and, with --import, loads them into the cluster's containerd
# (`ctr -n k8s.io images import`). Images already imported, with the same id, are skipped.
#
#   pause   the sandbox image (tools/cluster/pause), from scratch
#   deps    Kafka (KRaft), Redis (a single node, and a Redis Cluster node), DynamoDB Local
#           and the S3 server (versitygw): the jars and binaries `stack.sh install` puts in
#           ~/.cache/strata/stack, on one Debian bookworm base with Java 17 and redis-server
#           (mmdebstrap)
#   strata  the five app images of `npm run images` (tools/bin/images.sh), tag `local`
set -euo pipefail
cd "$(dirname "$0")/../.."
workspace=$PWD
source tools/cluster/lib.sh
source tools/bin/podman-lib.sh

import=0
sets=()
for arg in "$@"; do
  case "$arg" in
    --import) import=1 ;;
    pause | deps | strata) sets+=("$arg") ;;
    *) die "usage: images.sh [--import] [pause|deps|strata]..." ;;
  esac
done
[ ${#sets[@]} -gt 0 ] || sets=(pause deps strata)
state=$cluster_cache/images
strata_cache=$(dirname "$cluster_cache")
mkdir -p "$state"
yield_cpu
base=localhost/strata-deps-base:bookworm
deps=(kafka redis redis-cluster dynamodb-local s3)
apps=(ingest reader writer archiver e2e-prober)

build() { # name containerfile context
  log "podman build localhost/strata-$1:local"
  pm build --layers --pull=never "${podman_limits[@]}" --build-arg BASE="$base" \
    -f "$2" -t "localhost/strata-$1:local" "$3" > "$state/build-$1.log" 2>&1 ||
    { tail -20 "$state/build-$1.log" >&2; die "build of $1 failed"; }
}

build_pause() {
  bash tools/cluster/build.sh
  local ctx=$state/context-pause
  rm -rf "$ctx" && mkdir -p "$ctx" && cp "$cluster_bin/pause" "$ctx/"
  pm build --layers --pull=never -f tools/cluster/images/pause.Containerfile -t localhost/strata-pause:1 "$ctx" > "$state/build-pause.log" 2>&1 ||
    { tail -20 "$state/build-pause.log" >&2; die "build of pause failed"; }
}

build_deps() {
  if ! pm image exists "$base"; then
    log "dependency base image: mmdebstrap bookworm + openjdk-17-jre-headless + redis-server"
    local root=$state/rootfs
    rm -rf "$root" && mkdir -p "$root"
    mmdebstrap --quiet --variant=minbase --include=openjdk-17-jre-headless,redis-server,ca-certificates \
      bookworm "$root" > "$state/mmdebstrap.log" 2>&1 || { tail -20 "$state/mmdebstrap.log" >&2; die "mmdebstrap failed"; }
    rm -rf "$root/var/cache/apt/"* "$root/var/lib/apt/lists/"* "$root/usr/share/doc" "$root/usr/share/man"
    mkdir -p "$root/data" && chown 10001:10001 "$root/data"
    tar --numeric-owner -C "$root" -c . | pm import --quiet \
      --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' - "$base" > /dev/null
    rm -rf "$root"
  fi
  STRATA_CACHE_DIR=$strata_cache bash tools/bin/stack.sh install kafka dynamodb s3 >&2
  local ctx=$state/context-deps
  rm -rf "$ctx" && mkdir -p "$ctx/kafka" "$ctx/redis"
  cp -a "$strata_cache/stack/jars" "$strata_cache/stack/bin" "$ctx/"
  rm -rf "$ctx/jars/.poms"
  npx --no-install tsx tools/cluster/src/render-kafka-config.ts "$ctx/kafka"
  cp tools/cluster/images/kafka-start.sh "$ctx/kafka/"
  cp tools/cluster/images/redis-cluster-start.sh "$ctx/redis/"
  local d
  for d in "${deps[@]}"; do build "$d" "tools/cluster/images/$d.Containerfile" "$ctx"; done
}

build_strata() {
  STRATA_IMAGE_TAG=local bash tools/bin/images.sh --no-smoke
}

import_image() { # image
  local image=$1 id file sock=$cluster_run/containerd/containerd.sock
  [ -S "$sock" ] || die "containerd is not running: npm run cluster -- up"
  id=$(pm image inspect --format '{{.Id}}' "$image")
  file=$state/$(echo "${image#localhost/}" | tr ':/' '__')
  # (A list, not a pipe into grep -q: grep's early exit would fail the pipe under pipefail.)
  if [ "$(cat "$file.imported" 2> /dev/null)" = "$id" ] &&
    [[ $'\n'"$(ctr --address "$sock" -n k8s.io images ls -q)"$'\n' == *$'\n'"$image"$'\n'* ]]; then
    return 0
  fi
  log "ctr images import $image"
  pm save --quiet --format docker-archive -o "$file.tar" "$image"
  ctr --address "$sock" -n k8s.io images import "$file.tar" > /dev/null
  rm -f "$file.tar"
  echo "$id" > "$file.imported"
}

build_began=$(date -u +%Y-%m-%dT%H:%M:%SZ)
images=()
for set in "${sets[@]}"; do
  case "$set" in
    pause)
      build_pause
      images+=(localhost/strata-pause:1) ;;
    deps)
      build_deps
      for d in "${deps[@]}"; do images+=("localhost/strata-$d:local"); done ;;
    strata)
      [ "${STRATA_CLUSTER_SKIP_APP_BUILD:-0}" = 1 ] || build_strata
      for a in "${apps[@]}"; do images+=("localhost/strata-$a:local"); done ;;
  esac
done
prune_replaced_images "$build_began"
if [ "$import" = 1 ]; then
  for image in "${images[@]}"; do import_image "$image"; done
fi
