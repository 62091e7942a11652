import { createHash } from 'node:crypto';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { isRetriable, sleep } from '@strata/runtime';
import { fromAwsError } from '../aws/aws-errors';
import { DAY_MS } from '../core/time';
import { StorageError, StorageRequestError } from '../errors';
import type { WindowRef } from '../hot/hot-keys';
import { decodePointOffsets, NO_POINT_OFFSETS, type SealOffsets } from '../hot/seal-offsets';
import {
  assembleWindow,
  byteLength,
  canonicalPartKey,
  headLayout,
  legacyWindowGeneration,
  lastPartSortKey,
  MAX_PARTITION_KEY_BYTES,
  parseSortKey,
  partSortKey,
  WARM_ITEM_PAYLOAD_BYTES,
  windowGeneration,
  windowItems,
  type AssembledWindow,
  type WindowPayload,
} from './warm-layout';
import { DayIndexCache, dayIndexPartitionKey, dayIndexShard, dayIndexSortKey, newDayIndexToken, type DayIndexEntry } from './day-index';
import { DAY_INDEX, hasLegacyArchiveIndex, LEGACY_ARCHIVE_INDEX, WARM_TABLE_KEY } from './warm-table';
import { BATCH_GET_KEYS, warmBatches } from './warm-batches';

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
  /**
   * The window may be stored over several items already (its previous seal was big, see
   * `warmItemCount`): the write then replaces the head item in a way that tells which
   * parts to delete. Unneeded when the new seal is itself split.
   */
  readonly mayHaveParts?: boolean;
  /**
   * The window's previous seal was read from the quarantine (SealedChunk.quarantined) and
   * merged into this chunk: once it is durable at the series' own key (replacing the
   * pointer), `putChunks` releases the quarantined copy, which would otherwise stay listed.
   */
  readonly releasesQuarantined?: boolean;
}

const NO_PARTS: ReadonlyMap<string, Item> = new Map();

