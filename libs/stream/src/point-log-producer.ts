import { context, propagation, SpanKind, type Span, type Tracer } from '@opentelemetry/api';
import { inSpan, StrataError } from '@strata/runtime';
import { CompressionTypes, type Producer } from 'kafkajs';
import { RecordTooLargeError } from './errors';
import './log-gzip';
import { batchByPartition, type PointLogRecord } from './point-log';
import { countedRecordBytes, KAFKA_DEFAULT_MAX_MESSAGE_BYTES, recordLimitsFor, type RecordLimits } from './record-limits';

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
  /**
   * The broker's limit on one record batch (the topic's max.message.bytes), or how to read
   * it: read at `start()`, and again after the broker refuses a record for its size (an
   * operator may have lowered it). Produce requests and records are bounded below it
   * (record-limits.ts). @default 1048588, Kafka's default
   */
  readonly maxMessageBytes?: number | (() => Promise<number>);
  /**
   * Sends the records of callers too large to share a request (over half a request's
   * bytes) on a producer, and so connections, of their own. A broker handles one request
   * per connection at a time: on the shared connection, a megabyte of one caller's records
   * held every small write queued behind it for as long as the broker took over it.
   * Connected and disconnected with this producer. @default the shared producer
   */
  readonly bulkProducer?: Producer;
  /**
   * The topic's partition count, or how to read it (at `start()`, then every
   * `partitionsRefreshMs`). With it, the records of one append that choose the same
   * partition travel as one batch record (point-log.ts, batchByPartition), and every record
   * names its partition. Without it, one record per series, placed by its key. A writer
   * older than batch records skips them: upgrade writers first (docs/operations.md).
   */
  readonly partitions?: number | (() => Promise<number>);
  /** @default 60000 */
  readonly partitionsRefreshMs?: number;
  /** Observes a failed read of the partition count (the count in use stays). */
  readonly onPartitionsError?: (error: unknown) => void;
  /** Observes each sent produce request (for metrics). */
  readonly onBatch?: (batch: { records: number; ms: number; ok: boolean }) => void;
  /** Observes each record refused for its size (for metrics and a log line). */
  readonly onRecordTooLarge?: (error: RecordTooLargeError) => void;
  /**
   * With a tracer, each append is a PRODUCER span whose context travels in the records'
   * headers (W3C traceparent), so a consumer can continue the caller's trace.
   */
  readonly tracer?: Tracer;
}

/** The log could not take a write: nothing in the failed batch counts as acknowledged. */
export class LogUnavailableError extends StrataError {
  constructor(readonly records: number, cause: unknown) {
    super(`Kafka did not acknowledge ${records} record(s): ${cause instanceof Error ? cause.message : String(cause)}`, {
      retriable: true,
      cause,
      context: { records },
    });
  }
}

interface Waiter {
  readonly records: readonly PointLogRecord[];
  readonly headers?: Record<string, string>;
  readonly span?: Span;
  /** Counted bytes of all its records (record-limits.ts). */
  readonly bytes: number;
  resolve(): void;
  reject(error: Error): void;
}

function checkedPartitionCount(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`a topic's partition count must be a positive integer, got ${n}`);
  return n;
}

