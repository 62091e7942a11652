import type { Tracer } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import { DEVELOPMENT_API_KEY, DEVELOPMENT_TENANT, type ApiKeyStore } from './api-keys';
import type { EnvReader } from './env-reader';
import { createLogger, type Logger } from './logger';
import { createMetricsRegistry } from './metrics';
import { readServiceConfig, type LogLevel, type ServiceConfig } from './service-config';
import { buildStandardService, type StandardService, type StandardServiceOptions } from './standard-service';
import { readTracingConfig, startTracing, TRACING_OFF, type TracingConfig } from './tracing';

/**
 * The settings every Strata process reads alike: where it listens and how it logs and
 * stops (STRATA_*), and where its spans go (OTEL_*).
 */
export interface StandardConfig {
  readonly service: ServiceConfig;
  readonly tracing: TracingConfig;
}

/**
 * Reads the {@link StandardConfig} of `component` (`ingest`, `writer`, …: the default
 * OTEL_SERVICE_NAME is `strata-<component>`) with its default ports; bad values are
 * recorded on `reader` like every other setting of the process.
 */
export function readStandardConfig(reader: EnvReader, component: string, ports: { grpcPort: number; opsPort: number }): StandardConfig {
  return { service: readServiceConfig(reader, ports), tracing: readTracingConfig(reader, component) };
}

/** What the process itself brings to its standard service; the rest are its own parts. */
type ProcessParts = 'config' | 'logger' | 'registry' | 'tracing';

/** What every process holds before it builds its own parts. */
export interface ServiceStart {
  readonly logger: Logger;
  /** The `@strata/<component>` tracer; undefined when tracing is off. */
  readonly tracer: Tracer | undefined;
  /** Default metrics are on it; components register theirs. */
  readonly registry: Registry;
  /**
   * The standard service (buildStandardService) on this process's ports, logger and
   * registry, which shuts the process's tracing down last.
   */
  buildService(parts: Omit<StandardServiceOptions, ProcessParts>): StandardService;
}

export interface StartServiceOptions {
  /** @default config.service.logLevel */
  readonly logLevel?: LogLevel;
  /** False starts no tracing whatever config.tracing says (one-shot runs export no spans). @default true */
  readonly exportSpans?: boolean;
  /** Replaces the process logger (tests). */
  readonly logger?: Logger;
}

/**
 * Starts what every Strata process shares, each named after `component`: the logger (its
 * `service` field), tracing and the `@strata/<component>` tracer, and the metrics registry
 * (its `service` label). A process that takes API keys and runs on the public development
 * key says so first, with the key, so that a local user can call it and an operator who
 * forgot STRATA_API_KEYS sees why every other key is refused.
 */
export async function startService(
  component: string,
  config: StandardConfig & { readonly apiKeys?: ApiKeyStore },
  options: StartServiceOptions = {},
): Promise<ServiceStart> {
  const logger = options.logger ?? createLogger({ service: component, level: options.logLevel ?? config.service.logLevel });
  if (config.apiKeys?.usesDevelopmentKey) {
    logger.warn({ apiKey: DEVELOPMENT_API_KEY, tenant: DEVELOPMENT_TENANT }, 'STRATA_API_KEYS is not set: accepting only the development key');
  }
  const tracing = options.exportSpans === false ? TRACING_OFF : await startTracing(config.tracing, { logger });
  const registry = createMetricsRegistry(component);
  return {
    logger,
    tracer: tracing.tracer(`@strata/${component}`),
    registry,
    buildService: (parts) => buildStandardService({ ...parts, config: config.service, logger, registry, tracing }),
  };
}