/** A window's chunk as the writer merges into it: the chunk and what its seal knows of offsets. */
export interface SealedChunk {
  readonly chunk: Uint8Array;
  /** The seal as read: undefined base on items written before offsets were kept. */
  readonly seal: SealOffsets;
  /** Read from the quarantine through the series' pointer (docs/write-path.md, "Quarantine"). */
  readonly quarantined?: boolean;
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

/** Reads of a window that raced a re-seal (a part of the head's generation missing) before giving up. */
const ASSEMBLE_ATTEMPTS = 4;

/** `tenant#seriesKey`: tenants contain no `#`, so the split is unambiguous. */
export function warmPartitionKey(tenant: string, seriesKey: string): string {
  return `${tenant}#${seriesKey}`;
}

/**
 * Partition of a series' quarantined windows: "~q#tenant#<SHA-256 of the series key>",
 * at most a few hundred bytes whatever the series key, so it always fits DynamoDB's key
 * limit (docs/write-path.md, "Quarantine").
 */
export function quarantinePartitionKey(tenant: string, seriesKey: string): string {
  return `${QUARANTINE.partitionPrefix}${tenant}#${createHash('sha256').update(seriesKey, 'utf8').digest('hex')}`;
}

/** Where quarantined windows live in the warm table. */
export const QUARANTINE = Object.freeze({
  /** Prefix of a series' quarantine partition; `~` never starts a tenant. */
  partitionPrefix: '~q#',
  /** The one partition listing every quarantined window (few, by design). */
  listPartition: '~quarantine',
  /**
   * Attributes of a listing entry and of a quarantined window's head item; `pointer` marks
   * the small item left at the series' own key, naming the quarantine partition.
   */
  attributes: Object.freeze({ tenant: 't', seriesKey: 's', start: 'st', error: 'e', at: 'qa', location: 'ql', pointer: 'qp' }),
  /** Characters of the error kept with an entry. */
  errorChars: 1_000,
});

/** One quarantined window as the listing holds it. */
export interface QuarantineEntry {
  readonly tenant: string;
  readonly seriesKey: string;
  readonly start: number;
  /** What DynamoDB said when it refused the window. */
  readonly error: string;
  /** When the window was quarantined, ms since the epoch. */
  readonly at: number;
}

/** Items a window's chunk and offsets take in the warm table (warm-layout.ts). */
export function warmItemCount(window: Pick<WindowPayload, 'chunk' | 'sealOffset' | 'pointOffsets'>): number {
  return windowItems('', { start: 0, count: 0, ...window }).length;
}

/** A series whose primary partition key DynamoDB cannot take: its windows can only be in quarantine. */
function primaryKeyFits(tenant: string, seriesKey: string): boolean {
  return byteLength(warmPartitionKey(tenant, seriesKey)) <= MAX_PARTITION_KEY_BYTES;
}

/** The listing entry's sort key: 120 bits of the SHA-256 of "tenant#series#start". */
function quarantineListSortKey(tenant: string, seriesKey: string, start: number): string {
  const digest = createHash('sha256').update(`${tenant}#${seriesKey}#${start}`, 'utf8').digest();
  return BigInt(`0x${digest.subarray(0, 15).toString('hex')}`).toString(10);
}

type Item = Record<string, AttributeValue>;

/**
 * The pointer item at a quarantined window's own key: `qp` the quarantine partition, `n`
 * its points, and `g`/`cb` the generation and length of the quarantined chunk, so a
 * conditional delete (the archiver's deleteChunkIf) matches the pointer exactly when the
 * copy it names is the chunk that was archived.
 */
function quarantinePointer(chunk: WarmChunk, quarantinePk: string): Item {
  return {
    [WARM_TABLE_KEY.partitionKey]: { S: warmPartitionKey(chunk.tenant, chunk.seriesKey) },
    [WARM_TABLE_KEY.sortKey]: { N: String(chunk.start) },
    [QUARANTINE.attributes.pointer]: { S: quarantinePk },
    n: { N: String(chunk.count) },
    g: { N: String(windowGeneration(chunk.chunk)) },
    cb: { N: String(chunk.chunk.length) },
  };
}

function isPointer(item: Item): boolean {
  return item[QUARANTINE.attributes.pointer]?.S !== undefined;
}

/** One window to write: its items under a partition key, and whether old parts may exist. */
interface WindowWrite {
  readonly items: Item[];
  readonly mayHaveParts: boolean;
}

/** A series that has chunks on a day, as the legacy archive index lists it. */
export interface ArchivableSeries {
  readonly tenant: string;
  readonly seriesKey: string;
}

/**
 * The DynamoDB warm tier: one item per series per window (partition key
 * `tenant#seriesKey`, sort key window start, attribute `c` the chunk, `n` its points), or
 * several for a window bigger than an item (warm-layout.ts); the day index the archiver
 * finds its work in (warm-table.ts, DAY_INDEX); and the quarantine of windows DynamoDB
 * refused (QUARANTINE). Every read returns whole windows.
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
    const windows = chunks.map((c): WindowWrite => ({ items: windowItems(warmPartitionKey(c.tenant, c.seriesKey), c), mayHaveParts: c.mayHaveParts ?? false }));
    await this.writeWindows(windows, entries.map((e) => this.toIndexPutRequest(e)), events, signal);
    this.dayIndexCache.remember(entries);
    for (const c of chunks) if (c.releasesQuarantined) await this.releaseQuarantined(c.tenant, c.seriesKey, c.start, events);
  }

  /**
   * Writes windows so that a reader sees each one whole, old or new, never a mix: the parts
   * of a split window first (keys carry the new generation, so they never overwrite the
   * parts the current head names), then its head, then the parts of the head it replaced.
   * Single-item windows that cannot have had parts go in the same batches as `before`.
   */
  private async writeWindows(windows: readonly WindowWrite[], before: WriteRequest[], events: WarmWriteEvents, signal?: AbortSignal): Promise<void> {
    const batched: WriteRequest[] = [...before];
    const heads: Item[] = [];
    for (const w of windows) {
      const [head, ...parts] = w.items;
      for (const part of parts) batched.push({ PutRequest: { Item: part } });
      if (parts.length > 0 || w.mayHaveParts) heads.push(head);
      else batched.push({ PutRequest: { Item: head } });
    }
    for (const batch of warmBatches(batched)) await this.writeBatch(batch, events, signal);
    for (const head of heads) {
      const replaced = await this.retrying('PutItem', events, signal, () =>
        this.client.send(new PutItemCommand({ TableName: this.options.tableName, Item: head, ReturnValues: 'ALL_OLD', ReturnConsumedCapacity: 'TOTAL' })),
      );
      if (replaced.ConsumedCapacity?.CapacityUnits) events.onConsumedCapacity?.(replaced.ConsumedCapacity.CapacityUnits);
      if (replaced.Attributes) await this.deleteStaleParts(replaced.Attributes, head, events, signal);
    }
  }