const SIZE_REFUSALS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** Whether kafkajs failed a send because the broker refused a batch for its size (its error `type`, not its text). */
function isSizeRefusal(error: unknown): boolean {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 8; depth++) {
    if (SIZE_REFUSALS.has(String((e as { type?: unknown }).type))) return true;
    e = (e as { cause?: unknown; originalError?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return false;
}

/**
 * Appends records to the points topic with acks = all, grouping the records of
 * concurrent callers into produce requests. `append` resolves only after Kafka has
 * acknowledged every record it was given, and rejects with LogUnavailableError (retriable)
 * or RecordTooLargeError (permanent) otherwise.
 *
 * One caller's records never fail another's: a produce request holds whole callers and
 * stays below the broker's message limit before compression (record-limits.ts); a caller
 * whose records fill more than half a request is sent alone, in order, a request at a
 * time; and should the broker still refuse a request for its size, its callers are
 * re-sent apart until the refusal reaches only the caller whose record it is.
 * Safe to call concurrently; `stop()` sends what is queued before disconnecting.
 */
export class PointLogProducer {
  private queue: Waiter[] = [];
  private queuedRecords = 0;
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly lingerMs: number;
  private readonly maxBatchRecords: number;
  private limits: RecordLimits;
  private refreshing: Promise<void> | undefined;
  private partitionCount: number | undefined;
  private partitionTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly producer: Producer,
    private readonly options: PointLogProducerOptions,
  ) {
    this.lingerMs = options.lingerMs ?? 2;
    this.maxBatchRecords = options.maxBatchRecords ?? 2_000;
    const fixed = options.maxMessageBytes;
    this.limits = recordLimitsFor(typeof fixed === 'number' ? fixed : KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
    if (typeof options.partitions === 'number') this.partitionCount = checkedPartitionCount(options.partitions);
  }

  /** The partition count records are batched by; undefined when the log sends a record per series. */
  get partitions(): number | undefined {
    return this.partitionCount;
  }

  /** The bounds in force: callers split a series into records of at most `recordBytes`. */
  get recordLimits(): RecordLimits {
    return this.limits;
  }

  /** Most counted bytes of one record: the size to split a series' records at. */
  get maxRecordBytes(): number {
    return this.limits.recordBytes;
  }

  async start(): Promise<void> {
    await this.readLimits();
    const source = this.options.partitions;
    if (typeof source === 'function') {
      // Until a read succeeds (the topic may not exist yet), records go one per series. A
      // count read again also picks up partitions an operator added (docs/operations.md).
      const read = () =>
        source()
          .then(checkedPartitionCount)
          .then(
            (n) => void (this.partitionCount = n),
            (error: unknown) => this.options.onPartitionsError?.(error),
          );
      await read();
      this.partitionTimer = setInterval(read, this.options.partitionsRefreshMs ?? 60_000);
      this.partitionTimer.unref();
    }
    await this.producer.connect();
    await this.options.bulkProducer?.connect();
  }

  private async readLimits(): Promise<void> {
    const source = this.options.maxMessageBytes;
    if (typeof source === 'function') this.limits = recordLimitsFor(await source());
  }

  /** Re-reads the limit once at a time, in the background; a failure keeps the old one. */
  private refreshLimits(): void {
    if (typeof this.options.maxMessageBytes !== 'function' || this.refreshing) return;
    this.refreshing = this.readLimits()
      .catch(() => undefined)
      .finally(() => (this.refreshing = undefined));
  }

  append(records: readonly PointLogRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    if (this.partitionCount !== undefined) records = batchByPartition(records, this.partitionCount, this.limits.recordBytes);
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
    const { requestBytes } = this.limits;
    let bytes = 0;
    for (const record of records) {
      const size = countedRecordBytes(record, headers);
      // Refused before anything is sent: no request could ever carry it.
      if (size > requestBytes) return Promise.reject(this.tooLarge(record.key, size));
      bytes += size;
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, headers, span, bytes, resolve, reject });
      this.queuedRecords += records.length;
      this.queuedBytes += bytes;
      if (this.queuedRecords >= this.maxBatchRecords || this.queuedBytes >= requestBytes) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  private tooLarge(key: string, bytes: number, cause?: unknown): RecordTooLargeError {
    const error = new RecordTooLargeError(key, bytes, this.limits.requestBytes, { cause });
    this.options.onRecordTooLarge?.(error);
    return error;
  }

  async stop(): Promise<void> {
    clearInterval(this.partitionTimer);
    this.flush();
    await Promise.allSettled([...this.inFlight]);
    await this.producer.disconnect();
    await this.options.bulkProducer?.disconnect();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const waiters = this.queue;
    this.queue = [];
    this.queuedRecords = 0;
    this.queuedBytes = 0;
    const { requestBytes } = this.limits;
    const groups: Waiter[][] = [];
    let group: Waiter[] = [];
    let groupBytes = 0;
    let groupRecords = 0;
    for (const waiter of waiters) {
      if (waiter.bytes > requestBytes / 2) {
        this.track(this.sendAlone(waiter));
        continue;
      }
      if (group.length > 0 && (groupBytes + waiter.bytes > requestBytes || groupRecords + waiter.records.length > this.maxBatchRecords)) {
        groups.push(group);
        group = [];
        groupBytes = 0;
        groupRecords = 0;
      }
      group.push(waiter);
      groupBytes += waiter.bytes;
      groupRecords += waiter.records.length;
    }
    if (group.length > 0) groups.push(group);
    for (const g of groups) this.track(this.sendShared(g));
  }

  private track(work: Promise<void>): void {
    const tracked = work.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** One produce request; resolves or rejects with kafkajs's error, after reporting it. */
  private async send(
    waiters: readonly Waiter[],
    records: ReadonlyArray<{ record: PointLogRecord; headers?: Record<string, string> }>,
    producer: Producer = this.producer,
  ): Promise<void> {
    const began = Date.now();
    // Concurrent appends share a produce request; each span says how large it was.
    for (const waiter of waiters) waiter.span?.setAttribute('strata.kafka.request_records', records.length);
    try {
      await producer.send({
        topic: this.options.topic,
        acks: -1,
        timeout: this.options.ackTimeoutMs ?? 10_000,
        compression: this.options.compression === 'none' ? CompressionTypes.None : CompressionTypes.GZIP,
        messages: records.map(({ record, headers }) => ({
          key: record.key,
          value: record.value,
          headers: record.headers ? { ...headers, ...record.headers } : headers,
          partition: record.partition,
        })),
      });
      this.options.onBatch?.({ records: records.length, ms: Date.now() - began, ok: true });
    } catch (error) {
      this.options.onBatch?.({ records: records.length, ms: Date.now() - began, ok: false });
      throw error;
    }
  }

  /**
   * Callers that fit one request together. A size refusal splits them in halves and sends
   * each half again, so it ends at the one caller whose records the broker will not take.
   */
  private async sendShared(waiters: readonly Waiter[]): Promise<void> {
    try {
      await this.send(
        waiters,
        waiters.flatMap((w) => w.records.map((record) => ({ record, headers: w.headers }))),
      );
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      if (!isSizeRefusal(error)) {
        for (const waiter of waiters) waiter.reject(new LogUnavailableError(waiter.records.length, error));
        return;
      }
      this.refreshLimits();
      if (waiters.length === 1) return this.sendAlone(waiters[0], error);
      const half = Math.ceil(waiters.length / 2);
      await Promise.all([this.sendShared(waiters.slice(0, half)), this.sendShared(waiters.slice(half))]);
    }
  }

  /**
   * A caller alone: its records in order, a request of at most requestBytes at a time, each
   * sent after the previous one was acknowledged so a series split over several records
   * keeps its order whatever the retries. A size refusal of a request of several records
   * sends them in smaller requests; of a single record, it is that record's refusal.
   */
  private async sendAlone(waiter: Waiter, refusal?: unknown): Promise<void> {
    const { requestBytes } = this.limits;
    const chunks: PointLogRecord[][] = [];
    let chunk: PointLogRecord[] = [];
    let bytes = 0;
    for (const record of waiter.records) {
      const size = countedRecordBytes(record, waiter.headers);
      if (chunk.length > 0 && bytes + size > requestBytes) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(record);
      bytes += size;
    }
    if (chunk.length > 0) chunks.push(chunk);
    // Refused as a whole with others, and alone it is still a single request: split it once more.
    if (refusal !== undefined && chunks.length === 1) {
      if (chunks[0].length === 1) {
        waiter.reject(this.tooLarge(chunks[0][0].key, countedRecordBytes(chunks[0][0], waiter.headers), refusal));
        return;
      }
      const half = Math.ceil(chunks[0].length / 2);
      chunks.splice(0, 1, chunks[0].slice(0, half), chunks[0].slice(half));
    }
    try {
      for (const records of chunks) await this.sendInOrder(waiter, records);
      waiter.resolve();
    } catch (error) {
      waiter.reject(error instanceof RecordTooLargeError ? error : new LogUnavailableError(waiter.records.length, error));
    }
  }

  private async sendInOrder(waiter: Waiter, records: readonly PointLogRecord[]): Promise<void> {
    try {
      await this.send([waiter], records.map((record) => ({ record, headers: waiter.headers })), this.options.bulkProducer);
    } catch (error) {
      if (!isSizeRefusal(error)) throw error;
      this.refreshLimits();
      if (records.length === 1) throw this.tooLarge(records[0].key, countedRecordBytes(records[0], waiter.headers), error);
      const half = Math.ceil(records.length / 2);
      await this.sendInOrder(waiter, records.slice(0, half));
      await this.sendInOrder(waiter, records.slice(half));
    }
  }
}
