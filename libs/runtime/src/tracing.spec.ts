import { Metadata, status } from '@grpc/grpc-js';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { EnvReader, type Env } from './env-reader';
import { ConfigError } from './errors';
import { createLogger } from './logger';
import { readTracingConfig, startTracing, TRACING_OFF, type TracingConfig } from './tracing';
import { contextFromMetadata, injectIntoMetadata, inSpan, startGrpcServerSpan } from './tracing-spans';

function parse(env: Env): TracingConfig {
  const reader = new EnvReader(env);
  const config = readTracingConfig(reader, 'ingest');
  reader.finish();
  return config;
}

function problems(env: Env): string {
  try {
    parse(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const logger = createLogger({ service: 'test', level: 'silent' });

/** Keeps its spans after shutdown (the stock in-memory exporter clears them). */
class KeepingExporter extends InMemorySpanExporter {
  override shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe('readTracingConfig', () => {
  it('is off with no variables, with the standard defaults otherwise', () => {
    expect(parse({})).toEqual({
      enabled: false,
      serviceName: 'strata-ingest',
      endpoint: 'http://localhost:4318/v1/traces',
      headers: {},
      resourceAttributes: {},
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      exportTimeoutMs: 10_000,
      scheduleDelayMs: 5_000,
      maxQueueSize: 2_048,
      maxExportBatchSize: 512,
    });
  });

  it.each([
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none' }, false],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }, false],
  ])('%j -> enabled %s', (env, enabled) => {
    expect(parse(env).enabled).toBe(enabled);
  });

  it('appends /v1/traces to the base endpoint and takes the traces endpoint as it is', () => {
    expect(parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).endpoint).toBe('http://collector:4318/v1/traces');
    expect(
      parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/otlp/traces' })
        .endpoint,
    ).toBe('https://b/otlp/traces');
  });

  it('reads headers, resource attributes, service name and sampler', () => {
    const config = parse({
      OTEL_SERVICE_NAME: 'ingest-eu',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-team=metrics',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=storage',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    expect(config).toMatchObject({
      serviceName: 'ingest-eu',
      headers: { authorization: 'Bearer abc', 'x-team': 'storage' },
      resourceAttributes: { 'deployment.environment': 'prod' },
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
      scheduleDelayMs: 200,
    });
  });

  it.each([
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, 'OTEL_TRACES_EXPORTER="jaeger" is not one of none, otlp'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'use http/protobuf'],
    [{ OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG="1.5" must be a number from 0 to 1'],
    [{ OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER="sometimes"'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, 'OTEL_EXPORTER_OTLP_ENDPOINT="not a url" is not a URL'],
    [{ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }, 'OTEL_EXPORTER_OTLP_HEADERS entry "novalue" must be key=value'],
    [{ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '5000' }, 'must not exceed OTEL_BSP_MAX_QUEUE_SIZE'],
  ])('rejects %j naming the variable', (env, message) => {
    expect(problems(env)).toContain(message);
  });
});

describe('startTracing', () => {
  it('creates no exporter and no tracer when off', async () => {
    const createExporter = jest.fn(() => new InMemorySpanExporter());
    const tracing = await startTracing(parse({}), { logger, createExporter });
    expect(tracing).toBe(TRACING_OFF);
    expect(tracing.tracer('@strata/test')).toBeUndefined();
    expect(createExporter).not.toHaveBeenCalled();
  });

  it('exports spans, nests them by async context and carries the context through gRPC metadata', async () => {
    const exporter = new KeepingExporter();
    const tracing = await startTracing(parse({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_BSP_SCHEDULE_DELAY: '10' }), {
      logger,
      createExporter: () => exporter,
    });
    try {
      const tracer = tracing.tracer('@strata/test');
      expect(tracer).toBeDefined();
      const metadata = new Metadata();
      await inSpan(tracer, 'outer', {}, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        await inSpan(tracer, 'inner', {}, async () => injectIntoMetadata(metadata));
      });
      await expect(
        inSpan(tracer, 'failing', {}, async () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      await tracing.shutdown();
      const spans = exporter.getFinishedSpans();
      const byName = Object.fromEntries(spans.map((span) => [span.name, span]));
      expect(Object.keys(byName).sort()).toEqual(['failing', 'inner', 'outer']);
      expect(byName['inner'].parentSpanContext?.spanId).toBe(byName['outer'].spanContext().spanId);
      expect(byName['inner'].spanContext().traceId).toBe(byName['outer'].spanContext().traceId);
      expect(byName['failing'].status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
      expect(byName['outer'].resource.attributes['service.name']).toBe('strata-ingest');
      const traceparent = String(metadata.get('traceparent')[0]);
      expect(traceparent).toBe(`00-${byName['inner'].spanContext().traceId}-${byName['inner'].spanContext().spanId}-01`);
    } finally {
      await tracing.shutdown();
    }
  });

  it('continues the caller\'s trace in gRPC server spans and marks only server faults as errors', async () => {
    const exporter = new KeepingExporter();
    const tracing = await startTracing(parse({ OTEL_TRACES_EXPORTER: 'otlp' }), { logger, createExporter: () => exporter });
    try {
      const tracer = tracing.tracer('@strata/test');
      const metadata = new Metadata();
      metadata.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
      const refused = startGrpcServerSpan(tracer, 'strata.v1.IngestService', 'Write', metadata);
      await refused.run(() => inSpan(tracer, 'child', {}, async () => undefined));
      refused.end(status.INVALID_ARGUMENT, 'bad point');
      const failed = startGrpcServerSpan(tracer, 'strata.v1.QueryService', 'Read', new Metadata());
      failed.end(status.INTERNAL, 'redis down');
      await tracing.shutdown();
      const byName = Object.fromEntries(exporter.getFinishedSpans().map((span) => [span.name, span]));
      const write = byName['strata.v1.IngestService/Write'];
      expect(write.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(write.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
      expect(write.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.method': 'Write', 'rpc.grpc.status_code': 3 });
      expect(write.status.code).toBe(SpanStatusCode.UNSET);
      expect(byName['child'].parentSpanContext?.spanId).toBe(write.spanContext().spanId);
      const read = byName['strata.v1.QueryService/Read'];
      expect(read.parentSpanContext).toBeUndefined();
      expect(read.status).toEqual({ code: SpanStatusCode.ERROR, message: 'redis down' });
    } finally {
      await tracing.shutdown();
    }
  });

  it('extracts nothing and creates no spans once shut down', async () => {
    const tracing = await startTracing(parse({ OTEL_TRACES_EXPORTER: 'otlp' }), {
      logger,
      createExporter: () => new InMemorySpanExporter(),
    });
    await tracing.shutdown();
    const metadata = new Metadata();
    metadata.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(trace.getSpanContext(contextFromMetadata(metadata))).toBeUndefined();
  });

  it('runs the function without a span when there is no tracer', async () => {
    const call = startGrpcServerSpan(undefined, 'strata.v1.IngestService', 'Write', new Metadata());
    expect(call.run(() => 42)).toBe(42);
    const fn = jest.fn(async (span: unknown) => span);
    await expect(inSpan(undefined, 'unused', {}, fn)).resolves.toBeUndefined();
    expect(fn).toHaveBeenCalledWith(undefined);
  });
});