  /** Deletes the parts `old` (a replaced or deleted head) named that `current` does not. */
  private async deleteStaleParts(old: Item, current: Item | undefined, events: WarmWriteEvents, signal?: AbortSignal): Promise<void> {
    const was = headLayout(old);
    if (was.parts <= 1) return;
    const now = current ? headLayout(current) : { parts: 0, generation: undefined };
    const pk = old[WARM_TABLE_KEY.partitionKey];
    const start = Number(old[WARM_TABLE_KEY.sortKey].N);
    const stale: WriteRequest[] = [];
    for (let i = 1; i < was.parts; i++) {
      if (now.generation === was.generation && i < now.parts) continue;
      stale.push({ DeleteRequest: { Key: { [WARM_TABLE_KEY.partitionKey]: pk, [WARM_TABLE_KEY.sortKey]: { N: partSortKey(start, was.generation!, i) } } } });
    }
    for (const batch of warmBatches(stale)) await this.writeBatch(batch, events, signal);
  }

  /**
   * Stores a window DynamoDB refused under the series' quarantine partition (a hash of its
   * identity, so the key always fits; split like any window), lists it in the quarantine
   * listing with the series-day's day-index entry (so the archiver finds it), and then,
   * when the series' own key fits, leaves a **pointer** at that key: an item of a few
   * dozen bytes (no chunk) naming the quarantine partition, which every read of the series
   * (queryChunks, getSealedChunk) follows. The pointer replaces whatever the window had
   * there (a previous seal, with its parts). DynamoDB refused the whole window, not
   * necessarily so small an item; if it refuses the pointer too, this rejects and the
   * window stays due in Redis (the caller counts a quarantine failure). Resolves once all
   * of it is durable; the caller may then let Redis drop the window.
   */
  async quarantineWindow(chunk: WarmChunk, error: unknown, events: WarmWriteEvents = {}, signal?: AbortSignal): Promise<QuarantineEntry> {
    const a = QUARANTINE.attributes;
    const entry: QuarantineEntry = {
      tenant: chunk.tenant,
      seriesKey: chunk.seriesKey,
      start: chunk.start,
      error: (error instanceof Error ? error.message : String(error)).slice(0, QUARANTINE.errorChars),
      at: (this.options.now ?? Date.now)(),
    };
    const identity: Item = {
      [a.tenant]: { S: entry.tenant },
      [a.seriesKey]: { S: entry.seriesKey },
      [a.error]: { S: entry.error },
      [a.at]: { N: String(entry.at) },
    };
    const pk = quarantinePartitionKey(chunk.tenant, chunk.seriesKey);
    await this.writeWindows([{ items: windowItems(pk, chunk, identity), mayHaveParts: true }], [], events, signal);
    const listing: Item = {
      [WARM_TABLE_KEY.partitionKey]: { S: QUARANTINE.listPartition },
      [WARM_TABLE_KEY.sortKey]: { N: quarantineListSortKey(chunk.tenant, chunk.seriesKey, chunk.start) },
      ...identity,
      [a.start]: { N: String(chunk.start) },
      [a.location]: { S: pk },
    };
    // The entry is rewritten (a new token) even when one exists: an archive run that read
    // the day before this window was quarantined then keeps the entry, and runs again.
    const dayEntry = { tenant: chunk.tenant, seriesKey: chunk.seriesKey, day: Math.floor(chunk.start / DAY_MS) };
    await this.writeBatch([{ PutRequest: { Item: listing } }, this.toIndexPutRequest(dayEntry)], events, signal);
    if (primaryKeyFits(chunk.tenant, chunk.seriesKey)) {
      // After the copy: a reader that sees the pointer always finds what it names.
      await this.writeWindows([{ items: [quarantinePointer(chunk, pk)], mayHaveParts: true }], [], events, signal);
    }
    return entry;
  }

