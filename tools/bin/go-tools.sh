#!/usr/bin/env bash
# Builds the Go command-line tools Strata's tests use into .cache/bin, once per version.
# usage: go-tools.sh <tool>...   (tools: actionlint, grpcurl, helm, kubeconform, prometheus3,
# victoria-metrics)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${STRATA_CACHE_DIR:-$PWD/.cache}/bin"
mkdir -p "$bin"

module_for() {
  case "$1" in
    # grpcurl: a reflection client, to check what the gRPC ports expose as a user would.
    grpcurl) echo "github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.3" ;;
    # helm: renders and lints charts/strata. Helm 3 (not 4): what operators run today; the
    # chart is apiVersion v2, which both read.
    helm) echo "helm.sh/helm/v3/cmd/helm@v3.21.4" ;;
    # kubeconform: validates the rendered manifests against Kubernetes JSON schemas, which
    # charts/strata/tests/lib.sh generates offline.
    kubeconform) echo "github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0" ;;
    # actionlint: checks the example pipeline in .github/workflows (syntax, expressions and
    # their types, job needs and outputs; run scripts too where shellcheck is installed).
    actionlint) echo "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12" ;;
    # prometheus3: Prometheus 3.x (module v0.316.0 is 3.x), the remote-write 2.0 sender the
    # Prometheus system test runs; Debian's 2.42 speaks 1.0 only. About 5 minutes to build;
    # no web UI assets (the API is all the test uses). Installed as .cache/bin/prometheus3.
    prometheus3) echo "github.com/prometheus/prometheus/cmd/prometheus@v0.316.0" ;;
    # victoria-metrics: VictoriaMetrics single-node, a peer of `npm run bench -- versus`
    # (docs/versus.md). Its release tags are served as Go module versions; Debian's 1.79 is
    # the fallback tools/bin/peers.sh uses when this does not build. The binary reports no
    # version when built this way: the module version here is the version.
    victoria-metrics) echo "github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics@v1.151.0" ;;
    *) echo "unknown tool: $1" >&2; return 1 ;;
  esac
}

command -v go >/dev/null || { echo "go-tools.sh: the Go toolchain is required to build $*" >&2; exit 1; }
for tool in "$@"; do
  module=$(module_for "$tool")
  stamp="$bin/.$tool.version"
  if [ -x "$bin/$tool" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$module" ]; then continue; fi
  echo "==> building $module"
  # A tool whose binary has another name (prometheus3 is `prometheus`) is built beside the
  # others in a directory of its own and linked under the tool's name.
  own="$bin/.$tool.d"
  mkdir -p "$own"
  GOBIN="$own" GOFLAGS=-trimpath nice -n "${STRATA_GO_NICE:-10}" go install "$module"
  ln -sf ".$tool.d/$(basename "${module%@*}")" "$bin/$tool"
  echo "$module" > "$stamp"
done
