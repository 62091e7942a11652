import { join } from 'node:path';

export interface ServiceDefinition {
  readonly name: string;
  /** Built bundle, relative to the workspace root. */
  readonly bundle: string;
  readonly grpcPort: number;
  readonly opsPort: number;
  /** The HTTP API port (the doors other ecosystems use), for the services that have one. */
  readonly httpApiPort?: number;
  /** Strata gRPC services it serves, besides health and reflection. */
  readonly rpcServices: readonly string[];
}

/** The five Strata processes on their fixed local ports (README.md, "Ports"). */
export const SERVICES: readonly ServiceDefinition[] = [
  { name: 'ingest', bundle: 'dist/apps/ingest/main.js', grpcPort: 7001, opsPort: 9001, httpApiPort: 7101, rpcServices: ['strata.v1.IngestService'] },
  { name: 'reader', bundle: 'dist/apps/reader/main.js', grpcPort: 7002, opsPort: 9002, httpApiPort: 7102, rpcServices: ['strata.v1.QueryService'] },
  { name: 'writer', bundle: 'dist/apps/writer/main.js', grpcPort: 7003, opsPort: 9003, rpcServices: [] },
  { name: 'archiver', bundle: 'dist/apps/archiver/main.js', grpcPort: 7004, opsPort: 9004, rpcServices: [] },
  { name: 'e2e-prober', bundle: 'dist/apps/e2e-prober/main.js', grpcPort: 7005, opsPort: 9005, rpcServices: [] },
];

/** Shifts every port by `offset`, so a second copy (e.g. a test) can run beside the first. */
export function withPortOffset(services: readonly ServiceDefinition[], offset: number): ServiceDefinition[] {
  return services.map((s) => ({
    ...s,
    grpcPort: s.grpcPort + offset,
    opsPort: s.opsPort + offset,
    ...(s.httpApiPort !== undefined && { httpApiPort: s.httpApiPort + offset }),
  }));
}

/** The environment a service process gets: its ports, and the prober pointed at its peers (gRPC and ops). */
export function serviceEnv(
  service: ServiceDefinition,
  all: readonly ServiceDefinition[],
  base: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    STRATA_GRPC_PORT: String(service.grpcPort),
    STRATA_OPS_PORT: String(service.opsPort),
  };
  if (service.httpApiPort !== undefined) env['STRATA_HTTP_API_PORT'] = String(service.httpApiPort);
  if (service.name === 'e2e-prober') {
    // Where it writes and reads: the peers' ports, which a shifted copy moves too.
    for (const [variable, peer] of [
      ['STRATA_PROBER_INGEST_ADDRESS', 'ingest'],
      ['STRATA_PROBER_READER_ADDRESS', 'reader'],
    ] as const) {
      const target = all.find((s) => s.name === peer);
      if (target) env[variable] = `127.0.0.1:${target.grpcPort}`;
    }
    env['STRATA_PROBER_COMPONENTS'] = all
      .filter((s) => s.name !== 'e2e-prober')
      .map((s) => `${s.name}=http://127.0.0.1:${s.opsPort}`)
      .join(',');
  }
  return env;
}

export function bundlePath(workspace: string, service: ServiceDefinition): string {
  return join(workspace, service.bundle);
}
