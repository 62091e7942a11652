#!/usr/bin/env bash
# `npm start`: installs what is missing, builds the services, starts the local stack and
# all five services, prints where to look, and on Ctrl-C / SIGTERM stops everything it
# started.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/bin/ensure-deps.sh
export NX_TUI=false NX_DAEMON=false
npx --no-install nx run-many -t build -p ingest reader writer archiver e2e-prober --outputStyle=static >/dev/null
# node itself runs the launcher (tsx as a loader, not a wrapper process), so signals reach it
# directly.
exec node --import tsx tools/launcher/src/launch.ts "$@"
