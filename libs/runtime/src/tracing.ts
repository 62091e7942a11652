import { context, diag, DiagLogLevel, propagation, type Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { EnvReader } from './env-reader';
import type { Logger } from './logger';

export type TracesSampler =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

const SAMPLERS: readonly TracesSampler[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

/** Where and how spans are exported; `enabled: false` means no SDK is loaded at all. */
export interface TracingConfig {
  /** OTEL_TRACES_EXPORTER=otlp turns tracing on. @default false (none) */
  readonly enabled: boolean;
  /** OTEL_SERVICE_NAME. @default strata-<component> */
  readonly serviceName: string;
  /** Full OTLP/HTTP traces URL. @default http://localhost:4318/v1/traces */
  readonly endpoint: string;
  /** OTEL_EXPORTER_OTLP_HEADERS / _TRACES_HEADERS, e.g. an authorization header for a vendor. */
  readonly headers: Readonly<Record<string, string>>;
  /** Extra resource attributes (OTEL_RESOURCE_ATTRIBUTES), e.g. deployment.environment. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** @default parentbased_always_on */
  readonly sampler: TracesSampler;
  /** Ratio for the *traceidratio samplers. @default 1 */
  readonly samplerRatio: number;
  /** Longest wait for one export request. @default 10000 */
  readonly exportTimeoutMs: number;
  /** Delay between two exports of the batch processor. @default 5000 */
  readonly scheduleDelayMs: number;
  /** Spans buffered before new ones are dropped. @default 2048 */
  readonly maxQueueSize: number;
  /** Spans in one export request. @default 512 */
  readonly maxExportBatchSize: number;
}

/** Parses `k=v,k2=v2` with percent-encoded values (the OTEL_* list format). */
function readKeyValueList(reader: EnvReader, names: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of names) {
    for (const entry of reader.list(name, [])) {
      const at = entry.indexOf('=');
      const key = at > 0 ? entry.slice(0, at).trim() : '';
      if (key === '') {
        reader.problem(`${name} entry ${JSON.stringify(entry)} must be key=value`);
        continue;
      }
      try {
        result[key] = decodeURIComponent(entry.slice(at + 1).trim());
      } catch {
        reader.problem(`${name} entry ${JSON.stringify(entry)} has a malformed percent-encoding`);
      }
    }
  }
  return result;
}

function readTracesEndpoint(reader: EnvReader): string {
  const specific = reader.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (specific !== undefined) return specific;
  const base = reader.url('OTEL_EXPORTER_OTLP_ENDPOINT', 'http://localhost:4318')!;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Reads the standard OTEL_* variables a Strata process honours. Tracing stays off unless
 * OTEL_TRACES_EXPORTER=otlp: unlike the OpenTelemetry default, a process that was never
 * given a collector should not try to reach one. Only OTLP over HTTP with protobuf is
 * supported; another protocol is a configuration error rather than a silent fallback.
 */
export function readTracingConfig(reader: EnvReader, component: string): TracingConfig {
  const exporter = reader.oneOf('OTEL_TRACES_EXPORTER', ['none', 'otlp'] as const, 'none');
  const disabled = reader.bool('OTEL_SDK_DISABLED', false);
  const protocol =
    reader.optionalString('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? reader.optionalString('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol !== undefined && protocol !== 'http/protobuf') {
    reader.problem(`OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL=${JSON.stringify(protocol)} is not supported; use http/protobuf`);
  }
  const sampler = reader.oneOf('OTEL_TRACES_SAMPLER', SAMPLERS, 'parentbased_always_on');
  const ratioRaw = reader.optionalString('OTEL_TRACES_SAMPLER_ARG');
  let samplerRatio = 1;
  if (ratioRaw !== undefined) {
    samplerRatio = Number(ratioRaw);
    if (!Number.isFinite(samplerRatio) || samplerRatio < 0 || samplerRatio > 1) {
      reader.problem(`OTEL_TRACES_SAMPLER_ARG=${JSON.stringify(ratioRaw)} must be a number from 0 to 1`);
      samplerRatio = 1;
    }
  }
  const exportTimeoutMs = reader.int(
    'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
    reader.int('OTEL_EXPORTER_OTLP_TIMEOUT', 10_000, { min: 1, max: 600_000 }),
    { min: 1, max: 600_000 },
  );
  const maxQueueSize = reader.int('OTEL_BSP_MAX_QUEUE_SIZE', 2_048, { min: 1, max: 1_000_000 });
  const maxExportBatchSize = reader.int('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, { min: 1, max: 1_000_000 });
  if (maxExportBatchSize > maxQueueSize) {
    reader.problem(`OTEL_BSP_MAX_EXPORT_BATCH_SIZE (${maxExportBatchSize}) must not exceed OTEL_BSP_MAX_QUEUE_SIZE (${maxQueueSize})`);
  }
  return {
    enabled: exporter === 'otlp' && !disabled,
    serviceName: reader.string('OTEL_SERVICE_NAME', `strata-${component}`),
    endpoint: readTracesEndpoint(reader),
    headers: readKeyValueList(reader, ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']),
    resourceAttributes: readKeyValueList(reader, ['OTEL_RESOURCE_ATTRIBUTES']),
    sampler,
    samplerRatio,
    exportTimeoutMs,
    scheduleDelayMs: reader.int('OTEL_BSP_SCHEDULE_DELAY', 5_000, { min: 0, max: 600_000 }),
    maxQueueSize,
    maxExportBatchSize,
  };
}

/**
 * A process's tracing. When off, `tracer()` is undefined and components skip every span
 * call, so tracing costs nothing on the request path.
 */
export interface Tracing {
  readonly enabled: boolean;
  /** The tracer of one instrumentation scope (e.g. `@strata/ingest`), or undefined when off. */
  tracer(scope: string): Tracer | undefined;
  /** Exports what is buffered and stops; call once, last, at shutdown. */
  shutdown(): Promise<void>;
}

export const TRACING_OFF: Tracing = Object.freeze({
  enabled: false,
  tracer: () => undefined,
  shutdown: async () => undefined,
});

export interface StartTracingOptions {
  readonly logger: Logger;
  /** Replaces the OTLP exporter (tests). Never called when tracing is off. */
  readonly createExporter?: (config: TracingConfig) => SpanExporter;
}

/**
 * Starts the OpenTelemetry SDK when the config enables it. The SDK modules are loaded
 * here, on demand, so a process with tracing off never loads them. Context propagation
 * (W3C traceparent) and the async context manager are process-wide in OpenTelemetry's
 * design, so this registers them globally; tracers are handed to components explicitly.
 */
export async function startTracing(config: TracingConfig, options: StartTracingOptions): Promise<Tracing> {
  if (!config.enabled) return TRACING_OFF;
  const [sdk, core, resources, semconv, hooks] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
    import('@opentelemetry/context-async-hooks'),
  ]);
  const { logger } = options;
  const exporter = options.createExporter
    ? options.createExporter(config)
    : new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter({
        url: config.endpoint,
        headers: { ...config.headers },
        timeoutMillis: config.exportTimeoutMs,
      });
  const ratio = new sdk.TraceIdRatioBasedSampler(config.samplerRatio);
  const root = {
    always_on: new sdk.AlwaysOnSampler(),
    always_off: new sdk.AlwaysOffSampler(),
    traceidratio: ratio,
    parentbased_always_on: new sdk.AlwaysOnSampler(),
    parentbased_always_off: new sdk.AlwaysOffSampler(),
    parentbased_traceidratio: ratio,
  }[config.sampler];
  const sampler = config.sampler.startsWith('parentbased_') ? new sdk.ParentBasedSampler({ root }) : root;
  const provider = new sdk.BasicTracerProvider({
    sampler,
    resource: resources.resourceFromAttributes({
      ...config.resourceAttributes,
      [semconv.ATTR_SERVICE_NAME]: config.serviceName,
      'service.namespace': 'strata',
    }),
    spanProcessors: [
      new sdk.BatchSpanProcessor(exporter, {
        scheduledDelayMillis: config.scheduleDelayMs,
        maxQueueSize: config.maxQueueSize,
        maxExportBatchSize: config.maxExportBatchSize,
        exportTimeoutMillis: config.exportTimeoutMs,
      }),
    ],
  });
  diag.setLogger(
    {
      error: (message, ...args) => logger.warn({ args }, `tracing: ${message}`),
      warn: (message, ...args) => logger.warn({ args }, `tracing: ${message}`),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  logger.info(
    { endpoint: config.endpoint, serviceName: config.serviceName, sampler: config.sampler, ratio: config.samplerRatio },
    'tracing on: exporting spans over OTLP/HTTP',
  );
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    tracer: (scope) => provider.getTracer(scope),
    shutdown: () =>
      (stopped ??= provider.shutdown().then(
        () => {
          context.disable();
          propagation.disable();
          diag.disable();
        },
        (error: unknown) => logger.warn({ err: error }, 'tracing: the last spans could not be exported'),
      )),
  };
}
