import { status as grpcStatus, type Metadata } from '@grpc/grpc-js';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
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

/** gRPC codes that mean the server failed (the RPC conventions); other codes are the caller's. */
const SERVER_FAULTS: ReadonlySet<grpcStatus> = new Set([
  grpcStatus.UNKNOWN,
  grpcStatus.DEADLINE_EXCEEDED,
  grpcStatus.UNIMPLEMENTED,
  grpcStatus.INTERNAL,
  grpcStatus.UNAVAILABLE,
  grpcStatus.DATA_LOSS,
]);

/** The server span of one gRPC call; a shared no-op when tracing is off. */
export interface GrpcCallSpan {
  /** Runs `fn` with this span active, so spans started inside become its children. */
  run<T>(fn: () => T): T;
  setAttributes(attributes: Attributes): void;
  /** Ends the span with the call's status; server-side failures mark it as an error. */
  end(code: grpcStatus, details?: string): void;
}

const NO_CALL_SPAN: GrpcCallSpan = Object.freeze({
  run: <T>(fn: () => T): T => fn(),
  setAttributes: () => undefined,
  end: () => undefined,
});

/**
 * Starts the SERVER span of a gRPC call (`strata.v1.QueryService/Read`), continuing the
 * caller's trace when its metadata carries a traceparent.
 */
export function startGrpcServerSpan(
  tracer: Tracer | undefined,
  service: string,
  method: string,
  metadata: Metadata,
): GrpcCallSpan {
  if (!tracer) return NO_CALL_SPAN;
  const parent = contextFromMetadata(metadata);
  const span = tracer.startSpan(
    `${service}/${method}`,
    { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method } },
    parent,
  );
  const active = trace.setSpan(parent, span);
  return {
    run: (fn) => context.with(active, fn),
    setAttributes: (attributes) => span.setAttributes(attributes),
    end: (code, details) => {
      span.setAttribute('rpc.grpc.status_code', code);
      if (SERVER_FAULTS.has(code)) span.setStatus({ code: SpanStatusCode.ERROR, message: details ?? grpcStatus[code] });
      span.end();
    },
  };
}
