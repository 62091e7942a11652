import type { Metadata } from '@grpc/grpc-js';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Context,
  type Span,
  type SpanOptions,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';

/**
 * Runs `fn` inside a span of `tracer` that ends when `fn` settles; a rejection is
 * recorded on the span (status ERROR) and passed on unchanged. Without a tracer (tracing
 * off) it is a plain call of `fn`, with no span objects at all.
 */
export async function inSpan<T>(
  tracer: Tracer | undefined,
  name: string,
  options: SpanOptions & { parent?: Context },
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!tracer) return fn(undefined);
  const { parent, ...spanOptions } = options;
  return tracer.startActiveSpan(name, spanOptions, parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      markSpanFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

export function markSpanFailed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => {
    const values = metadata.get(key).filter((value): value is string => typeof value === 'string');
    return values.length === 0 ? undefined : values;
  },
};

/** The caller's trace context from gRPC metadata (W3C traceparent), or the root context. */
export function contextFromMetadata(metadata: Metadata): Context {
  return propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
}

/** Adds the active trace context to outgoing gRPC metadata (no-op with tracing off). */
export function injectIntoMetadata(metadata: Metadata): Metadata {
  propagation.inject(context.active(), metadata, { set: (carrier, key, value) => carrier.set(key, value) });
  return metadata;
}

/** Attributes and kind of a gRPC server span, following the RPC semantic conventions. */
export function grpcServerSpanOptions(service: string, method: string, metadata: Metadata, attributes: Attributes = {}) {
  return {
    kind: SpanKind.SERVER,
    parent: contextFromMetadata(metadata),
    attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method, ...attributes },
  };
}
