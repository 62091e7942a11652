#!/usr/bin/env bash
# `nx run chart:lint`: helm lint --strict with the default values and with the production
# example, against each supported Kubernetes version.
source "$(dirname "$0")/lib.sh"

for version in "${kube_versions[@]}"; do
  for values in "" examples/production-values.yaml; do
    echo "==> helm lint --strict (Kubernetes $version, ${values:-default values})"
    "$helm" lint --strict "$chart" --kube-version "$version" ${values:+--values "$chart/$values"}
  done
done
