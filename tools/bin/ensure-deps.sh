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

# A node_modules that is a symbolic link is another checkout's tree, shared: `npm ci` would
# empty the directory it points to, under every checkout that uses it. It is left as it is
# if installed; otherwise install it where it lives.
if [ -L node_modules ]; then
  if [ -f node_modules/.package-lock.json ]; then exit 0; fi
  echo "ensure-deps.sh: node_modules links to $(readlink node_modules), which holds no install; run npm ci there, or replace the link with a directory" >&2
  exit 1
fi
# npm writes node_modules/.package-lock.json at the end of an install, so a missing one
# means no (or a half-finished) install, and an older one means the lockfile has moved on
# since (a pull, a branch switch).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing npm packages (npm ci, from package-lock.json)"
  # `npm ci` installs exactly the lockfile and never writes it, so git status stays clean,
  # and it starts from an empty node_modules, which also repairs a half-installed tree. The
  # lockfile lists every platform's optional native packages (esbuild, swc, buf), which
  # `npm ci` needs on any machine. It refuses a package.json the lockfile does not match:
  # after editing dependencies, `npm install` updates the lockfile to commit with them.
  npm ci --no-audit --no-fund
fi
