# Shared by the chart's test scripts (sourced, not run): tool paths, the Kubernetes versions
# the chart is checked against, and the offline JSON schemas kubeconform validates with.
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(...) stops the script too

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
chart="$root/charts/strata"
tests="$chart/tests"
cache="${STRATA_CACHE_DIR:-$root/.cache}"
helm="$cache/bin/helm"
kubeconform="$cache/bin/kubeconform"

# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion, for the native preStop
# sleep action) and a current one: a field that exists in only one of them fails the test.
kube_versions=(1.30.14 1.35.4)
# CRDs of the optional resources, validated like the built-in kinds.
prometheus_operator=v0.85.0 # ServiceMonitor, PrometheusRule
keda=v2.21.0                # ScaledObject, TriggerAuthentication

mkdir -p "$cache"
# lint, test and build may run at once (nx runs targets in parallel): one builds the tools,
# the others wait for it instead of writing the same binaries.
flock "$cache/.chart-tools.lock" bash "$root/tools/bin/go-tools.sh" helm kubeconform >&2

# Go modules are fetched with `go mod download` into the module cache, which is where the
# Kubernetes OpenAPI spec and the CRD files come from: no other download is needed.
module_dir() {
  local dir
  dir=$(go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || { echo "lib.sh: go mod download $1 gave no module directory" >&2; return 1; }
  echo "$dir"
}

# Prints the schema directory for one Kubernetes version, generating it on first use
# (one run of schemagen per version; later runs reuse it until schemagen changes).
schemas_for() {
  local version=$1
  local generator_hash
  generator_hash=$(cat "$tests/schemagen/main.go" "$tests/schemagen/go.mod" | sha256sum | cut -c1-12)
  local dir="$cache/kube-schemas/v$version-po$prometheus_operator-keda$keda-$generator_hash"
  if [ ! -f "$dir/.complete" ]; then
    # Two runs at once generate nothing twice: the second waits, then finds it complete.
    local lock
    exec {lock}> "$cache/.chart-schemas.lock"
    flock "$lock"
    generate_schemas "$version" "$dir" "$generator_hash"
    exec {lock}>&-
  fi
  echo "$dir"
}

generate_schemas() {
  local version=$1 dir=$2 generator_hash=$3
  [ -f "$dir/.complete" ] && return 0
  echo "==> generating JSON schemas for Kubernetes $version (once; cached in ${dir#"$root"/})" >&2
  local began=$SECONDS
  rm -rf "$dir"
  mkdir -p "$dir"
  local generator="$cache/bin/strata-schemagen-$generator_hash"
  if [ ! -x "$generator" ]; then
    (cd "$tests/schemagen" && GOFLAGS=-buildvcs=false go build -o "$generator" .)
  fi
  local kubernetes operator keda_dir
  kubernetes=$(module_dir "k8s.io/kubernetes@v$version")
  operator=$(module_dir "github.com/prometheus-operator/prometheus-operator@$prometheus_operator")
  keda_dir=$(module_dir "github.com/kedacore/keda/v2@$keda")
  "$generator" openapi "$kubernetes/api/openapi-spec/swagger.json" "$dir" >&2
  "$generator" crd \
    "$operator/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml" \
    "$operator/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml" \
    "$keda_dir/config/crd/bases/keda.sh_scaledobjects.yaml" \
    "$keda_dir/config/crd/bases/keda.sh_triggerauthentications.yaml" \
    "$dir" >&2
  touch "$dir/.complete"
  echo "    schemas for $version ready in $((SECONDS - began)) s" >&2
}

# helm template with the chart's test release name and namespace; extra args pass through.
render() {
  "$helm" template strata "$chart" --namespace strata "$@"
}
