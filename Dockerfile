# syntax=docker/dockerfile:1
#
# One image per Strata app, built from the workspace root with the app as a build argument:
#
#   docker build --build-arg APP=ingest -t strata-ingest:0.1.0 .
#
# APP is one of ingest, reader, writer, archiver, e2e-prober; the chart expects the images
# as <repository>-<app> (docs/kubernetes.md, "Images"). Three stages:
#   build    the whole workspace with dev dependencies: npm install (see tools/bin/ensure-deps.sh for why not npm ci), then `nx build $APP`
#            (proto generation and the esbuild bundle dist/apps/$APP/main.js)
#   deps     production dependencies only (npm install --omit=dev): the bundle keeps npm
#            packages external, so they ship as node_modules beside it
#   runtime  distroless Node 20: no shell, no package manager; only node_modules, the
#            bundle and its source map, run as uid 10001
#
# Pin the base images by digest in your own registry (NODE_IMAGE / RUNTIME_IMAGE).

ARG NODE_IMAGE=node:20-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

FROM ${NODE_IMAGE} AS build
ARG APP
RUN case "$APP" in \
      ingest|reader|writer|archiver|e2e-prober) ;; \
      *) echo "build with --build-arg APP=<ingest|reader|writer|archiver|e2e-prober> (got '$APP')" >&2; exit 1 ;; \
    esac
WORKDIR /workspace
ENV CI=true NX_DAEMON=false NX_TUI=false NX_NO_CLOUD=true
# The lockfile first, so the dependency layer is reused while only sources change.
COPY package.json package-lock.json ./
# An egress proxy that re-signs TLS needs its CA: pass it as a build secret (never a layer),
#   --secret id=npm_ca,src=/path/to/ca.pem
# and npm trusts it on top of Node's own store; without the secret nothing changes.
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm install --no-audit --no-fund
COPY . .
RUN npx --no-install nx build "$APP" --outputStyle=stream

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: none of the production dependencies needs one to work.
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm install --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${RUNTIME_IMAGE}
ARG APP
# An exec-form ENTRYPOINT cannot expand $APP, but WORKDIR can: the app's directory is the
# working directory and the entrypoint names main.js in it, so the process runs exactly as
# `node dist/apps/$APP/main.js` would (same argv shape; node_modules found in /app).
WORKDIR /app/dist/apps/${APP}
COPY --from=deps /app/package.json /app/package.json
COPY --from=deps /app/node_modules /app/node_modules
COPY --from=build /workspace/dist/apps/${APP}/ ./
# distroless keeps node in /nodejs/bin; on the PATH, `node` also resolves for the chart's
# optional exec preStop hook (`node -e "setTimeout(...)"`).
ENV PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin
LABEL org.opencontainers.image.title="strata-${APP}" \
      org.opencontainers.image.description="Strata ${APP}" \
      org.opencontainers.image.licenses="Apache-2.0"
# Numeric, so the kubelet can check runAsNonRoot without a passwd lookup.
USER 10001:10001
# node is PID 1 and receives SIGTERM itself: the apps install SIGTERM/SIGINT handlers
# (flip health, drain, exit), so no init (tini, --init) is needed to forward signals. Nor
# to reap zombies: the apps start no child processes (worker threads are threads), and
# the kubelet's exec hooks are children of the container runtime, not of PID 1.
ENTRYPOINT ["node", "--enable-source-maps", "main.js"]