  /** Every quarantined window (strongly consistent, paginated). */
  async quarantinedWindows(): Promise<QuarantineEntry[]> {
    const a = QUARANTINE.attributes;
    const out: QuarantineEntry[] = [];
    for await (const item of this.queryPartition(QUARANTINE.listPartition, undefined, true)) {
      out.push({
        tenant: item[a.tenant]?.S ?? '',
        seriesKey: item[a.seriesKey]?.S ?? '',
        start: Number(item[a.start]?.N),
        error: item[a.error]?.S ?? '',
        at: Number(item[a.at]?.N),
      });
    }
    return out;
  }

  /** Number of quarantined windows (a COUNT Query of the listing: 0.5 read units per MB listed). */
  async countQuarantined(): Promise<number> {
    let count = 0;
    let exclusiveStartKey: Item | undefined;
    do {
      const page = await this.query('Query', {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': WARM_TABLE_KEY.partitionKey },
        ExpressionAttributeValues: { ':pk': { S: QUARANTINE.listPartition } },
        Select: 'COUNT',
        ExclusiveStartKey: exclusiveStartKey,
      });
      count += page.Count ?? 0;
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return count;
  }

  /** The quarantined copy of a window, whole, with its seal offsets. */
  async getQuarantinedChunk(tenant: string, seriesKey: string, start: number): Promise<SealedChunk | undefined> {
    const window = await this.readWindow(quarantinePartitionKey(tenant, seriesKey), start);
    return window && toSealed(window);
  }

  /**
   * Drops a window from the quarantine (its pointer, its items and its listing entry):
   * after a re-drive wrote it to its own partition, after a seal wrote it there merged with
   * its quarantined copy, or after an operator gave it up.
   */
  async releaseQuarantined(tenant: string, seriesKey: string, start: number, events: WarmWriteEvents = {}): Promise<void> {
    const pk = quarantinePartitionKey(tenant, seriesKey);
    if (primaryKeyFits(tenant, seriesKey)) {
      // The pointer first (only if it still is one: a re-drive replaced it with the window),
      // so no reader follows it to a copy that is gone.
      await this.deleteIf(warmKey(warmPartitionKey(tenant, seriesKey), start), 'attribute_exists(#qp)', { '#qp': QUARANTINE.attributes.pointer }, {}, events);
    }
    const stale: WriteRequest[] = [];
    for await (const item of this.queryPartition(pk, { from: String(start), to: lastPartSortKey(start) }, true)) {
      stale.push({ DeleteRequest: { Key: { [WARM_TABLE_KEY.partitionKey]: item[WARM_TABLE_KEY.partitionKey], [WARM_TABLE_KEY.sortKey]: item[WARM_TABLE_KEY.sortKey] } } });
    }
    stale.push({ DeleteRequest: { Key: { [WARM_TABLE_KEY.partitionKey]: { S: QUARANTINE.listPartition }, [WARM_TABLE_KEY.sortKey]: { N: quarantineListSortKey(tenant, seriesKey, start) } } } });
    for (const batch of warmBatches(stale)) await this.writeBatch(batch, events);
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
    const deleted = await this.deleteIf(
      {
        [WARM_TABLE_KEY.partitionKey]: { S: dayIndexPartitionKey(entry.day, dayIndexShard(entry.tenant, entry.seriesKey, this.dayIndexShards)) },
        [WARM_TABLE_KEY.sortKey]: { N: dayIndexSortKey(entry.tenant, entry.seriesKey) },
      },
      '#a = :v',
      { '#a': DAY_INDEX.attributes.token },
      { ':v': { S: entry.token } },
      events,
    );
    return deleted !== undefined;
  }

  async getChunk(tenant: string, seriesKey: string, start: number): Promise<Uint8Array | undefined> {
    return (await this.getSealedChunk(tenant, seriesKey, start))?.chunk;
  }

  /**
   * The chunk of a window with its seal offsets, whole however many items it takes
   * (strongly consistent). A series whose own key DynamoDB cannot take is read from its
   * quarantine; so is a window whose own key holds a quarantine pointer, unless
   * `followQuarantine` is false (a re-drive asks what the series' own partition holds).
   */
  async getSealedChunk(tenant: string, seriesKey: string, start: number, options: { followQuarantine?: boolean } = {}): Promise<SealedChunk | undefined> {
    const [window] = await this.readSeriesWindows(tenant, seriesKey, start, start, true, options.followQuarantine ?? true);
    return window && { ...toSealed(window), ...(window.quarantined && { quarantined: true }) };
  }

  /**
   * `getSealedChunk` of many windows, in their order, with BatchGetItem: the head items of
   * up to 100 windows a call, strongly consistent. That answers every window stored as one
   * item, and every window without any (a first seal: most of them); a window whose head
   * is split over parts or points to the quarantine, or whose series' key DynamoDB cannot
   * take, is read by `getSealedChunk` as before. Unprocessed keys and retriable errors are
   * retried with backoff until `signal` aborts.
   */
  async getSealedChunks(windows: readonly WindowRef[], events: WarmWriteEvents = {}, signal?: AbortSignal): Promise<Array<SealedChunk | undefined>> {
    const out = new Array<SealedChunk | undefined>(windows.length).fill(undefined);
    const alone: number[] = [];
    // Each window's head once, however often it is asked for.
    const heads = new Map<string, { pk: string; start: number; asked: number[] }>();
    windows.forEach((w, i) => {
      if (!primaryKeyFits(w.tenant, w.seriesKey)) return void alone.push(i);
      const pk = warmPartitionKey(w.tenant, w.seriesKey);
      const key = `${pk}\n${w.start}`;
      const known = heads.get(key);
      if (known) known.asked.push(i);
      else heads.set(key, { pk, start: w.start, asked: [i] });
    });
    for (const batch of warmBatches([...heads.values()], BATCH_GET_KEYS)) {
      for (const head of await this.getHeads(batch.map((h) => warmKey(h.pk, h.start)), events, signal)) {
        const window = isPointer(head) ? undefined : assembleWindow(head, NO_PARTS);
        for (const i of heads.get(`${head[WARM_TABLE_KEY.partitionKey].S!}\n${head[WARM_TABLE_KEY.sortKey].N!}`)?.asked ?? []) {
          if (window) out[i] = toSealed(window);
          else alone.push(i);
        }
      }
    }
    for (const i of alone) out[i] = await this.getSealedChunk(windows[i].tenant, windows[i].seriesKey, windows[i].start);
    return out;
  }

  /** The head items of `keys`, strongly consistent; missing ones are absent. */
  private async getHeads(keys: Item[], events: WarmWriteEvents, signal?: AbortSignal): Promise<Item[]> {
    const heads: Item[] = [];
    const table = this.options.tableName;
    await this.untilDone('BatchGetItem', 'read', keys, events, signal, async (pending) => {
      const out = await this.client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }), signal ? { abortSignal: signal } : undefined);
      heads.push(...(out.Responses?.[table] ?? []));
      return out.UnprocessedKeys?.[table]?.Keys ?? [];
    });
    return heads;
  }

  /**
   * Chunks of a series whose window starts in [fromStart, toStart], in time order, each
   * whole (a window over several items is joined; parts of an older generation are never
   * returned; a quarantined window is read through its pointer). `consistent` reads what
   * every acknowledged write left (twice the read units). `signal` stops the read: the
   * request in flight is aborted and no further page is asked for.
   */
  async queryChunks(tenant: string, seriesKey: string, fromStart: number, toStart: number, options: { consistent?: boolean; signal?: AbortSignal } = {}): Promise<WarmChunk[]> {
    const windows = await this.readSeriesWindows(tenant, seriesKey, fromStart, toStart, options.consistent ?? false, true, options.signal);
    return windows.map((w) => ({ tenant, seriesKey, start: w.start, chunk: w.chunk, count: w.count }));
  }

  private async readWindow(pk: string, start: number): Promise<AssembledWindow | undefined> {
    const { windows } = await this.readWindows(pk, String(start), lastPartSortKey(start), true);
    return windows.find((w) => w.start === start);
  }

  /**
   * Whole windows of a series starting in [fromStart, toStart], in time order: one Query of
   * its own partition, which is all a series without quarantined windows costs. Each
   * quarantine pointer found there costs one more (strongly consistent) Query of the
   * series' quarantine partition, whose copy then stands for the window. A pointer whose
   * copy is missing raced a release or a re-drive: both partitions are read again (the
   * re-drive's window replaced the pointer), a few times, before the read fails (retriable).
   */
  private async readSeriesWindows(
    tenant: string,
    seriesKey: string,
    fromStart: number,
    toStart: number,
    consistent: boolean,
    follow: boolean,
    signal?: AbortSignal,
  ): Promise<Array<AssembledWindow & { quarantined?: boolean }>> {
    const to = lastPartSortKey(toStart);
    if (!primaryKeyFits(tenant, seriesKey)) {
      return (await this.readWindows(quarantinePartitionKey(tenant, seriesKey), String(fromStart), to, consistent, signal)).windows;
    }
    const pk = warmPartitionKey(tenant, seriesKey);
    for (let attempt = 1; ; attempt++) {
      const { windows, pointers } = await this.readWindows(pk, String(fromStart), to, consistent || attempt > 1, signal);
      if (pointers.length === 0 || !follow) return windows;
      const copies = await this.readWindows(quarantinePartitionKey(tenant, seriesKey), String(pointers[0]), lastPartSortKey(pointers[pointers.length - 1]), true, signal);
      const byStart = new Map(copies.windows.map((w) => [w.start, w]));
      const missing = pointers.find((start) => !byStart.has(start));
      if (missing === undefined) {
        const followed = pointers.map((start) => ({ ...byStart.get(start)!, quarantined: true }));
        return [...windows, ...followed].sort((x, y) => x.start - y.start);
      }
      if (attempt >= ASSEMBLE_ATTEMPTS) {
        throw new StorageError(`window ${missing} of ${pk.slice(0, 200)} points to the quarantine, which has no copy of it after ${attempt} reads`, true);
      }
    }
  }

  /**
   * Whole windows of a partition with sort keys in [from, to], and the starts of the
   * quarantine pointers there (ascending). A window missing a part of its head's
   * generation raced a re-seal or a delete: the range is read again (strongly consistent),
   * a few times, before the read fails (retriable).
   */
  private async readWindows(pk: string, from: string, to: string, consistent: boolean, signal?: AbortSignal): Promise<{ windows: AssembledWindow[]; pointers: number[] }> {
    for (let attempt = 1; ; attempt++) {
      const heads: Item[] = [];
      const parts = new Map<string, Item>();
      const pointers: number[] = [];
      for await (const item of this.queryPartition(pk, { from, to }, consistent || attempt > 1, signal)) {
        const key = item[WARM_TABLE_KEY.sortKey].N!;
        if (parseSortKey(key).part) parts.set(canonicalPartKey(key), item);
        else if (isPointer(item)) pointers.push(Number(key));
        else heads.push(item);
      }
      const windows: AssembledWindow[] = [];
      let torn: number | undefined;
      for (const head of heads) {
        const window = assembleWindow(head, parts);
        if (window) windows.push(window);
        else torn ??= Number(head[WARM_TABLE_KEY.sortKey].N);
      }
      if (torn === undefined) return { windows, pointers };
      if (attempt >= ASSEMBLE_ATTEMPTS) {
        throw new StorageError(`window ${torn} of ${pk.slice(0, 200)} is missing parts of its generation after ${attempt} reads`, true);
      }
    }
  }

  /** Items of a partition, optionally within a sort-key range, page by page. */
  private async *queryPartition(pk: string, range: { from: string; to: string } | undefined, consistent: boolean, signal?: AbortSignal): AsyncGenerator<Item> {
    let exclusiveStartKey: Item | undefined;
    do {
      if (signal?.aborted) throw new StorageError(`warm read of ${pk.slice(0, 200)} stopped: ${String(signal.reason ?? 'aborted')}`, false);
      const page = await this.query('Query', {
        KeyConditionExpression: range ? '#pk = :pk AND #sk BETWEEN :from AND :to' : '#pk = :pk',
        ExpressionAttributeNames: { '#pk': WARM_TABLE_KEY.partitionKey, ...(range && { '#sk': WARM_TABLE_KEY.sortKey }) },
        ExpressionAttributeValues: { ':pk': { S: pk }, ...(range && { ':from': { N: range.from }, ':to': { N: range.to } }) },
        ExclusiveStartKey: exclusiveStartKey,
        ...(consistent && { ConsistentRead: true }),
      }, signal);
      yield* page.Items ?? [];
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
  }

  private async query(operation: string, input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>, signal?: AbortSignal) {
    try {
      return await this.client.send(new QueryCommand({ TableName: this.options.tableName, ...input }), signal ? { abortSignal: signal } : undefined);
    } catch (error) {
      throw fromAwsError('dynamodb', operation, error);
    }
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
   * Deletes a window only if it still holds exactly `chunk`: a window re-sealed since it
   * was read (a late point merged in) is left for the next archive run instead of being
   * lost. A single-item window is compared byte for byte; a split one by its generation
   * (a hash of the chunk, warm-layout.ts) and length, then its parts go too. BatchWriteItem cannot carry a
   * condition, hence one call per head (same write units). Returns false when the window
   * changed (or is already gone).
   *
   * A quarantined window (read through its pointer) leaves the quarantine this way: the
   * pointer is deleted only if it names a copy of the same generation and length, then
   * the copy if it still holds `chunk`, then its listing entry. A window of a series whose
   * own key cannot exist is deleted from its quarantine, listing entry included.
   */
  async deleteChunkIf(tenant: string, seriesKey: string, start: number, chunk: Uint8Array, events: WarmWriteEvents = {}): Promise<boolean> {
    if (!primaryKeyFits(tenant, seriesKey)) return this.deleteQuarantinedIf(tenant, seriesKey, start, chunk, events);
    const old = await this.deleteIf(warmKey(warmPartitionKey(tenant, seriesKey), start), ...sameChunk(chunk), events);
    if (!old) return false;
    // A pointer carries `g`/`cb` of its copy, so the same condition matched it: the copy,
    // which is what the caller read and archived, goes too. Should the copy have changed
    // meanwhile (a late point quarantined again), it stays; its new pointer follows it.
    if (isPointer(old)) {
      await this.deleteQuarantinedIf(tenant, seriesKey, start, chunk, events);
      return true;
    }
    await this.deleteStaleParts(old, undefined, events);
    return true;
  }

  /** Deletes a quarantined copy if it still holds `chunk`, its parts, then its listing entry. */
  private async deleteQuarantinedIf(tenant: string, seriesKey: string, start: number, chunk: Uint8Array, events: WarmWriteEvents): Promise<boolean> {
    const old = await this.deleteIf(warmKey(quarantinePartitionKey(tenant, seriesKey), start), ...sameChunk(chunk), events);
    if (!old) return false;
    await this.deleteStaleParts(old, undefined, events);
    const listing = { [WARM_TABLE_KEY.partitionKey]: { S: QUARANTINE.listPartition }, [WARM_TABLE_KEY.sortKey]: { N: quarantineListSortKey(tenant, seriesKey, start) } };
    await this.writeBatch([{ DeleteRequest: { Key: listing } }], events);
    return true;
  }

  /** DeleteItem under `condition`; the old item, or undefined when the condition failed (or the item is gone). */
  private async deleteIf(
    key: Item,
    condition: string,
    names: Record<string, string>,
    values: Record<string, AttributeValue>,
    events: WarmWriteEvents,
  ): Promise<Item | undefined> {
    try {
      const out = await this.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: key,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          // DynamoDB refuses an empty map here (a condition such as attribute_exists has no values).
          ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
          ReturnValues: 'ALL_OLD',
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      if (out.ConsumedCapacity?.CapacityUnits) events.onConsumedCapacity?.(out.ConsumedCapacity.CapacityUnits);
      return out.Attributes ?? {};
    } catch (error) {
      const mapped = fromAwsError('dynamodb', 'DeleteItem', error);
      if (mapped instanceof StorageRequestError && mapped.conditionFailed) return undefined;
      throw mapped;
    }
  }

  private async writeBatch(requests: WriteRequest[], events: WarmWriteEvents, signal?: AbortSignal): Promise<void> {
    const table = this.options.tableName;
    await this.untilDone('BatchWriteItem', 'write', requests, events, signal, async (pending) => {
      const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending }, ReturnConsumedCapacity: 'TOTAL' }));
      const units = (out.ConsumedCapacity ?? []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      if (units > 0) events.onConsumedCapacity?.(units);
      return out.UnprocessedItems?.[table] ?? [];
    });
  }

  /**
   * A batch call over `items`, then again over what it left unprocessed (it resolves to
   * that), with full-jitter exponential backoff before each retry, and after a retriable
   * error; until nothing is left or `signal` aborts. Throttling slows the caller down but
   * never drops an item.
   */
  private async untilDone<T>(operation: string, verb: string, items: T[], events: WarmWriteEvents, signal: AbortSignal | undefined, call: (pending: T[]) => Promise<T[]>): Promise<void> {
    let pending = items;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await (this.options.sleep ?? sleep)(this.backoff(attempt), signal);
      if (signal?.aborted) throw new StorageError(`warm ${verb} of ${pending.length} item(s) aborted`, true);
      try {
        pending = await call(pending);
        if (pending.length > 0) events.onRetry?.({ reason: 'unprocessed', items: pending.length, delayMs: this.backoff(attempt + 1) });
      } catch (error) {
        const mapped = fromAwsError('dynamodb', operation, error);
        if (!isRetriable(mapped)) throw mapped;
        const throttled = mapped instanceof StorageRequestError && mapped.throttled;
        events.onRetry?.({ reason: throttled ? 'throttled' : 'error', items: pending.length, delayMs: this.backoff(attempt + 1), error: mapped });
      }
    }
  }

  /** One call, retried with backoff while its error is retriable and `signal` has not aborted. */
  private async retrying<T>(operation: string, events: WarmWriteEvents, signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await (this.options.sleep ?? sleep)(this.backoff(attempt), signal);
      if (signal?.aborted) throw new StorageError(`warm ${operation} aborted`, true);
      try {
        return await call();
      } catch (error) {
        const mapped = fromAwsError('dynamodb', operation, error);
        if (!isRetriable(mapped)) throw mapped;
        const throttled = mapped instanceof StorageRequestError && mapped.throttled;
        events.onRetry?.({ reason: throttled ? 'throttled' : 'error', items: 1, delayMs: this.backoff(attempt + 1), error: mapped });
      }
    }
  }

  private backoff(attempt: number): number {
    const base = this.options.baseDelayMs ?? 50;
    const cap = this.options.maxDelayMs ?? 5_000;
    return Math.round((this.options.random ?? Math.random)() * Math.min(cap, base * 2 ** Math.min(attempt, 20)));
  }
}

