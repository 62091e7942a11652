import type { Env, EnvReader } from './env-reader';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Settings every Strata process has: where it listens, how it logs, how it stops. */
export interface ServiceConfig {
  /** Interface to bind. @default 127.0.0.1 (set 0.0.0.0 in a pod) */
  readonly host: string;
  /** gRPC port (Strata services, health and reflection). */
  readonly grpcPort: number;
  /** HTTP ops port: /metrics, /healthz, /readyz. */
  readonly opsPort: number;
  /** @default info */
  readonly logLevel: LogLevel;
  /** Longest time a graceful stop may take before in-flight work is cut off. @default 10000 */
  readonly shutdownGraceMs: number;
}

export function readServiceConfig(
  reader: EnvReader,
  defaults: { grpcPort: number; opsPort: number },
): ServiceConfig {
  return {
    host: reader.string('STRATA_BIND_HOST', '127.0.0.1'),
    grpcPort: reader.port('STRATA_GRPC_PORT', defaults.grpcPort),
    opsPort: reader.port('STRATA_OPS_PORT', defaults.opsPort),
    logLevel: reader.oneOf<LogLevel>(
      'STRATA_LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
    shutdownGraceMs: reader.int('STRATA_SHUTDOWN_GRACE_MS', 10_000, { min: 0, max: 600_000 }),
  };
}

export type { Env };
