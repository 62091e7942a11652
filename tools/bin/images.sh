#!/usr/bin/env bash
# Builds the five app images from the root Dockerfile with podman, with no Docker engine
# and no container registry, then runs each one against the local stack the way the chart
# runs it (uid 10001, read-only root filesystem, no capabilities) and checks that it
# answers gRPC health with SERVING and exits 0 on SIGTERM, node being PID 1.
#
# usage: tools/bin/images.sh [--worktree] [--no-smoke] [app...]     (npm run images)
#   app          any of ingest reader writer archiver e2e-prober (default: all five)
#   --worktree   build the working tree as it is; by default the build context is
#                `git archive HEAD`, so edits in progress do not reach the images
#   --no-smoke   build only
#
# Base images: the Dockerfile's NODE_IMAGE and RUNTIME_IMAGE normally come from a
# registry. Here they are made locally and imported into podman: a minimal Debian bookworm
# (mmdebstrap) with this machine's Node 20 binary and npm copied in, and a distroless-style
# runtime (libc, libstdc++, libgcc only; no shell) with node at /nodejs/bin/node as in
# distroless. The npm install inside the build stage needs the npm registry.
#
# Environment: STRATA_IMAGE_TAG (default local), STRATA_IMAGES_PORT_OFFSET (default 10600:
# gRPC on 17601.., ops on 19601..), NODE_EXTRA_CA_CERTS (handed to npm in the build as a
# secret when egress goes through a TLS-inspecting proxy). Installs podman, crun and
# mmdebstrap with apt-get when missing (root only); leaves no daemon and no container.
set -euo pipefail
cd "$(dirname "$0")/../.."
workspace=$PWD

all_apps=(ingest reader writer archiver e2e-prober)
apps=()
context_mode=head
smoke=1
for arg in "$@"; do
  case "$arg" in
    --worktree) context_mode=worktree ;;
    --no-smoke) smoke=0 ;;
    ingest | reader | writer | archiver | e2e-prober) apps+=("$arg") ;;
    *) echo "usage: $0 [--worktree] [--no-smoke] [ingest|reader|writer|archiver|e2e-prober]..." >&2; exit 2 ;;
  esac
