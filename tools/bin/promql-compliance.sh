#!/usr/bin/env bash
# Runs the PromQL compliance tester (prometheus/compliance, built outside this repository:
# docs/promql.md, "Running the compliance tester") against a private Strata, with three demo
# exporters and the reference Prometheus 3 remote-writing to it. Everything it starts binds
# 127.0.0.1 and is stopped on the way out.
# usage: promql-compliance.sh --tester <promql-compliance-tester> --queries <promql-test-queries.yml>
#        [--wait 10m] [--range <seconds>] [--output /tmp/promql-compliance-output.txt]
#        [--parallelism 4] [--tester-timeout 20m] [--remote-write 1.0|2.0] [--keep] [--quiet] [--no-build]
# Exit: 0 every query passed, 1 some failed, 2 the run itself failed.
set -euo pipefail
cd "$(dirname "$0")/../.."

build=1
for arg in "$@"; do [ "$arg" = --no-build ] && build=0; done

bash tools/bin/ensure-deps.sh
export NX_TUI=false NX_DAEMON=false
if [ "$build" = 1 ]; then
  echo "==> building ingest, writer, reader"
  npx --no-install nx run-many -t build -p ingest writer reader --outputStyle=static >/dev/null
fi
[ -x "${STRATA_CACHE_DIR:-$PWD/.cache}/bin/prometheus3" ] || bash tools/bin/go-tools.sh prometheus3

# The runner stops what it started on exit, an error, SIGINT or SIGTERM; this trap passes a
# signal the script gets on to it and waits for it to finish cleaning up.
node_modules/.bin/tsx tools/promql-compliance/src/run-compliance.ts "$@" &
runner=$!
trap 'kill -TERM "$runner" 2>/dev/null || true; wait "$runner" 2>/dev/null || true' EXIT INT TERM
set +e
wait "$runner"
status=$?
set -e
trap - EXIT INT TERM
exit "$status"
