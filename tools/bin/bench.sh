#!/usr/bin/env bash
# `npm run bench`: benchmarks that print numbers (they assert nothing). Starts the local
# stack if needed and leaves it as it found it. The stack's settings (STRATA_CACHE_DIR,
# STRATA_STACK_STATE_DIR, STRATA_STACK_*_PORT) pass through to every section, so a private
# stack on other ports works as `stack.sh up` with the same environment does.
# usage: bench.sh [section...]   e.g. `npm run bench -- versus`; every section without one.
# Sections: codec archive cold-read write remote-write label-index promql read
# noisy-neighbour late-seal ingest-profile freshness versus.
set -euo pipefail
cd "$(dirname "$0")/../.."
all=(codec archive cold-read write remote-write label-index promql read noisy-neighbour late-seal ingest-profile freshness versus)
for wanted in "$@"; do
  case " ${all[*]} " in *" $wanted "*) ;; *) echo "bench.sh: unknown section '$wanted'; sections: ${all[*]}" >&2; exit 2 ;; esac
done
asked=("$@")
runs() {
  [ "${#asked[@]}" = 0 ] && return 0
  for wanted in "${asked[@]}"; do [ "$wanted" = "$1" ] && return 0; done
  return 1
}
# section <name> <title> <command...>: runs the command under its title if the section is asked for.
section() {
  local name=$1 title=$2
  shift 2
  runs "$name" || return 0
  echo "== $title"
  "$@"
}
tsx() { npx --no-install tsx "$@"; }
cold_read() { tsx apps/reader/bench/cold-read.bench.ts | tsx tools/bench/src/cold-read-figures.ts; }
versus() { bash tools/bin/peers.sh && tsx tools/bench/src/versus/versus-bench.ts; }

bash tools/bin/ensure-deps.sh
export NX_TUI=false NX_DAEMON=false
npx --no-install nx run-many -t build -p ingest writer reader archiver --outputStyle=static >/dev/null
# What the services were built from, for the benches that name it: a commit made while a long
# run goes on must not relabel it. "+" marks changes not committed yet.
STRATA_BENCH_BUILT_FROM="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo +)"
export STRATA_BENCH_BUILT_FROM

section codec "chunk codec" tsx libs/storage/bench/codec.bench.ts
# The next two run in memory; with the write path they record the figures `npm run cost`
# reads (.cache/bench/figures.json, or STRATA_BENCH_FIGURES).
section archive "archive" tsx apps/archiver/bench/archive.bench.ts
section cold-read "cold read" cold_read

# The sections that use the shared local stack start it if none runs, and stop it after.
for name in write remote-write label-index promql read noisy-neighbour; do
  if runs "$name"; then
    started_here=0
    bash tools/bin/stack.sh status >/dev/null 2>&1 || started_here=1
    if [ "$started_here" = 1 ]; then trap 'bash tools/bin/stack.sh down >/dev/null' EXIT; fi
    break
  fi
done
section write "write path" tsx tools/bench/src/write-bench.ts
section remote-write "remote write" tsx tools/bench/src/remote-write-bench.ts
section label-index "label index" tsx tools/bench/src/label-index-bench.ts
section promql "promql" tsx tools/bench/src/promql-bench.ts
section read "read path" tsx tools/bench/src/read-bench.ts
section noisy-neighbour "noisy neighbour" tsx tools/bench/src/noisy-neighbour-bench.ts
# Late points into windows past their due time, with each reseal delay (docs/write-path.md). Private stack.
section late-seal "late seal" tsx tools/bench/src/late-seal-bench.ts
# The versus bench's ingest phase against Strata alone, every service under --cpu-prof: CPU
# per sample per process and where each service's time went (docs/versus.md). Private stack.
section ingest-profile "ingest profile" tsx tools/bench/src/versus/ingest-profile.ts
# Where Strata's time-to-readable goes, idle and under load: the writer's projection and the
# reader's query apart (docs/versus.md). Private stack, Strata alone.
section freshness "freshness" tsx tools/bench/src/versus/freshness-split.ts
# Strata beside VictoriaMetrics and Prometheus 3 (docs/versus.md), about 10 minutes; the
# peers are installed into the cache first. Strata runs on a private stack of its own.
section versus "versus" versus
