#!/usr/bin/env bash
# Installs what a fresh clone lacks for the workspace itself: a suitable Node and the npm
# packages from the lockfile. The local stack (Kafka, Redis, DynamoDB Local, S3) installs
# itself on first `stack up`; Go-built tools install through go-tools.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."

node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    console.error(`Strata needs Node >= 20.19 (found ${process.versions.node})`);
    process.exit(1);
  }'

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing npm packages (from package-lock.json)"
  # The lockfile lists every platform's optional native packages (esbuild, swc, buf), as
  # `npm install` writes it, so `npm install` leaves it unchanged (git status stays clean)
  # and `npm ci` accepts it too. `npm install` also repairs a half-installed tree.
  npm install --no-audit --no-fund
fi
