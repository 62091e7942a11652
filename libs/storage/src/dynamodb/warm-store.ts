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
import { StorageError } from '../errors';
import { decodePointOffsets, encodePointOffsets, NO_POINT_OFFSETS, type SealOffsets } from '../hot/seal-offsets';
import { DayIndexCache, dayIndexPartitionKey, dayIndexShard, dayIndexSortKey, newDayIndexToken, type DayIndexEntry } from './day-index';
import { DAY_INDEX, hasLegacyArchiveIndex, LEGACY_ARCHIVE_INDEX, WARM_TABLE_KEY } from './warm-table';

export interface WarmChunk {
  readonly tenant: string;
  readonly seriesKey: string;
  /** Window start, ms since the epoch. */
  readonly start: number;
  /** Chunk-codec bytes of every point of the window. */
  readonly chunk: Uint8Array;
  readonly count: number;
  /** The seal's base Kafka record offset (attribute `so`; docs/write-path.md, "Log order in the hot tier"). */
  readonly sealOffset?: number;
  /** Points with a record offset of their own (attribute `po`, seal-offsets.ts); usually empty. */
  readonly pointOffsets?: ReadonlyMap<number, number>;
}

/** A window's chunk as the writer merges into it: the chunk and what its seal knows of offsets. */
export interface SealedChunk {
  readonly chunk: Uint8Array;
  /** The seal as read: undefined base on items written before offsets were kept. */
  readonly seal: SealOffsets;
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
  /** The day index (warm-table.ts, DAY_INDEX). */
  readonly dayIndex?: {
    /** Index partitions per day; the archiver's must be at least the writer's. @default 64 */
    readonly shards?: number;
    /** Series whose newest entry this process remembers (about 120 bytes each). @default 1000000 */
    readonly cacheSeries?: number;
    /**
     * Days (today included) whose remembered entries are trusted: at most the archiver's
     * STRATA_WARM_SPAN_DAYS (DayIndexCache). @default 2
     */
    readonly trustedDays?: number;
  };
  /** Tells "today" for the day-index cache. @default Date.now */
  readonly now?: () => number;
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

/** A series that has chunks on a day, as the legacy archive index lists it. */
export interface ArchivableSeries {
  readonly tenant: string;
  readonly seriesKey: string;
}

/**
 * The DynamoDB warm tier: one item per series per window (partition key
 * `tenant#seriesKey`, sort key window start, attribute `c` the chunk, `n` its points), and
 * the day index the archiver finds its work in (warm-table.ts, DAY_INDEX).
 */
export class DynamoWarmStore {
  private readonly dayIndexCache: DayIndexCache;
  private legacyIndex: Promise<boolean> | undefined;
  /** Index partitions per day this store writes to (writer) or reads (archiver). */
  readonly dayIndexShards: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: WarmStoreOptions,
  ) {
    this.dayIndexShards = options.dayIndex?.shards ?? DAY_INDEX.defaultShards;
    if (!Number.isInteger(this.dayIndexShards) || this.dayIndexShards < 1 || this.dayIndexShards > DAY_INDEX.maxShards) {
      throw new RangeError(`day index shards must be an integer in 1..${DAY_INDEX.maxShards}, got ${this.dayIndexShards}`);
    }
    this.dayIndexCache = new DayIndexCache(options.dayIndex?.cacheSeries ?? 1_000_000, options.dayIndex?.trustedDays);
  }

  /**
   * Puts chunks with BatchWriteItem, 25 items a call, after the day-index entries of their
   * series-days that this process has not written yet (in the same or an earlier call, so
   * a chunk is never durable without its entry). Unprocessed items and throttling are
   * retried with full-jitter exponential backoff until `signal` aborts; throttling slows
   * the caller down but never drops an item. Resolves only when every item is written.
   */
  async putChunks(chunks: readonly WarmChunk[], events: WarmWriteEvents = {}, signal?: AbortSignal): Promise<void> {
    const entries = this.missingDayIndexEntries(chunks);
    const requests = [...entries.map((e) => this.toIndexPutRequest(e)), ...chunks.map(toPutRequest)];
    for (let i = 0; i < requests.length; i += BATCH_LIMIT) {
      await this.writeBatch(requests.slice(i, i + BATCH_LIMIT), events, signal);
    }
    this.dayIndexCache.remember(entries);
  }

  /** Series-days of `chunks` whose entry must be written, each once. */
  private missingDayIndexEntries(chunks: readonly WarmChunk[]): DayIndexEntry[] {
    const today = Math.floor((this.options.now ?? Date.now)() / DAY_MS);
    const seen = new Set<string>();
    const out: DayIndexEntry[] = [];
    for (const c of chunks) {
      const day = Math.floor(c.start / DAY_MS);
      const id = `${day}#${c.tenant}#${c.seriesKey}`;
      if (seen.has(id)) continue;
      seen.add(id);
      if (this.dayIndexCache.needsWrite(c.tenant, c.seriesKey, day, today)) out.push({ tenant: c.tenant, seriesKey: c.seriesKey, day });
    }
    return out;
  }

