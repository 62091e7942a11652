import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { crc32 } from '../codec/crc32';
import { StorageError } from '../errors';
import { ARCHIVE_INDEX, WARM_TABLE_KEY } from './warm-table';

export interface WarmChunk {
  readonly tenant: string;
  readonly seriesKey: string;
  /** Window start, ms since the epoch. */
  readonly start: number;
  /** Chunk-codec bytes of every point of the window. */
  readonly chunk: Uint8Array;
  readonly count: number;
  /** Highest Kafka record offset the chunk's points came from (attribute `so`; docs/write-path.md). */
  readonly sealOffset?: number;
}

export interface WarmWriteEvents {
  /** Unprocessed items or a throttling error made a call retry after `delayMs`. */
  onRetry?(info: { reason: 'unprocessed' | 'throttled' | 'error'; items: number; delayMs: number; error?: unknown }): void;
  onConsumedCapacity?(units: number): void;
}

export interface WarmStoreOptions {
  readonly tableName: string;
  /** @default 50 */
  readonly baseDelayMs?: number;
  /** @default 5000 */
  readonly maxDelayMs?: number;
  /** Injected in tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const BATCH_LIMIT = 25;
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
]);

/** `tenant#seriesKey`: tenants contain no `#`, so the split is unambiguous. */
export function warmPartitionKey(tenant: string, seriesKey: string): string {
  return `${tenant}#${seriesKey}`;
}

const DAY_MS = 86_400_000;
const encoder = new TextEncoder();

/** The archive-index shard (0..15) of a series: CRC-32 of its partition key, mod 16. */
export function archiveIndexShard(tenant: string, seriesKey: string): number {
  return crc32(encoder.encode(warmPartitionKey(tenant, seriesKey))) % ARCHIVE_INDEX.shards;
}

/** `ad` of a chunk item: "YYYY-MM-DD#<shard>" of its window's UTC day and its series' index shard. */
export function archiveIndexKey(day: number, shard: number): string {
  return `${new Date(day * DAY_MS).toISOString().slice(0, 10)}#${shard}`;
}

/** A series that has chunks on a day, as the archive index lists it. */
export interface ArchivableSeries {
  readonly tenant: string;
  readonly seriesKey: string;
}

/**
 * The DynamoDB warm tier: one item per series per window (partition key
 * `tenant#seriesKey`, sort key window start, attribute `c` the chunk, `n` its points, `ad`
 * its archive-index key).
 */
export class DynamoWarmStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: WarmStoreOptions,
  ) {}

  /**
   * Puts chunks with BatchWriteItem, 25 a call. Unprocessed items and throttling are
   * retried with full-jitter exponential backoff until `signal` aborts; throttling slows
   * the caller down but never drops an item. Resolves only when every item is written.
   */
  async putChunks(chunks: readonly WarmChunk[], events: WarmWriteEvents = {}, signal?: AbortSignal): Promise<void> {
    for (let i = 0; i < chunks.length; i += BATCH_LIMIT) {
      await this.writeBatch(chunks.slice(i, i + BATCH_LIMIT).map(toPutRequest), events, signal);
    }
  }

  async getChunk(tenant: string, seriesKey: string, start: number): Promise<Uint8Array | undefined> {
    return (await this.getSealedChunk(tenant, seriesKey, start))?.chunk;
  }

  /** The chunk of a window with its seal offset (absent on items written before it was kept). */
  async getSealedChunk(tenant: string, seriesKey: string, start: number): Promise<{ chunk: Uint8Array; sealOffset?: number } | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: {
          [WARM_TABLE_KEY.partitionKey]: { S: warmPartitionKey(tenant, seriesKey) },
          [WARM_TABLE_KEY.sortKey]: { N: String(start) },
        },
        ConsistentRead: true,
      }),
    );
    const chunk = out.Item?.['c']?.B;
    if (!chunk) return undefined;
    const sealOffset = out.Item?.['so']?.N;
    return sealOffset === undefined ? { chunk } : { chunk, sealOffset: Number(sealOffset) };
  }

  /**
   * Chunks of a series whose window starts in [fromStart, toStart], in time order.
   * `consistent` reads what every acknowledged write left (twice the read units).
   */
  async queryChunks(tenant: string, seriesKey: string, fromStart: number, toStart: number, options: { consistent?: boolean } = {}): Promise<WarmChunk[]> {
    const chunks: WarmChunk[] = [];
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#pk': WARM_TABLE_KEY.partitionKey, '#sk': WARM_TABLE_KEY.sortKey },
          ExpressionAttributeValues: {
            ':pk': { S: warmPartitionKey(tenant, seriesKey) },
            ':from': { N: String(fromStart) },
            ':to': { N: String(toStart) },
          },
          ExclusiveStartKey: exclusiveStartKey,
          ...(options.consistent && { ConsistentRead: true }),
        }),
      );
      for (const item of out.Items ?? []) {
        chunks.push({
          tenant,
          seriesKey,
          start: Number(item[WARM_TABLE_KEY.sortKey].N),
          chunk: item['c'].B!,
          count: Number(item['n']?.N ?? 0),
        });
      }
      exclusiveStartKey = out.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return chunks;
  }

  /**
   * The series with at least one chunk in `day` whose archive-index shard is `shard`, from
   * the archive index (eventually consistent: a chunk written a moment ago may be missing;
   * the next archive run finds it). Sorted by partition key, each series once.
   */
  async archivableSeries(day: number, shard: number): Promise<ArchivableSeries[]> {
    const out: ArchivableSeries[] = [];
    let last = '';
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: ARCHIVE_INDEX.name,
          KeyConditionExpression: '#ad = :ad',
          ExpressionAttributeNames: { '#ad': ARCHIVE_INDEX.partitionKey },
          ExpressionAttributeValues: { ':ad': { S: archiveIndexKey(day, shard) } },
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const pk = item[WARM_TABLE_KEY.partitionKey].S!;
        if (pk === last) continue;
        last = pk;
        const hash = pk.indexOf('#');
        out.push({ tenant: pk.slice(0, hash), seriesKey: pk.slice(hash + 1) });
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return out;
  }

  /**
   * Deletes a chunk only if the item still holds exactly `chunk`: a window re-sealed since
   * it was read (a late point merged in) is left for the next archive run instead of being
   * lost. BatchWriteItem cannot carry a condition, hence one call per item (same write
   * units). Returns false when the item changed (or is already gone).
   */
  async deleteChunkIf(tenant: string, seriesKey: string, start: number, chunk: Uint8Array, events: WarmWriteEvents = {}): Promise<boolean> {
    try {
      const out = await this.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: {
            [WARM_TABLE_KEY.partitionKey]: { S: warmPartitionKey(tenant, seriesKey) },
            [WARM_TABLE_KEY.sortKey]: { N: String(start) },
          },
          ConditionExpression: '#c = :c',
          ExpressionAttributeNames: { '#c': 'c' },
          ExpressionAttributeValues: { ':c': { B: chunk } },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      if (out.ConsumedCapacity?.CapacityUnits) events.onConsumedCapacity?.(out.ConsumedCapacity.CapacityUnits);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  private async writeBatch(requests: WriteRequest[], events: WarmWriteEvents, signal?: AbortSignal): Promise<void> {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        const delayMs = this.backoff(attempt);
        await (this.options.sleep ?? abortableSleep)(delayMs, signal);
      }
      if (signal?.aborted) throw new StorageError(`warm write of ${pending.length} item(s) aborted`, true);
      try {
        const out = await this.client.send(
          new BatchWriteItemCommand({
            RequestItems: { [this.options.tableName]: pending },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        const units = (out.ConsumedCapacity ?? []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
        if (units > 0) events.onConsumedCapacity?.(units);
        pending = out.UnprocessedItems?.[this.options.tableName] ?? [];
        if (pending.length > 0) events.onRetry?.({ reason: 'unprocessed', items: pending.length, delayMs: this.backoff(attempt + 1) });
      } catch (error) {
        const name = (error as { name?: string }).name ?? '';
        const retriable = THROTTLING.has(name) || (error as { $retryable?: unknown }).$retryable !== undefined || isNetworkError(error);
        if (!retriable) throw error;
        events.onRetry?.({ reason: THROTTLING.has(name) ? 'throttled' : 'error', items: pending.length, delayMs: this.backoff(attempt + 1), error });
      }
    }
  }

  private backoff(attempt: number): number {
    const base = this.options.baseDelayMs ?? 50;
    const cap = this.options.maxDelayMs ?? 5_000;
    return Math.round((this.options.random ?? Math.random)() * Math.min(cap, base * 2 ** Math.min(attempt, 20)));
  }
}

function toPutRequest(chunk: WarmChunk): WriteRequest {
  return {
    PutRequest: {
      Item: {
        [WARM_TABLE_KEY.partitionKey]: { S: warmPartitionKey(chunk.tenant, chunk.seriesKey) },
        [WARM_TABLE_KEY.sortKey]: { N: String(chunk.start) },
        c: { B: chunk.chunk },
        n: { N: String(chunk.count) },
        ...(chunk.sealOffset === undefined ? {} : { so: { N: String(chunk.sealOffset) } }),
        // Puts the item in the archive index (warm-table.ts, ARCHIVE_INDEX).
        [ARCHIVE_INDEX.partitionKey]: { S: archiveIndexKey(Math.floor(chunk.start / DAY_MS), archiveIndexShard(chunk.tenant, chunk.seriesKey)) },
      },
    },
  };
}

function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE' || code === 'ENOTFOUND';
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
