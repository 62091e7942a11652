import { context, propagation, SpanKind, type Span, type Tracer } from '@opentelemetry/api';
import { inSpan } from '@strata/runtime';
import { CompressionTypes, type Producer } from 'kafkajs';
import type { PointLogRecord } from './point-log';

export type LogCompression = 'none' | 'gzip';

export interface PointLogProducerOptions {
  readonly topic: string;
  /**
   * How long the first record of a batch waits for others before the batch is sent.
   * Small: freshness is a feature. Under load, batches fill before it expires.
   * @default 2
   */
  readonly lingerMs?: number;
  /** A batch is sent at once when it holds this many records. @default 2000 */
  readonly maxBatchRecords?: number;
  /** @default 'gzip' */
  readonly compression?: LogCompression;
  /** Broker-side wait for all in-sync replicas. @default 10000 */
  readonly ackTimeoutMs?: number;
  /** Observes each sent batch (for metrics). */
  readonly onBatch?: (batch: { records: number; ms: number; ok: boolean }) => void;
  /**
   * With a tracer, each append is a PRODUCER span whose context travels in the records'
   * headers (W3C traceparent), so a consumer can continue the caller's trace.
   */
  readonly tracer?: Tracer;
}

/** The log could not take a write: nothing in the failed batch counts as acknowledged. */
export class LogUnavailableError extends Error {
  readonly retriable = true;

  constructor(readonly records: number, cause: unknown) {
    super(`Kafka did not acknowledge ${records} record(s): ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'LogUnavailableError';
  }
}

interface Waiter {
  readonly records: readonly PointLogRecord[];
  readonly headers?: Record<string, string>;
  readonly span?: Span;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Appends records to the points topic with acks = all, grouping the records of
 * concurrent callers into one produce request. `append` resolves only after Kafka has
 * acknowledged every record it was given, and rejects with LogUnavailableError otherwise.
 * Safe to call concurrently; `stop()` sends what is queued before disconnecting.
 */
export class PointLogProducer {
  private queue: Waiter[] = [];
  private queuedRecords = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly lingerMs: number;
  private readonly maxBatchRecords: number;

  constructor(
    private readonly producer: Producer,
    private readonly options: PointLogProducerOptions,
  ) {
    this.lingerMs = options.lingerMs ?? 2;
    this.maxBatchRecords = options.maxBatchRecords ?? 2_000;
  }

  async start(): Promise<void> {
    await this.producer.connect();
  }

  append(records: readonly PointLogRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const { tracer, topic } = this.options;
    if (!tracer) return this.enqueue(records);
    const attributes = {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': topic,
      'messaging.batch.message_count': records.length,
    };
    return inSpan(tracer, `send ${topic}`, { kind: SpanKind.PRODUCER, attributes }, (span) => {
      const headers: Record<string, string> = {};
      propagation.inject(context.active(), headers);
      return this.enqueue(records, headers, span);
    });
  }

  private enqueue(records: readonly PointLogRecord[], headers?: Record<string, string>, span?: Span): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, headers, span, resolve, reject });
      this.queuedRecords += records.length;
      if (this.queuedRecords >= this.maxBatchRecords) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  async stop(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
    await this.producer.disconnect();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const waiters = this.queue;
    const count = this.queuedRecords;
    this.queue = [];
    this.queuedRecords = 0;
    const began = Date.now();
    // Concurrent appends share one produce request; each span says how large it was.
    for (const waiter of waiters) waiter.span?.setAttribute('strata.kafka.request_records', count);
    const send = this.producer
      .send({
        topic: this.options.topic,
        acks: -1,
        timeout: this.options.ackTimeoutMs ?? 10_000,
        compression: this.options.compression === 'none' ? CompressionTypes.None : CompressionTypes.GZIP,
        messages: waiters.flatMap((w) => w.records.map((r) => ({ key: r.key, value: r.value, headers: w.headers }))),
      })
      .then(
        () => {
          this.options.onBatch?.({ records: count, ms: Date.now() - began, ok: true });
          for (const waiter of waiters) waiter.resolve();
        },
        (error: unknown) => {
          this.options.onBatch?.({ records: count, ms: Date.now() - began, ok: false });
          for (const waiter of waiters) waiter.reject(new LogUnavailableError(waiter.records.length, error));
        },
      )
      .finally(() => this.inFlight.delete(send));
    this.inFlight.add(send);
  }
}
