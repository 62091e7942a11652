#!/usr/bin/env bash
# Installs the peers `npm run bench -- versus` runs beside Strata (docs/versus.md) into the
# gitignored cache, once: VictoriaMetrics single-node and Prometheus 3, both built from their
# Go modules at pinned versions by go-tools.sh. Where VictoriaMetrics does not build (no Go
# toolchain, no module download), Debian's victoria-metrics package is the fallback; the
# bench prints which one ran. Builds run at low priority (STRATA_GO_NICE, default 19).
set -euo pipefail
cd "$(dirname "$0")/../.."
export STRATA_GO_NICE="${STRATA_GO_NICE:-19}"
bin="${STRATA_CACHE_DIR:-$PWD/.cache}/bin"

bash tools/bin/go-tools.sh prometheus3

if ! bash tools/bin/go-tools.sh victoria-metrics; then
  echo "peers.sh: VictoriaMetrics did not build from its Go module; installing Debian's victoria-metrics instead" >&2
  command -v victoria-metrics >/dev/null || bash tools/bin/apt-install.sh peers victoria-metrics
  ln -sf "$(command -v victoria-metrics)" "$bin/victoria-metrics"
  echo "debian" > "$bin/.victoria-metrics.version"
fi
