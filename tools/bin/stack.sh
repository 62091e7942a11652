#!/usr/bin/env bash
# The local stack (Kafka, Redis, DynamoDB Local, versitygw S3): stack.sh install|up|down|status|env.
# Works in a fresh clone: the stack's scripts import the generated proto code.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -d node_modules ] || [ ! -f libs/proto/src/generated/strata/v1/strata.ts ]; then
  bash tools/bin/ensure-deps.sh >&2
  NX_TUI=false NX_DAEMON=false npx --no-install nx run proto:generate --outputStyle=static >&2
fi
exec npx --no-install tsx tools/stack/src/cli.ts "$@"