  private toIndexPutRequest(entry: DayIndexEntry): WriteRequest {
    const a = DAY_INDEX.attributes;
    return {
      PutRequest: {
        Item: {
          [WARM_TABLE_KEY.partitionKey]: { S: dayIndexPartitionKey(entry.day, dayIndexShard(entry.tenant, entry.seriesKey, this.dayIndexShards)) },
          [WARM_TABLE_KEY.sortKey]: { N: dayIndexSortKey(entry.tenant, entry.seriesKey) },
          [a.tenant]: { S: entry.tenant },
          [a.seriesKey]: { S: entry.seriesKey },
          [a.token]: { S: newDayIndexToken() },
        },
      },
    };
  }

  /**
   * The entries of one day-index partition (paginated). Strongly consistent (twice the read
   * units of a small Query): an entry written before the call is in the answer, which the
   * archiver's clean marks rely on (LateWriteLedger). Each carries the token to delete it with.
   */
  async dayIndexEntries(day: number, shard: number): Promise<DayIndexEntry[]> {
    const a = DAY_INDEX.attributes;
    const out: DayIndexEntry[] = [];
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': WARM_TABLE_KEY.partitionKey },
          ExpressionAttributeValues: { ':pk': { S: dayIndexPartitionKey(day, shard) } },
          ExclusiveStartKey: exclusiveStartKey,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) {
        const tenant = item[a.tenant]?.S;
        const seriesKey = item[a.seriesKey]?.S;
        const token = item[a.token]?.S;
        if (tenant === undefined || seriesKey === undefined || token === undefined) {
          throw new StorageError(`day-index item ${dayIndexPartitionKey(day, shard)} / ${item[WARM_TABLE_KEY.sortKey]?.N} lacks ${a.tenant}, ${a.seriesKey} or ${a.token}`, false);
        }
        out.push({ tenant, seriesKey, day, token });
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return out;
  }

  /**
   * Deletes a day-index entry only if it still holds the token it was read with: an entry
   * rewritten since (a late re-seal of that day) stays for the next archive run. Returns
   * false when it changed or is already gone.
   */
  async deleteDayIndexEntryIf(entry: DayIndexEntry, events: WarmWriteEvents = {}): Promise<boolean> {
    if (entry.token === undefined) throw new StorageError(`day-index entry of ${entry.tenant}#${entry.seriesKey} has no token to delete it by`, false);
    return this.deleteIf(
      {
        [WARM_TABLE_KEY.partitionKey]: { S: dayIndexPartitionKey(entry.day, dayIndexShard(entry.tenant, entry.seriesKey, this.dayIndexShards)) },
        [WARM_TABLE_KEY.sortKey]: { N: dayIndexSortKey(entry.tenant, entry.seriesKey) },
      },
      DAY_INDEX.attributes.token,
      { S: entry.token },
      events,
    );
  }

  async getChunk(tenant: string, seriesKey: string, start: number): Promise<Uint8Array | undefined> {
    return (await this.getSealedChunk(tenant, seriesKey, start))?.chunk;
  }

  /** The chunk of a window with its seal offsets. */
  async getSealedChunk(tenant: string, seriesKey: string, start: number): Promise<SealedChunk | undefined> {
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
    const so = out.Item?.['so']?.N;
    const po = out.Item?.['po']?.B;
    if (so === undefined) return { chunk, seal: { base: undefined, points: NO_POINT_OFFSETS } };
    const base = Number(so);
    return { chunk, seal: { base, points: po ? decodePointOffsets(po, base).points : NO_POINT_OFFSETS } };
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
   * The series with chunks on `day` in `shard` (0..15) of the GSI the table had before the
   * day index (LEGACY_ARCHIVE_INDEX), or none when the table does not have it (asked once).
   * Only chunks written before the day index carry its key.
   */
  async legacyArchivableSeries(day: number, shard: number): Promise<ArchivableSeries[]> {
    this.legacyIndex ??= hasLegacyArchiveIndex(this.client, this.options.tableName).catch((error: unknown) => {
      this.legacyIndex = undefined;
      throw error;
    });
    if (!(await this.legacyIndex)) return [];
    const out: ArchivableSeries[] = [];
    let last = '';
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: LEGACY_ARCHIVE_INDEX.name,
          KeyConditionExpression: '#ad = :ad',
          ExpressionAttributeNames: { '#ad': LEGACY_ARCHIVE_INDEX.partitionKey },
          ExpressionAttributeValues: { ':ad': { S: `${new Date(day * DAY_MS).toISOString().slice(0, 10)}#${shard}` } },
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
    return this.deleteIf(
      {
        [WARM_TABLE_KEY.partitionKey]: { S: warmPartitionKey(tenant, seriesKey) },
        [WARM_TABLE_KEY.sortKey]: { N: String(start) },
      },
      'c',
      { B: chunk },
      events,
    );
  }

  /** DeleteItem if `attribute` equals `value`; false when it does not (or the item is gone). */
  private async deleteIf(key: Record<string, AttributeValue>, attribute: string, value: AttributeValue, events: WarmWriteEvents): Promise<boolean> {
    try {
      const out = await this.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: key,
          ConditionExpression: '#a = :v',
          ExpressionAttributeNames: { '#a': attribute },
          ExpressionAttributeValues: { ':v': value },
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
        ...(chunk.sealOffset === undefined || !chunk.pointOffsets?.size ? {} : { po: { B: encodePointOffsets(chunk.pointOffsets, chunk.sealOffset) } }),
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
