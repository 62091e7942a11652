import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PackageDefinition } from '@grpc/proto-loader';
import type { Registry } from 'prom-client';
import { GrpcServer, type GrpcServiceBinding } from './grpc-server';
import { HttpApiServer, type HttpRoute } from './http-api-server';
import type { Logger } from './logger';
import { OpsServer, type ReadinessCheck } from './ops-server';
import type { ServiceConfig } from './service-config';
import { ServiceRunner, type Lifecycle } from './service-runner';
import type { Tracing } from './tracing';

export interface StandardServiceOptions {
  readonly config: ServiceConfig;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Strata gRPC services this process serves (health and reflection are always added). */
  readonly grpcServices?: readonly GrpcServiceBinding[];
  readonly reflection?: PackageDefinition;
  readonly maxReceiveMessageLength?: number;
  /** HTTP/2 streams one connection may have open at once (GrpcServerOptions). */
  readonly maxConcurrentStreams?: number;
  /** Components started after the ops port and before the gRPC port, stopped in reverse. */
  readonly components?: readonly Lifecycle[];
  readonly readinessChecks?: Readonly<Record<string, ReadinessCheck>>;
  /**
   * The HTTP API port (the doors other ecosystems use: Prometheus remote write, ...),
   * bound after the components behind it run and just before the gRPC port.
   */
  readonly httpApi?: { readonly port: number; readonly routes: readonly HttpRoute[] };
  readonly routes?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  /** Shut down after every component has stopped, so their last spans are exported. */
  readonly tracing?: Tracing;
  /** How the runner ends the process after a stop; injected for tests. @default process.exit */
  readonly exit?: (code: number) => void;
}

export interface StandardService {
  readonly ops: OpsServer;
  readonly grpc: GrpcServer;
  readonly httpApi?: HttpApiServer;
  readonly runner: ServiceRunner;
}

/**
 * The shape every Strata process shares: ops port first (so /healthz answers during
 * start-up), then the feature components, then the gRPC port (SERVING only once the
 * components behind it run). Shutdown reverses that after flipping /readyz and gRPC
 * health to not-ready.
 */
export function buildStandardService(options: StandardServiceOptions): StandardService {
  const { config, logger, tracing } = options;
  const ops = new OpsServer({
    host: config.host,
    port: config.opsPort,
    registry: options.registry,
    logger,
    routes: options.routes,
  });
  for (const [name, check] of Object.entries(options.readinessChecks ?? {})) ops.addReadinessCheck(name, check);
  // The ops port answers from the first moment; ready means the gRPC port takes calls too.
  let serving = false;
  ops.addReadinessCheck('grpc', () => serving || 'the gRPC port is not bound yet (starting)');
  const grpc = new GrpcServer({
    host: config.host,
    port: config.grpcPort,
    logger,
    services: options.grpcServices ?? [],
    reflection: options.reflection,
    maxReceiveMessageLength: options.maxReceiveMessageLength,
    maxConcurrentStreams: options.maxConcurrentStreams,
  });
  const { httpApi: api } = options;
  const httpApi = api && new HttpApiServer({ host: config.host, port: api.port, logger, routes: api.routes });
  let httpServing = false;
  if (httpApi) ops.addReadinessCheck('http-api', () => httpServing || 'the HTTP API port is not bound yet (starting)');
  const lifecycle: Lifecycle[] = [
    { name: 'ops-server', start: () => ops.start(), stop: () => ops.stop() },
    ...(tracing?.enabled ? [{ name: 'tracing', start: async () => undefined, stop: () => tracing.shutdown() }] : []),
    ...(options.components ?? []),
    // Before the gRPC port: gRPC health SERVING (what probes and the launcher wait for)
    // then means every port takes calls.
    ...(httpApi
      ? [
          {
            name: 'http-api-server',
            start: async () => {
              await httpApi.start();
              httpServing = true;
            },
            stop: () => httpApi.stop(config.shutdownGraceMs),
          },
        ]
      : []),
    {
      name: 'grpc-server',
      start: async () => {
        await grpc.start();
        serving = true;
      },
      stop: () => grpc.stop(config.shutdownGraceMs),
    },
  ];
  const runner = new ServiceRunner(lifecycle, {
    logger,
    shutdownTimeoutMs: config.shutdownGraceMs + 5_000,
    ...(options.exit && { exit: options.exit }),
    onDrainStart: () => {
      ops.markDraining();
      grpc.setServing(false);
    },
  });
  return { ops, grpc, runner, ...(httpApi && { httpApi }) };
}
