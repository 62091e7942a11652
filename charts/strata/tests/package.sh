#!/usr/bin/env bash
# `nx run chart:build`: the chart archive an operator installs or pushes to a chart
# repository, dist/charts/strata-<version>.tgz (tests/ and project.json are .helmignored).
source "$(dirname "$0")/lib.sh"

out="$root/dist/charts"
rm -rf "$out"
mkdir -p "$out"
"$helm" package "$chart" --destination "$out"
