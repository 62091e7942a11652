#!/usr/bin/env bash
# `npm run cost`: a month's bill for a load, Strata against Amazon Managed Service for
# Prometheus (tools/cost, docs/cost.md). Reads the latest bench figures, else the committed
# snapshot; needs the workspace's packages and nothing else (no stack, no generated code).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d node_modules ] || bash tools/bin/ensure-deps.sh >&2
exec npx --no-install tsx tools/cost/src/main.ts "$@"