function warmKey(pk: string, start: number): Item {
  return { [WARM_TABLE_KEY.partitionKey]: { S: pk }, [WARM_TABLE_KEY.sortKey]: { N: String(start) } };
}

/**
 * The condition (with its names and values) that a window's head still holds exactly
 * `chunk`: byte for byte for a one-item window, by generation and length for a split one
 * (and for a quarantine pointer, which carries its copy's).
 */
function sameChunk(chunk: Uint8Array): [string, Record<string, string>, Record<string, AttributeValue>] {
  const split = { ':g': { N: String(windowGeneration(chunk)) }, ':lg': { N: String(legacyWindowGeneration(chunk)) }, ':cb': { N: String(chunk.length) } };
  const byGeneration = '#g IN (:g, :lg) AND #cb = :cb';
  if (chunk.length > WARM_ITEM_PAYLOAD_BYTES) return [byGeneration, { '#g': 'g', '#cb': 'cb' }, split];
  return [`(attribute_not_exists(#p) AND #c = :c) OR (${byGeneration})`, { '#g': 'g', '#cb': 'cb', '#p': 'p', '#c': 'c' }, { ...split, ':c': { B: chunk } }];
}

function toSealed(window: AssembledWindow): SealedChunk {
  if (window.sealOffset === undefined) return { chunk: window.chunk, seal: { base: undefined, points: NO_POINT_OFFSETS } };
  const base = window.sealOffset;
  return { chunk: window.chunk, seal: { base, points: window.offsets ? decodePointOffsets(window.offsets, base).points : NO_POINT_OFFSETS } };
}
