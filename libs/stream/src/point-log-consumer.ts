import { propagation, ROOT_CONTEXT, SpanKind, trace, type Context, type Link, type Tracer } from '@opentelemetry/api';
import { inSpan } from '@strata/runtime';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { StreamLogger } from './logger';
import { OffsetCommits } from './offset-commits';
import { decodeRecordEvents, isBatchRecord } from './point-log';
import type { LogEvent } from './point-log-codec';

export interface ConsumedBatch {
  readonly partition: number;
  /** The events of the batch's records in log order; a batch record gives several. */
  readonly events: readonly LogEvent[];
  /**
   * Kafka offset of each event's record, parallel to `events`: orders the writes of a
   * series. The events of one batch record share it (never two of one series).
   */
  readonly offsets: readonly string[];
  /** Kafka records the events came from. */
  readonly records: number;
  /** Offset of the last record in the batch. */
  readonly lastOffset: string;
  /** The partition's high watermark when the batch was fetched: lag = hw - lastOffset - 1. */
  readonly highWatermark: string;
  /** Timestamp (ms) of the batch's first record, as Kafka stamped it. */
  readonly firstTimestampMs: number;
}

export interface PointLogConsumerOptions {
  readonly topic: string;
  readonly groupId: string;
  readonly logger: StreamLogger;
  /** @default 30000 */
  readonly sessionTimeoutMs?: number;
  /** Start a new group's partitions at the records of this time instead of the committed offsets. */
  readonly seekToTimestampMs?: number;
  /**
   * Most bytes one fetch brings of one partition (the broker still sends a record larger
   * than this whole). kafkajs handles a fetch's batches, then fetches again: a partition
   * holding a large series' records delays every partition's next records by the time its
   * batch takes, so a smaller batch keeps other series fresh. @default 1 MiB (kafkajs's own)
   */
  readonly maxBytesPerPartition?: number;
  /** Called with each assignment after a rebalance. */
  readonly onAssignment?: (partitions: number[]) => void;
  /**
   * With a tracer, each handled batch is a CONSUMER span that continues the trace of its
   * first traced record (from the W3C traceparent header) and links the others.
   */
  readonly tracer?: Tracer;
}

/** Links kept on one batch span; a batch of thousands of traced writes stays exportable. */
const MAX_LINKS = 128;

const headerGetter = {
  keys: (headers: IHeaders) => Object.keys(headers),
  get: (headers: IHeaders, key: string) => {
    const value = headers[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map(String) : String(value);
  },
};

/** The trace contexts carried by a batch's records: the first as parent, the rest as links. */
function batchTraceContext(messages: readonly KafkaMessage[]): { parent: Context; links: Link[] } {
  let parent: Context | undefined;
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const message of messages) {
    if (!message.headers?.['traceparent']) continue;
    const extracted = propagation.extract(ROOT_CONTEXT, message.headers, headerGetter);
    const spanContext = trace.getSpanContext(extracted);
    if (!spanContext || seen.has(spanContext.spanId)) continue;
    seen.add(spanContext.spanId);
    if (parent === undefined) parent = extracted;
    else if (links.length < MAX_LINKS) links.push({ context: spanContext });
  }
  return { parent: parent ?? ROOT_CONTEXT, links };
}

/**
 * Consumes the points topic in a consumer group. The handler gets a whole fetched batch
 * of one partition; offsets are committed only after the handler resolves, so a record
 * counts as processed only once its projection is durable. The commit is sent without
 * holding up the next fetch (OffsetCommits), and `stop` sends the last ones. A handler that throws makes
 * kafkajs re-deliver the batch from the last committed offset (projections are
 * idempotent, so repeating is safe). Undecodable records are logged and skipped: they can
 * never become decodable, and blocking the partition on them would stop the series behind.
 */
