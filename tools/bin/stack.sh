#!/usr/bin/env bash
# The local stack (Kafka, Redis, DynamoDB Local, moto S3): stack.sh install|up|down|status.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec npx --no-install tsx tools/stack/src/cli.ts "$@"
