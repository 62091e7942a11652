#!/usr/bin/env bash
# `npm run bench`: benchmarks that print numbers (they assert nothing). Starts the local
# stack if needed and leaves it as it found it. The stack's settings (STRATA_CACHE_DIR,
# STRATA_STACK_STATE_DIR, STRATA_STACK_*_PORT) pass through to every section, so a private
# stack on other ports works as `stack.sh up` with the same environment does.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/bin/ensure-deps.sh
export NX_TUI=false NX_DAEMON=false
npx --no-install nx run-many -t build -p ingest writer reader archiver --outputStyle=static >/dev/null

echo "== chunk codec"
npx --no-install tsx libs/storage/bench/codec.bench.ts

# The next two run in memory; with the write path they record the figures `npm run cost`
# reads (.cache/bench/figures.json, or STRATA_BENCH_FIGURES).
echo "== archive"
npx --no-install tsx apps/archiver/bench/archive.bench.ts

echo "== cold read"
npx --no-install tsx apps/reader/bench/cold-read.bench.ts | npx --no-install tsx tools/bench/src/cold-read-figures.ts

started_here=0
bash tools/bin/stack.sh status >/dev/null 2>&1 || started_here=1
if [ "$started_here" = 1 ]; then trap 'bash tools/bin/stack.sh down >/dev/null' EXIT; fi

echo "== write path"
npx --no-install tsx tools/bench/src/write-bench.ts

echo "== remote write"
npx --no-install tsx tools/bench/src/remote-write-bench.ts

echo "== label index"
npx --no-install tsx tools/bench/src/label-index-bench.ts

echo "== promql"
npx --no-install tsx tools/bench/src/promql-bench.ts

echo "== read path"
npx --no-install tsx tools/bench/src/read-bench.ts

echo "== noisy neighbour"
npx --no-install tsx tools/bench/src/noisy-neighbour-bench.ts
