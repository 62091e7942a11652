#!/usr/bin/env bash
# `npm test`: installs what is missing, checks the example CI pipeline (actionlint), then
# lint, typecheck, build and unit tests of every project, then the integration tests
# against the real local stack (started here if it is not already running, and stopped
# again afterwards if this run started it).
#
# STRATA_STACK=testcontainers runs the stack's services as containers instead, started by
# the `testcontainers` package through podman's API (tools/bin/testcontainers.sh), on
# ports of their own, and removes them afterwards. The specs get the same settings.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
began=$(date +%s)
case "${STRATA_STACK:-local}" in
  local | testcontainers) ;;
  *) echo "STRATA_STACK must be local (the default) or testcontainers, not ${STRATA_STACK}" >&2; exit 2 ;;
esac

bash tools/bin/ensure-deps.sh
bash tools/bin/go-tools.sh grpcurl actionlint

nx() { npx --no-install nx "$@"; }
export NX_TUI=false NX_DAEMON=false

# The example pipeline belongs to no Nx project, so no target checks it: a workflow that
# GitHub would refuse fails the test command here.
echo "==> actionlint (.github/workflows)"
"${STRATA_CACHE_DIR:-$root/.cache}/bin/actionlint"

echo "==> lint, typecheck, build, unit tests (all projects)"
nx run-many -t lint typecheck build test --outputStyle=stream

case "${STRATA_STACK:-local}" in
  local)
    echo "==> local stack"
    started_here=0
    if ! bash tools/bin/stack.sh status >/dev/null 2>&1; then
      started_here=1
    fi
    cleanup() {
      if [ "$started_here" = 1 ]; then
        echo "==> stopping the local stack started for this run"
        bash "$root/tools/bin/stack.sh" down || true
      fi
    }
    trap cleanup EXIT
    bash tools/bin/stack.sh up
    # Integration specs find the stack through the same settings the services use.
    eval "$(bash tools/bin/stack.sh env 2>/dev/null)"
    ;;
  testcontainers)
    echo "==> the stack as containers (testcontainers, podman)"
    cleanup() {
      echo "==> removing the stack's containers"
      bash "$root/tools/bin/testcontainers.sh" down
    }
    trap cleanup EXIT
    bash tools/bin/testcontainers.sh up
    eval "$(bash tools/bin/testcontainers.sh env 2>/dev/null)"
    ;;
esac

echo "==> integration tests (all projects, one at a time: they share the stack)"
nx run-many -t test-int --parallel=1 --outputStyle=stream

echo "==> all tests passed in $(( $(date +%s) - began )) s"