done
[ ${#apps[@]} -gt 0 ] || apps=("${all_apps[@]}")

state="${STRATA_CACHE_DIR:-$workspace/.cache}/images"
tag="${STRATA_IMAGE_TAG:-local}"
node_image=localhost/strata-node:20-bookworm
runtime_image=localhost/strata-node-runtime:20-bookworm
mkdir -p "$state"
log() { echo "==> $*" >&2; }

# --- tools ----------------------------------------------------------------------------
ensure_tools() {
  local missing=()
  for tool in podman crun mmdebstrap; do command -v "$tool" > /dev/null || missing+=("$tool"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  # policy-rc.d (in apt-install.sh) keeps podman's API socket from being started.
  bash tools/bin/apt-install.sh images podman crun mmdebstrap containernetworking-plugins iptables
}

source tools/bin/podman-lib.sh
limits=("${podman_limits[@]}")

# --- base images ----------------------------------------------------------------------
host_node() {
  local node major
  node=$(command -v node) || { echo "images.sh: node is not on the PATH" >&2; exit 1; }
  node=$(readlink -f "$node")
  major=$("$node" -p 'process.versions.node.split(".")[0]')
  [ "$major" = 20 ] || { echo "images.sh: the images run Node 20; this machine's node is $("$node" -v)" >&2; exit 1; }
  echo "$node"
}

ensure_base_images() {
  local node npm_root version
  node=$(host_node)
  version=$("$node" -v)
  npm_root=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  [ -f "$npm_root/package.json" ] || { echo "images.sh: cannot find npm's package directory (from $(command -v npm))" >&2; exit 1; }
  if pm image exists "$node_image" && pm image exists "$runtime_image" &&
    [ "$(pm image inspect --format '{{index .Labels "org.strata.node"}}' "$runtime_image")" = "$version" ]; then
    return 0
  fi
  local root="$state/rootfs"
  rm -rf "$root" && mkdir -p "$root"
  log "base images: mmdebstrap bookworm + node $version"
  mmdebstrap --quiet --variant=minbase --include=ca-certificates bookworm "$root/build" > "$state/mmdebstrap.log" 2>&1 ||
    { tail -20 "$state/mmdebstrap.log" >&2; exit 1; }
  # Where the node:20-bookworm-slim image keeps them.
  install -D -m 0755 "$node" "$root/build/usr/local/bin/node"
  mkdir -p "$root/build/usr/local/lib/node_modules"
  cp -a "$npm_root" "$root/build/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/build/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/build/usr/local/bin/npx"
  rm -rf "$root/build/var/cache/apt/"* "$root/build/var/lib/apt/lists/"*

  # The runtime: only what node links against; `extract` runs no maintainer scripts and
  # pulls in no shell.
  mmdebstrap --quiet --variant=extract --include=libc6,libgcc-s1,libstdc++6 bookworm "$root/runtime" >> "$state/mmdebstrap.log" 2>&1 ||
    { tail -20 "$state/mmdebstrap.log" >&2; exit 1; }
  install -D -m 0755 "$node" "$root/runtime/nodejs/bin/node"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$root/runtime/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' > "$root/runtime/etc/group"
  install -d -o 65532 -g 65532 "$root/runtime/home/nonroot"
  chmod 1777 "$root/runtime/tmp"
  rm -rf "$root/runtime/var/lib/dpkg" "$root/runtime/var/lib/apt" "$root/runtime/var/cache" \
    "$root/runtime/etc/apt" "$root/runtime/etc/dpkg" "$root/runtime/usr/share/doc" "$root/runtime/usr/share/lintian"

  tar --numeric-owner -C "$root/build" -c . | pm import --quiet \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL org.strata.node=$version" --change 'CMD ["node"]' - "$node_image" > /dev/null
  tar --numeric-owner -C "$root/runtime" -c . | pm import --quiet \
    --change 'ENV PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin' --change 'USER 65532:65532' \
    --change "LABEL org.strata.node=$version" --change 'ENTRYPOINT ["/nodejs/bin/node"]' - "$runtime_image" > /dev/null
  rm -rf "$root"
}

# --- build ----------------------------------------------------------------------------
build_context() {
  if [ "$context_mode" = worktree ]; then
    echo "$workspace"
    return
  fi
  local ctx="$state/context"
  rm -rf "$ctx" && mkdir -p "$ctx"
  git archive HEAD | tar -x -C "$ctx"
  echo "$ctx"
}

npm_ca() {
  local ca="${NODE_EXTRA_CA_CERTS:-}"
  if [ -z "$ca" ]; then ca=$(npm config get cafile 2> /dev/null || true); fi
  if [ -n "$ca" ] && [ "$ca" != null ] && [ "$ca" != undefined ] && [ -r "$ca" ]; then echo "$ca"; fi
}

build_images() {
  local ctx ca secret=() app start args
  ctx=$(build_context)
  ca=$(npm_ca)
  [ -z "$ca" ] || secret=(--secret "id=npm_ca,src=$ca")
  for app in "${apps[@]}"; do
    log "podman build strata-$app:$tag"
    start=$(date +%s)
    args=(--layers --pull=never "${limits[@]}" "${secret[@]}"
      --build-arg APP="$app" --build-arg NODE_IMAGE="$node_image" --build-arg RUNTIME_IMAGE="$runtime_image" -f "$ctx/Dockerfile")
    pm build "${args[@]}" -t "localhost/strata-$app:$tag" "$ctx" > "$state/build-$app.log" 2>&1 ||
      { tail -30 "$state/build-$app.log" >&2; echo "images.sh: build of $app failed; log: $state/build-$app.log" >&2; exit 1; }
    # The build and deps stages again, from the layer cache (seconds), to tag their final
    # images: tagged, the next build's prune keeps them (and the npm install layers under
    # them) even when this build reused them unchanged.
    pm build "${args[@]}" --target build -t "localhost/strata-build-cache:$app" "$ctx" >> "$state/build-$app.log" 2>&1 &&
      pm build "${args[@]}" --target deps -t localhost/strata-build-cache:deps "$ctx" >> "$state/build-$app.log" 2>&1 ||
      { tail -30 "$state/build-$app.log" >&2; echo "images.sh: tagging the build cache of $app failed; log: $state/build-$app.log" >&2; exit 1; }
    printf '    built in %ss, %s MB\n' "$(($(date +%s) - start))" \
      "$(($(pm image inspect --format '{{.Size}}' "localhost/strata-$app:$tag") / 1000000))" >&2
  done
}

# --- smoke ----------------------------------------------------------------------------
containers=()
cleanup_containers() {
  local c
  for c in "${containers[@]}"; do pm rm -f -t 0 "$c" > /dev/null 2>&1 || true; done
}

health() {
  local proto_dir
  proto_dir=$(dirname "$(find "$workspace/node_modules/grpc-health-check" -name health.proto | head -1)")
  # A local health.proto rather than reflection: grpcurl rejects the descriptor the
  # servers' reflection gives for grpc.health.v1 (its List response map).
  "$grpcurl" -plaintext -max-time 3 -import-path "$proto_dir" -proto health.proto "127.0.0.1:$1" grpc.health.v1.Health/Check 2> /dev/null |
    sed -n 's/.*"status": "\([A-Z_]*\)".*/\1/p'
}

smoke_test() {
  bash tools/bin/go-tools.sh grpcurl
  grpcurl="${STRATA_CACHE_DIR:-$workspace/.cache}/bin/grpcurl"
  eval "$(bash tools/bin/stack.sh env)"
  local offset="${STRATA_IMAGES_PORT_OFFSET:-10600}" run="strata-images-$$" i app grpc ops name failed=0
  local components=() env=()
  declare -A port_of=()
  trap cleanup_containers EXIT
  for i in "${!all_apps[@]}"; do
    components+=("${all_apps[$i]}=http://127.0.0.1:$((9001 + offset + i))")
  done
  for i in "${!all_apps[@]}"; do
    app=${all_apps[$i]}
    [[ " ${apps[*]} " == *" $app "* ]] || continue
    grpc=$((7001 + offset + i))
    ops=$((9001 + offset + i))
    name="$run-$app"
    env=(-e STRATA_GRPC_PORT="$grpc" -e STRATA_OPS_PORT="$ops" -e STRATA_LOG_LEVEL=warn
      -e STRATA_KAFKA_BROKERS -e STRATA_KAFKA_TOPIC -e STRATA_REDIS_URL -e STRATA_DYNAMODB_ENDPOINT
      -e STRATA_DYNAMODB_TABLE -e STRATA_S3_ENDPOINT -e STRATA_S3_BUCKET -e STRATA_S3_FORCE_PATH_STYLE=true
      # Its own consumer group, so it takes no partitions from writers already on the stack.
      -e STRATA_WRITER_GROUP_ID="$run"
      -e STRATA_PROBER_INGEST_ADDRESS="127.0.0.1:$((7001 + offset))" -e STRATA_PROBER_READER_ADDRESS="127.0.0.1:$((7002 + offset))"
      -e STRATA_PROBER_COMPONENTS="$(IFS=,; echo "${components[*]}")")
    # As the chart runs it: uid 10001, read-only root, no capabilities, no privilege gain.
    # Host network: the stack listens on the host's loopback.
    pm run -d --name "$name" --network host --read-only --user 10001:10001 --cap-drop ALL \
      --security-opt no-new-privileges "${limits[@]}" "${env[@]}" "localhost/strata-$app:$tag" > /dev/null
    containers+=("$name")
    port_of[$name]=$grpc
  done
  local deadline status
  for name in "${containers[@]}"; do
    app=${name#"$run-"}
    grpc=${port_of[$name]}
    deadline=$(($(date +%s) + 60))
    status=
    while [ "$(date +%s)" -lt "$deadline" ]; do
      status=$(health "$grpc")
      [ "$status" = SERVING ] && break
      [ "$(pm inspect --format '{{.State.Running}}' "$name")" = true ] || break
      sleep 1
    done
    local user pid1
    user=$(pm top "$name" user 2> /dev/null | sed -n 2p | tr -d ' ')
    pid1=$(pm top "$name" pid args 2> /dev/null | awk 'NR==2 {print $1, $2}')
    local start stop_ms code
    start=$(date +%s%N)
    pm stop -t 30 "$name" > /dev/null 2>&1 || true
    stop_ms=$((($(date +%s%N) - start) / 1000000))
    code=$(pm inspect --format '{{.State.ExitCode}}' "$name")
    if [ "$status" = SERVING ] && [ "$code" = 0 ] && [ "$user" = 10001 ] && [ "${pid1%% *}" = 1 ]; then
      printf '    %-11s SERVING, uid %s, PID 1 "%s", SIGTERM -> exit 0 in %s ms\n' "$app" "$user" "${pid1#* }" "$stop_ms" >&2
    else
      failed=1
      printf '    %-11s FAILED: health %s, uid %s, PID 1 "%s", exit code %s\n' "$app" "${status:-none}" "${user:-?}" "$pid1" "$code" >&2
      pm logs --tail 20 "$name" >&2 || true
    fi
  done
  return "$failed"
}

build_began=$(date -u +%Y-%m-%dT%H:%M:%SZ)
ensure_tools
ensure_base_images
build_images
prune_replaced_images "$build_began"
pm images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "strata-(node|$(IFS='|'; echo "${apps[*]}"))" >&2 || true
if [ "$smoke" = 1 ]; then
  log "smoke: each image against the local stack"
  smoke_test
fi