export class PointLogConsumer {
  private readonly consumer: Consumer;
  private assigned: number[] = [];
  /** Commits of handled batches, off the fetch cycle's path (offset-commits.ts). */
  private readonly commits: OffsetCommits;
  /** Seeks asked per partition; a batch handled across a seek is neither resolved nor committed. */
  private readonly seeks = new Map<number, number>();
  /**
   * Where each partition was moved to, until a batch fetched from there arrives. A fetch
   * already under way when the seek took effect still delivers its batch from the old
   * position; handling it (and resolving its offsets) would undo the seek.
   */
  private readonly seekTargets = new Map<number, string>();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: PointLogConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      allowAutoTopicCreation: false,
      ...(options.maxBytesPerPartition !== undefined && { maxBytesPerPartition: options.maxBytesPerPartition }),
    });
    this.commits = new OffsetCommits(
      (partition, offset) => this.consumer.commitOffsets([{ topic: options.topic, partition, offset }]),
      (partition, offset, error) => options.logger.warn({ partition, offset, err: error }, 'offset commit failed; the next handled batch of the partition commits again'),
    );
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assigned = [...(payload.memberAssignment[options.topic] ?? [])].sort((a, b) => a - b);
      options.logger.info({ groupId: options.groupId, partitions: this.assigned }, 'partitions assigned');
      options.onAssignment?.(this.assigned);
    });
  }

  /** Partitions this member owns since the last rebalance. */
  assignedPartitions(): readonly number[] {
    return this.assigned;
  }

  async start(handler: (batch: ConsumedBatch) => Promise<void>): Promise<void> {
    const { topic, logger } = this.options;
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: (payload) => this.handleBatch(payload, handler),
    });
    if (this.options.seekToTimestampMs !== undefined) {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, this.options.seekToTimestampMs);
        for (const { partition, offset } of offsets) this.consumer.seek({ topic, partition, offset });
        logger.info({ topic, offsets }, 'seeking to timestamp');
      } finally {
        await admin.disconnect();
      }
    }
  }

  /** Stops fetching, lets the batches in hand finish, sends their commits, then leaves the group. */
  async stop(): Promise<void> {
    await this.consumer.stop();
    await this.commits.flush();
    await this.consumer.disconnect();
  }

  /**
   * Moves a partition's consumption to `offset` (back, to rebuild a projection). A batch
   * being handled meanwhile finishes, but its offsets are not resolved or committed, so it
   * cannot move the position past the seek; batches fetched from the old position are
   * dropped until one fetched from `offset` arrives. The committed offset moves only when
   * later batches are handled. `offset` must be one the log holds (from its start to its
   * end): kafkajs would reset an out-of-range position, and no batch would come from it.
   */
  seek(partition: number, offset: bigint): void {
    this.seeks.set(partition, (this.seeks.get(partition) ?? 0) + 1);
    this.commits.drop(partition);
    this.seekTargets.set(partition, offset.toString());
    this.consumer.seek({ topic: this.options.topic, partition, offset: offset.toString() });
  }

  private async handleBatch(payload: EachBatchPayload, handler: (batch: ConsumedBatch) => Promise<void>): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const target = this.seekTargets.get(batch.partition);
    if (target !== undefined) {
      // kafkajs keeps the offset each batch was fetched from (not in its typings).
      const fetchedFrom = String((batch as unknown as { fetchedOffset?: string }).fetchedOffset);
      if (fetchedFrom !== target) {
        this.options.logger.debug({ partition: batch.partition, fetchedFrom, target }, 'dropping a batch fetched before the seek');
        await payload.heartbeat();
        return;
      }
      this.seekTargets.delete(batch.partition);
    }
    const events: LogEvent[] = [];
    const offsets: string[] = [];
    let records = 0;
    for (const message of batch.messages) {
      try {
        if (!message.value) throw new Error('empty value');
        // Decoded whole before any event is kept: a corrupt batch record is skipped as one.
        const decoded = decodeRecordEvents(message.value, isBatchRecord(message.headers));
        for (const event of decoded) {
          events.push(event);
          offsets.push(message.offset);
        }
        records++;
      } catch (error) {
        this.options.logger.error(
          { partition: batch.partition, offset: message.offset, key: message.key?.toString(), err: error },
          'skipping an undecodable log record',
        );
      }
    }
    const lastOffset = batch.lastOffset();
    const seeksBefore = this.seeks.get(batch.partition) ?? 0;
    const consumed: ConsumedBatch = {
      partition: batch.partition,
      events,
      offsets,
      records,
      lastOffset,
      highWatermark: batch.highWatermark,
      firstTimestampMs: Number(batch.messages[0].timestamp),
    };
    const { tracer } = this.options;
    if (tracer) {
      const { parent, links } = batchTraceContext(batch.messages);
      const attributes = {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': batch.topic,
        'messaging.destination.partition.id': String(batch.partition),
        'messaging.consumer.group.name': this.options.groupId,
        'messaging.batch.message_count': batch.messages.length,
        'messaging.kafka.offset': lastOffset,
      };
      await inSpan(tracer, `process ${batch.topic}`, { kind: SpanKind.CONSUMER, parent, links, attributes }, () =>
        handler(consumed),
      );
    } else {
      await handler(consumed);
    }
    if ((this.seeks.get(batch.partition) ?? 0) !== seeksBefore) {
      await payload.heartbeat();
      return;
    }
    payload.resolveOffset(lastOffset);
    this.commits.request(batch.partition, (BigInt(lastOffset) + 1n).toString());
    await payload.heartbeat();
  }
}
