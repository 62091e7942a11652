import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { PointsAppended } from '@strata/proto';
import type { StreamLogger } from './logger';
import { decodePointsAppended } from './point-log';

export interface ConsumedBatch {
  readonly partition: number;
  readonly events: readonly PointsAppended[];
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
  /** Called with each assignment after a rebalance. */
  readonly onAssignment?: (partitions: number[]) => void;
}

/**
 * Consumes the points topic in a consumer group. The handler gets a whole fetched batch
 * of one partition; offsets are committed only after the handler resolves, so a record
 * counts as processed only once its projection is durable. A handler that throws makes
 * kafkajs re-deliver the batch from the last committed offset (projections are
 * idempotent, so repeating is safe). Undecodable records are logged and skipped: they can
 * never become decodable, and blocking the partition on them would stop the series behind.
 */
export class PointLogConsumer {
  private readonly consumer: Consumer;
  private assigned: number[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly options: PointLogConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      allowAutoTopicCreation: false,
    });
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

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  private async handleBatch(payload: EachBatchPayload, handler: (batch: ConsumedBatch) => Promise<void>): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const events: PointsAppended[] = [];
    for (const message of batch.messages) {
      try {
        if (!message.value) throw new Error('empty value');
        events.push(decodePointsAppended(message.value));
      } catch (error) {
        this.options.logger.error(
          { partition: batch.partition, offset: message.offset, key: message.key?.toString(), err: error },
          'skipping an undecodable log record',
        );
      }
    }
    const lastOffset = batch.lastOffset();
    await handler({
      partition: batch.partition,
      events,
      lastOffset,
      highWatermark: batch.highWatermark,
      firstTimestampMs: Number(batch.messages[0].timestamp),
    });
    payload.resolveOffset(lastOffset);
    await this.consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() },
    ]);
    await payload.heartbeat();
  }
}
