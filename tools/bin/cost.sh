#!/usr/bin/env bash
# `npm run cost`: a month's bill for a load, Strata against Amazon Managed Service for
# Prometheus (tools/cost, docs/cost.md). Reads the latest bench figures; installs nothing
# beyond the workspace's packages.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The tiers' settings readers it imports load the generated proto code.
if [ ! -d node_modules ] || [ ! -f libs/proto/src/generated/strata/v1/strata.ts ]; then
  bash tools/bin/ensure-deps.sh >&2
  NX_TUI=false NX_DAEMON=false npx --no-install nx run proto:generate --outputStyle=static >&2
fi
exec npx --no-install tsx tools/cost/src/main.ts "$@"
