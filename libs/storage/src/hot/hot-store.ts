import type { Tracer } from '@opentelemetry/api';
import Redis, { type Cluster } from 'ioredis';
import { decodeChunkPoints } from '../codec/chunk';
import { StorageError } from '../errors';
import { DEFAULT_WRITER_GROUP, dueMember, hotKeys, parseDueMember, seriesId, windowStart, type WindowRef } from './hot-keys';
import { decodePackedHot, encodeHotValue, encodePackedHot, type PackedHot } from './hot-value';
import { decodeWindowHash, encodePackedField, encodePackedRecord, PACKED_FIELD_MIN_POINTS, packedFieldName, packedFieldNewest, packedRecordOfChunk } from './window-hash';
import type { SealOffsets } from './seal-offsets';
import type { UnsealedColumns } from './seal-merge';
import { catalogCommands, RECORD_SERIES, type CatalogUpdate } from './series-catalog';
import { ACQUIRE_LEASE, ADVANCE_PROJECTED, APPLY_IF_NEWER, BEGIN_SEAL, FINISH_SEAL, MERGE_PACKED, REBUILD_START, RELEASE_LEASE } from './lua-scripts';
import { tracePipeline } from './redis-tracing';
import { RespEncoder, RespPipe, type RespScript } from './resp-pipe';

export interface HotPoint {
  readonly timestampMs: number;
  readonly value: number;
  /** Kafka offset of the record that wrote the point; undefined for values stored before offsets were kept. */
  readonly offset?: number;
}

export interface HotSeriesWrite {
  readonly tenant: string;
  readonly seriesKey: string;
  readonly points: readonly HotPoint[];
  /**
   * Record the series in the tenant's catalogue with the UTC days of these points (skip
   * when recently done for these days): see series-catalog.ts.
   */
  readonly index?: { readonly oldestDay: number; readonly newestDay: number };
  /**
   * Kafka offset of the record these points come from (one partition, so offsets order
   * the writes of a series). Stored with every value; omit only in tests of legacy data.
   */
  readonly offset?: number;
  /**
   * The points as one chunk instead (a packed log record's, timestamps since the epoch, its
   * checksum and header checked by whoever read it; `points` is then empty). One that falls
   * in one window, with at least PACKED_FIELD_MIN_POINTS points, becomes that window's packed
   * field as it is; any other is decoded and written as `points` would be.
   */
  readonly packed?: { readonly bytes: Uint8Array; readonly count: number; readonly firstMs: number; readonly lastMs: number };
}

export interface AppendOptions {
  /**
   * Write a point only where Redis holds no write of it from a later record (for the
   * replay group, which applies old records while the main group applies new ones).
   * @default false (overwrite: the main group applies records in log order)
   */
  readonly ifNewer?: boolean;
  /**
   * Advance the partition's projected offset (`hotKeys.projected`) from `expect` (null:
   * absent) to `next`, after the points. Only the main group's writer does, for the
   * partitions it owns (docs/write-path.md, "Rebuilding the hot tier").
   */
  readonly projected?: { readonly expect: number | null; readonly next: number };
}

/** What an append found besides storing its points. */
export interface AppendResult {
  /**
   * False when the projected offset was not where the writer left it: Redis lost or rolled
   * back writes of this partition. Undefined when no advance was asked for.
   */
  readonly projectedAdvanced?: boolean;
}

export interface HotStoreOptions {
  /** Window length; a divisor of a day. */
  readonly windowMs: number;
  /** How long after a window's end it is sealed, waiting for late points. */
  readonly sealGraceMs: number;
  /** How long a sealed window stays in Redis after its end. */
  readonly retentionMs: number;
  /** The main writer group whose log offsets the store keeps (hotKeys). @default DEFAULT_WRITER_GROUP */
  readonly group?: string;
  /** Called when merging a window's packed fields failed (the fields stay as they were; nothing is lost). */
  readonly onCompactionError?: (error: unknown) => void;
  /**
   * Appends to a single node go as RESP bytes on a connection of their own (resp-pipe.ts),
   * not through ioredis; false sends them through the client given (STRATA_REDIS_DIRECT_APPENDS).
   * A Cluster's always go through the client.
   * @default true
   */
  readonly directAppends?: boolean;
  /** Traces each append pipeline of the direct connection as the client's traced pipelines are (redis-tracing.ts). */
  readonly tracer?: Tracer;
  /**
   * A window already past its due time when points arrive for it (a backfill, late points
   * into a sealed window) is due this long after the first of them, and stays so while more
   * arrive: sealed once per delay, not on every seal round while they keep coming. 0 marks it
   * due at once, as is every window older than `retentionMs` (readers do not ask Redis for
   * it). The points are readable from Redis meanwhile, and their log records stay in the
   * rebuild's range until the seal (docs/write-path.md, "Late windows").
   * @default 0
   */
  readonly resealDelayMs?: number;
  /**
   * A record's packed field as the record kind (`0xF3`, window-hash.ts); false writes it as
   * one run (`0xF2`), which releases before the record kind read. For a rolling upgrade
   * from such a release (STRATA_HOT_RECORD_FIELDS; docs/operations.md).
   * @default true
   */
  readonly recordFields?: boolean;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The name of the direct connection in CLIENT LIST. */
export const DIRECT_APPENDS_CLIENT = 'strata-hot-appends';

/** The scripts an append may call, as defined on the client: the direct connection calls them by SHA-1. */
const APPEND_SCRIPTS: Readonly<Record<string, RespScript>> = {
  strataApplyIfNewer: { lua: APPLY_IF_NEWER },
  strataAdvanceProjected: { numberOfKeys: 1, lua: ADVANCE_PROJECTED },
  strataRecordSeries: { lua: RECORD_SERIES },
};

/** What a seal starts from: points taken from the open window, and the previous seal. */
export interface SealInput {
  readonly window: WindowRef;
  /** Points written since the last seal, sorted by time, with their record offsets. */
  readonly points: HotPoint[];
  /**
   * The same points as columns, as the hash decoded them (the seal merges columns): beginSeal
   * gives them, and then builds `points` only when asked.
   */
  readonly columns?: UnsealedColumns;
  /** The previous seal of this window still in Redis, if any, with its seal offsets. */
  readonly packed: PackedHot | null;
  /** The replay group wrote into the window since its last seal (see `MergeOptions`). */
  readonly replayed: boolean;
}

type Client = Redis | Cluster;

/** Series ids remembered; past this the map starts over (a few MB at most). */
const SID_CACHE_SIZE = 200_000;

/**
 * The Redis hot tier (single node or Cluster). Writes are idempotent per timestamp: a
 * replayed record sets the same field to the same value. Every value carries the offset
 * of the record that wrote it, so a replay never puts back a value a later record replaced
 * (docs/write-path.md, "Log order in the hot tier"). Open windows never expire, so
 * nothing leaves Redis before it is sealed into the warm tier; sealed windows expire
 * `retentionMs` after their end. See docs/write-path.md.
 *
 * Not safe for two sealers of one partition at once: callers hold the partition lease.
 */
export class RedisHotStore {
  /** Series ids by tenant, then series key: no `tenant/key` string is built per record to look one up. */
  private readonly sids = new Map<string, Map<string, string>>();
  private sidCount = 0;
  private readonly group: string;
  /** Open window key → the packed fields this store wrote into it since they were last merged (record offset, time span). */
  private readonly packs = new Map<string, { start: number; fields: Array<{ offset: number; from: number; to: number }>; overlaps: number; latest: number }>();
  /** Merges of packed fields, one at a time, after the appends that called for them. */
  private compaction: Promise<void> = Promise.resolve();
  /** The direct connection for appends to a single node (undefined: they go through the client). */
  private readonly pipe: RespPipe | undefined;
  private readonly encoder = new RespEncoder();
  private readonly server: Record<string, string | number> = {};

  constructor(
    private readonly redis: Client,
    readonly options: HotStoreOptions,
  ) {
    this.group = options.group ?? DEFAULT_WRITER_GROUP;
    redis.defineCommand('strataBeginSeal', { numberOfKeys: 4, lua: BEGIN_SEAL });
    redis.defineCommand('strataFinishSeal', { numberOfKeys: 3, lua: FINISH_SEAL });
    redis.defineCommand('strataAcquireLease', { numberOfKeys: 1, lua: ACQUIRE_LEASE });
    redis.defineCommand('strataReleaseLease', { numberOfKeys: 1, lua: RELEASE_LEASE });
    redis.defineCommand('strataApplyIfNewer', { lua: APPLY_IF_NEWER });
    redis.defineCommand('strataAdvanceProjected', { numberOfKeys: 1, lua: ADVANCE_PROJECTED });
    redis.defineCommand('strataRebuildStart', { numberOfKeys: 2, lua: REBUILD_START });
    // The key count is the first argument (see catalogCommands).
    redis.defineCommand('strataRecordSeries', { lua: RECORD_SERIES });
    redis.defineCommand('strataMergePacked', { numberOfKeys: 1, lua: MERGE_PACKED });
    if (redis instanceof Redis && !redis.options.path && (options.directAppends ?? true)) {
      const { host, port, username, password, db, tls, connectTimeout } = redis.options;
      this.server = { 'server.address': host ?? '', 'server.port': port ?? 6379 };
      this.pipe = new RespPipe({ host: host ?? '127.0.0.1', port: port ?? 6379, username, password, db, tls, connectTimeoutMs: connectTimeout, scripts: APPEND_SCRIPTS, clientName: DIRECT_APPENDS_CLIENT });
      // The connection lives as long as the client: closed when the client ends (quit, disconnect).
      redis.on('end', () => this.pipe?.close());
    }
  }

  /** Due time of a window: its end plus the seal grace. */
  dueAt(start: number): number {
    return start + this.options.windowMs + this.options.sealGraceMs;
  }

  /**
   * Whether a window that gets points at `now` waits `resealDelayMs` before its seal: past
   * its due time, and still within the retention, where readers ask Redis for it (older
   * windows are read from DynamoDB only, so their points are sealed at once to be readable).
   */
  private isLate(start: number, now: number): boolean {
    return (this.options.resealDelayMs ?? 0) > 0 && this.dueAt(start) <= now && start + this.options.windowMs + this.options.retentionMs > now;
  }

  /**
   * Writes points of one Kafka partition's records. Resolves once Redis acknowledged
   * every command; rejects (retriable) if any failed, in which case the caller must not
   * commit the records' offsets. With `ifNewer`, each series' points go through one Lua
   * call (all in one pipeline), which skips points Redis holds from a later record.
   *
   * Each window written is also entered in the partition's `unsealedFrom` set with the
   * lowest record offset written into it since its last seal, so the offset a rebuild must
   * start from is known without scanning (ZADD LT keeps the lowest).
   */
  async append(partition: number, writes: readonly HotSeriesWrite[], options: AppendOptions = {}): Promise<AppendResult> {
    const commands: Array<[string, ...Array<string | number | Buffer>]> = [];
    // One ZADD for every window of the batch and one catalogue script call per tenant, after the HSETs: a
    // command per record costs the writer more CPU than the points themselves, and a window
    // is still marked due only after its points are in (see settleDue).
    const due: Array<string | number> = [];
    // Late windows: ZADD NX, so that later points do not push a window's seal further away.
    const lateDue: Array<string | number> = [];
    const now = (this.options.now ?? Date.now)();
    const unsealedFrom: Array<string | number> = [];
    const newSeries = new Map<string, CatalogUpdate[]>();
    const packed: Array<{ key: string; start: number; offset: number; from: number; to: number }> = [];
    for (const write of writes) {
      const sid = this.sid(write.tenant, write.seriesKey);
      // A record may hold a timestamp twice; its later point wins. Deduplicated here because
      // the conditional write sees both with the same offset and would keep the first.
      const packedSpans = new Map<number, { from: number; to: number }>();
      // A packed record's chunk goes in as it is where it can; elsewhere its points go the usual way.
      const asIs = write.packed && this.chunkWindow(write.packed, write.offset, options, packedSpans);
      const points = write.packed && !asIs ? decodeChunkPoints(write.packed.bytes) : write.points;
      const packable = asIs !== undefined || (!options.ifNewer && write.offset !== undefined && points.length >= PACKED_FIELD_MIN_POINTS);
      const byWindow = asIs ?? (packable ? this.packWindows(points, write.offset!, packedSpans) : this.pointFieldWindows(points, write.offset));
      if (options.ifNewer) {
        if (write.offset === undefined) throw new StorageError(`a conditional hot write of ${write.seriesKey} needs its record offset`, false);
        // One script call per window and slice: the script compares point by point, so
        // splitting a record's points changes nothing but the size of each call.
        for (const [start, points] of byWindow) {
          const keys = [hotKeys.open(sid, start), hotKeys.sealing(sid, start), hotKeys.replayed(sid, start)];
          for (const slice of fieldSlices(points)) commands.push(['strataApplyIfNewer', String(keys.length), ...keys, String(write.offset), String(slice.length / 2), ...slice]);
        }
      }
      for (const [start, points] of byWindow) {
        // The window is marked due even where the conditional write kept every point: the
        // sealer skips a due window with nothing unsealed (no warm write).
        if (!options.ifNewer) for (const slice of fieldSlices(points)) commands.push(['hset', hotKeys.open(sid, start), ...slice]);
        const span = packable ? packedSpans.get(start) : undefined;
        if (span) packed.push({ key: hotKeys.open(sid, start), start, offset: write.offset!, ...span });
        const member = dueMember({ tenant: write.tenant, seriesKey: write.seriesKey, start });
        if (this.isLate(start, now)) lateDue.push(now + this.options.resealDelayMs!, member);
        else due.push(this.dueAt(start), member);
        if (write.offset !== undefined) unsealedFrom.push(write.offset, member);
      }
      if (write.index) {
        const update = { seriesKey: write.seriesKey, ...write.index };
        const updates = newSeries.get(write.tenant);
        if (updates) updates.push(update);
        else newSeries.set(write.tenant, [update]);
      }
    }
    for (const slice of argSlices(due, 2)) commands.push(['zadd', hotKeys.due(partition), ...slice]);
    for (const slice of argSlices(lateDue, 2)) commands.push(['zadd', hotKeys.due(partition), 'NX', ...slice]);
    for (const slice of argSlices(unsealedFrom, 2)) commands.push(['zadd', hotKeys.unsealedFrom(partition, this.group), 'LT', ...slice]);
    for (const [tenant, updates] of newSeries) commands.push(...catalogCommands(tenant, updates));
    const { projected } = options;
    if (!projected) {
      await this.run(commands);
      this.notePacked(packed);
      return {};
    }
    // Last, after every point: a Redis that dies mid-pipeline never claims more than it holds.
    commands.push(['strataAdvanceProjected', hotKeys.projected(partition, this.group), projected.expect === null ? '' : String(projected.expect), String(projected.next)]);
    const results = await this.run(commands);
    this.notePacked(packed);
    return { projectedAdvanced: Number(results[results.length - 1]) === 1 };
  }

  /**
   * Resolves once every merge of packed fields that appends so far called for has run
   * (or failed, reported to `onCompactionError`).
   */
  compacted(): Promise<void> {
    return this.compaction;
  }

  /**
   * Keeps count of the packed fields written per open window. A packed field is never
   * overwritten (window-hash.ts), so a client that rewrites the same large series again and
   * again would pile up copies of it until the seal. Once PACKED_OVERLAPS_BEFORE_MERGE of a
   * window's fields overlapped others in time, or it holds PACKED_FIELDS_BEFORE_MERGE, they are
   * merged into one. Records over distinct spans (a backfill, a series split over records)
   * waste nothing and are left apart until there are many.
   */
  private notePacked(written: ReadonlyArray<{ key: string; start: number; offset: number; from: number; to: number }>): void {
    for (const { key, start, offset, from, to } of written) {
      let entry = this.packs.get(key);
      if (!entry) {
        if (this.packs.size >= PACKED_WINDOWS_TRACKED) this.packs.clear();
        this.packs.set(key, (entry = { start, fields: [], overlaps: 0, latest: -Infinity }));
      }
      // Records of a series mostly follow each other in time: one past every field so far overlaps none.
      if (from <= entry.latest && entry.fields.some((field) => field.from <= to && from <= field.to)) entry.overlaps++;
      entry.fields.push({ offset, from, to });
      entry.latest = Math.max(entry.latest, to);
      if (entry.overlaps < PACKED_OVERLAPS_BEFORE_MERGE && entry.fields.length < PACKED_FIELDS_BEFORE_MERGE) continue;
      const offsets = entry.fields.map((field) => field.offset);
      const span = { offset: Math.max(...offsets), from: Math.min(...entry.fields.map((f) => f.from)), to: Math.max(...entry.fields.map((f) => f.to)) };
      entry.fields = [span];
      entry.overlaps = 0;
      entry.latest = span.to;
      this.compaction = this.compaction.then(() =>
        this.mergePacked(key, start, offsets).catch((error: unknown) => {
          this.packs.delete(key);
          this.options.onCompactionError?.(error);
        }),
      );
    }
  }

  /**
   * Replaces packed fields of an open window by one holding their points, each timestamp with
   * the value and record offset of the newest record, only if every one of them is still in
   * the open hash: a seal that took the window since (or a failover) leaves them, and nothing
   * changes.
   */
  private async mergePacked(key: string, start: number, offsets: readonly number[]): Promise<void> {
    const names = [...new Set(offsets)].map(packedFieldName);
    if (names.length < 2) return;
    const values = await this.redis.hmgetBuffer(key, ...names);
    if (values.some((value) => value === null)) {
      this.packs.delete(key);
      return;
    }
    const pairs = names.flatMap((name, i) => [Buffer.from(name, 'latin1'), values[i]!]);
    const merged = decodeWindowHash(start, pairs, (reason) => new StorageError(`a packed field of ${key} is corrupt: ${reason}`, false));
    const pointOffsets = merged.offsets as readonly number[]; // packed points always carry their record's offset
    const value = encodePackedField(merged.timestamps, merged.values, pointOffsets);
    const done = await (this.redis as unknown as SealCommands).strataMergePacked(key, packedFieldName(packedFieldNewest(pointOffsets)), value, ...names);
    if (Number(done) !== 1) this.packs.delete(key);
  }

  /**
   * A packed record's chunk as its window's packed field, where it can be stored as it is:
   * in one window, enough points, a record offset, not a conditional write, and the record
   * kind written. Undefined otherwise.
   */
  private chunkWindow(
    packed: NonNullable<HotSeriesWrite['packed']>,
    offset: number | undefined,
    options: AppendOptions,
    spans: Map<number, { from: number; to: number }>,
  ): Map<number, Map<string, Buffer>> | undefined {
    if (options.ifNewer || offset === undefined || this.options.recordFields === false || packed.count < PACKED_FIELD_MIN_POINTS) return undefined;
    const start = windowStart(packed.firstMs, this.options.windowMs);
    if (packed.lastMs >= start + this.options.windowMs) return undefined;
    spans.set(start, { from: packed.firstMs, to: packed.lastMs });
    return new Map([[start, new Map([[packedFieldName(offset), packedRecordOfChunk(start, packed.bytes, { verifyChecksum: false })]])]]);
  }

  /** A record's points as point fields per window (the later of two points of one timestamp wins). */
  private pointFieldWindows(points: readonly HotPoint[], offset: number | undefined): Map<number, Map<string, Buffer>> {
    const byWindow = new Map<number, Map<string, Buffer>>();
    for (const point of points) {
      const start = windowStart(point.timestampMs, this.options.windowMs);
      let fields = byWindow.get(start);
      if (!fields) byWindow.set(start, (fields = new Map()));
      fields.set(String(point.timestampMs - start), encodeHotValue(point.value, offset));
    }
    return byWindow;
  }

  /**
   * A large record's points per window: one packed field (window-hash.ts) where the record
   * brings at least PACKED_FIELD_MIN_POINTS points to the window, point fields elsewhere.
   */
  private packWindows(points: readonly HotPoint[], offset: number, spans: Map<number, { from: number; to: number }>): Map<number, Map<string, Buffer>> {
    const fields = new Map<number, Map<string, Buffer>>();
    const put = (start: number, timestamps: Float64Array, values: Float64Array) => {
      if (timestamps.length < PACKED_FIELD_MIN_POINTS) {
        fields.set(start, new Map(Array.from(timestamps, (t, i) => [String(t - start), encodeHotValue(values[i], offset)])));
        return;
      }
      const value = this.options.recordFields === false ? encodePackedField(timestamps, values, offset) : encodePackedRecord(start, timestamps, values);
      fields.set(start, new Map([[packedFieldName(offset), value]]));
      spans.set(start, { from: timestamps[0], to: timestamps[timestamps.length - 1] });
    };
    // Clients send a series' points in time order almost always: then each window's points
    // are a slice, with no map and no sort.
    let sorted = true;
    for (let i = 1; i < points.length && sorted; i++) sorted = points[i - 1].timestampMs < points[i].timestampMs;
    if (sorted) {
      for (let from = 0; from < points.length; ) {
        const start = windowStart(points[from].timestampMs, this.options.windowMs);
        let to = from + 1;
        while (to < points.length && points[to].timestampMs < start + this.options.windowMs) to++;
        const timestamps = new Float64Array(to - from);
        const values = new Float64Array(to - from);
        for (let i = from; i < to; i++) {
          timestamps[i - from] = points[i].timestampMs;
          values[i - from] = points[i].value;
        }
        put(start, timestamps, values);
        from = to;
      }
      return fields;
    }
    // Otherwise the later of two points of one timestamp wins, as with point fields.
    const byWindow = new Map<number, Map<number, number>>();
    for (const point of points) {
      const start = windowStart(point.timestampMs, this.options.windowMs);
      let values = byWindow.get(start);
      if (!values) byWindow.set(start, (values = new Map()));
      values.set(point.timestampMs, point.value);
    }
    for (const [start, values] of byWindow) {
      const timestamps = Float64Array.from(values.keys()).sort();
      put(start, timestamps, Float64Array.from(timestamps, (t) => values.get(t)!));
    }
    return fields;
  }

  /** The offset after the last record of the partition Redis holds entirely; null when absent. */
  async projectedOffset(partition: number): Promise<number | null> {
    const value = await this.redis.get(hotKeys.projected(partition, this.group));
    return value === null ? null : Number(value);
  }

  /**
   * The lowest record offset among the partition's unsealed points, or null when every
   * point written is sealed.
   */
  async lowestUnsealedOffset(partition: number): Promise<number | null> {
    const [, score] = await this.redis.zrange(hotKeys.unsealedFrom(partition, this.group), 0, 0, 'WITHSCORES');
    return score === undefined ? null : Number(score);
  }

  /**
   * Where a rebuild of the partition would have to start if Redis lost its data now: every
   * record below the returned offset is durable in the warm tier (it is below the projected
   * offset, and its windows were sealed since). Null while Redis holds no projected offset
   * for the partition (nothing to vouch for). Both values come from one atomic read.
   */
  async rebuildStart(partition: number): Promise<{ projected: number; start: number } | null> {
    const [projected, lowest] = (await (this.redis as unknown as SealCommands).strataRebuildStart(
      hotKeys.projected(partition, this.group),
      hotKeys.unsealedFrom(partition, this.group),
    )) as [string | null, string | null];
    if (projected === null || projected === undefined) return null;
    const p = Number(projected);
    return { projected: p, start: lowest === null || lowest === undefined ? p : Math.min(p, Number(lowest)) };
  }

  /** {@link seriesId}, remembered for the series this writer sees (a digest per record otherwise). */
  private sid(tenant: string, seriesKey: string): string {
    let ofTenant = this.sids.get(tenant);
    let sid = ofTenant?.get(seriesKey);
    if (sid === undefined) {
      if (this.sidCount >= SID_CACHE_SIZE) {
        this.sids.clear();
        this.sidCount = 0;
        ofTenant = undefined;
      }
      if (!ofTenant) this.sids.set(tenant, (ofTenant = new Map()));
      sid = seriesId(tenant, seriesKey);
      ofTenant.set(seriesKey, sid);
      this.sidCount++;
    }
    return sid;
  }

  /** Windows of a partition due for sealing at `now`, oldest first. */
  async dueWindows(partition: number, now: number, limit: number): Promise<WindowRef[]> {
    const members = await this.redis.zrangebyscore(hotKeys.due(partition), '-inf', now, 'LIMIT', 0, limit);
    return members.map(parseDueMember);
  }

  /** Number of windows waiting to be sealed in a partition (the flush backlog). */
  backlog(partition: number): Promise<number> {
    return this.redis.zcard(hotKeys.due(partition));
  }

  /**
   * For each partition, the windows due by `now` and the windows waiting in all: what a seal
   * round looks at before it takes a partition's lease, in one round trip on a single node
   * (per node on a cluster) instead of a few per partition.
   */
  async dueCounts(partitions: readonly number[], now: number): Promise<Array<{ due: number; waiting: number }>> {
    if (partitions.length === 0) return [];
    if ('isCluster' in this.redis && this.redis.isCluster) {
      return Promise.all(
        partitions.map(async (p) => {
          const [due, waiting] = await Promise.all([this.redis.zcount(hotKeys.due(p), '-inf', now), this.redis.zcard(hotKeys.due(p))]);
          return { due, waiting };
        }),
      );
    }
    const pipeline = this.redis.pipeline();
    for (const p of partitions) pipeline.zcount(hotKeys.due(p), '-inf', now).zcard(hotKeys.due(p));
    const answers = await pipeline.exec();
    const failed = answers?.find(([error]) => error !== null);
    if (!answers || failed) throw new StorageError(`redis refused the seal backlog read: ${failed?.[0]?.message ?? 'pipeline aborted'}`, true);
    return partitions.map((_, i) => ({ due: Number(answers[2 * i][1]), waiting: Number(answers[2 * i + 1][1]) }));
  }

  async beginSeal(window: WindowRef): Promise<SealInput> {
    const sid = seriesId(window.tenant, window.seriesKey);
    const [fields, packed, replayed] = (await (this.redis as unknown as SealCommands).strataBeginSealBuffer(
      hotKeys.open(sid, window.start),
      hotKeys.sealing(sid, window.start),
      hotKeys.packed(sid, window.start),
      hotKeys.replayed(sid, window.start),
    )) as [Buffer[], Buffer | null, number];
    const columns = decodeWindowHash(window.start, fields, (reason) => new StorageError(`the sealing hash of ${dueMember(window).slice(0, 200)} is corrupt: ${reason}`, false));
    let points: HotPoint[] | undefined;
    return {
      window,
      columns,
      // An object per point only for a caller that asks (the sealer merges the columns).
      get points(): HotPoint[] {
        return (points ??= columnPoints(columns));
      },
      packed: packed ? decodePackedHot(packed) : null,
      replayed: replayed === 1,
    };
  }

  /**
   * Records that `chunk` (the whole window) is durable in the warm tier: keeps it packed
   * in Redis until the hot retention ends, drops the sealed points, and takes the window
   * off the due set unless new points arrived meanwhile. The seal's offsets (seal-offsets.ts)
   * are kept with the packed copy.
   */
  async finishSeal(window: WindowRef, partition: number, chunk: Uint8Array, now: number, seal?: SealOffsets): Promise<void> {
    const sid = seriesId(window.tenant, window.seriesKey);
    const expiresAt = window.start + this.options.windowMs + this.options.retentionMs;
    // A window sealed after its retention (a very late point) still stays an hour, so a
    // read right after the write sees it in the hot tier.
    const ttlMs = Math.max(expiresAt - now, 3_600_000);
    await (this.redis as unknown as SealCommands).strataFinishSeal(
      hotKeys.sealing(sid, window.start),
      hotKeys.packed(sid, window.start),
      hotKeys.replayed(sid, window.start),
      encodePackedHot(chunk, seal?.base, seal?.points),
      ttlMs,
    );
    await this.settleDue(window, partition);
  }

  /**
   * Takes a window off its partition's due and unsealed-from sets, unless it has unsealed
   * points. ZREM first, then look for new points: however the projector's HSET + ZADDs
   * interleave with these steps, a window with unsealed points stays due, and stays in the
   * unsealed-from set with an offset no higher than its oldest unsealed point's (the score
   * it had before, which may be lower than needed: a rebuild then replays a little more).
   */
  async settleDue(window: WindowRef, partition: number): Promise<void> {
    const sid = seriesId(window.tenant, window.seriesKey);
    const member = dueMember(window);
    const due = hotKeys.due(partition);
    const unsealedFrom = hotKeys.unsealedFrom(partition, this.group);
    // Both sets share the partition's slot: one round trip each way, also on a Cluster.
    const taken = await this.redis.multi().zscore(unsealedFrom, member).zrem(due, member).zrem(unsealedFrom, member).exec();
    const failed = taken?.find(([error]) => error !== null);
    if (!taken || failed) throw new StorageError(`redis refused to settle ${member.slice(0, 200)}: ${failed?.[0]?.message ?? 'transaction aborted'}`, true);
    const from = taken[0][1] as string | null;
    if ((await this.redis.exists(hotKeys.open(sid, window.start))) === 1) {
      const now = (this.options.now ?? Date.now)();
      const putBack = this.redis.multi().zadd(due, this.isLate(window.start, now) ? now + this.options.resealDelayMs! : this.dueAt(window.start), member);
      if (from !== null) putBack.zadd(unsealedFrom, 'LT', from, member);
      await putBack.exec();
    }
  }

  /** Takes or renews the sealing lease of a partition; true when `owner` holds it. */
  async acquireLease(partition: number, owner: string, ttlMs: number): Promise<boolean> {
    return (await (this.redis as unknown as SealCommands).strataAcquireLease(hotKeys.lease(partition), owner, ttlMs)) === 1;
  }

  async releaseLease(partition: number, owner: string): Promise<void> {
    await (this.redis as unknown as SealCommands).strataReleaseLease(hotKeys.lease(partition), owner);
  }

  /** Runs the commands in order (one pipeline on a single node); resolves with their results. */
  private async run(commands: Array<[string, ...Array<string | number | Buffer>]>): Promise<unknown[]> {
    if (commands.length === 0) return [];
    if ('isCluster' in this.redis && this.redis.isCluster) {
      // Cluster pipelines must stay within one node; auto-pipelining groups per node. The
      // projected offset must still come after every point, so it waits for them.
      const last = commands[commands.length - 1];
      const advance = last[0] === 'strataAdvanceProjected' ? commands.pop()! : undefined;
      const results: unknown[] = await Promise.all(
        commands.map(([name, ...args]) =>
          // Scripts go through their defined command, which loads them on a node that lacks them.
          name.startsWith('strata') ? (this.redis as unknown as ScriptCommands)[name](...args) : this.redis.call(name, ...args),
        ),
      );
      if (advance) {
        const [name, ...args] = advance;
        results.push(await (this.redis as unknown as ScriptCommands)[name](...args));
      }
      return results;
    }
    // A batch of large records goes as several pipelines, one after another: building and
    // sending one pipeline holds the event loop (every other partition's batch, and so
    // every other series' freshness) for as long as it takes: 170-310 ms of CPU for an append of
    // 100,000 points in one pipeline, measured against a local Redis.
    const results: unknown[] = [];
    for (const part of pipelineParts(commands)) {
      if (this.pipe) {
        const pipe = this.pipe;
        for (const command of part) pipe.encode(this.encoder, command);
        const { bytes, count } = this.encoder.take();
        const replies = await tracePipeline(this.options.tracer, count, this.server, async () => ({ results: await pipe.exec(bytes, count), failed: 0 }));
        for (const reply of replies) results.push(reply);
        continue;
      }
      const answers = await this.redis.pipeline(part).exec();
      const failed = answers?.find(([error]) => error !== null);
      if (!answers || failed) {
        throw new StorageError(`redis rejected a write: ${failed?.[0]?.message ?? 'pipeline aborted'}`, true);
      }
      for (const [, result] of answers) results.push(result);
    }
    return results;
  }
}

/** Points of decoded columns as objects, each with its record offset where it has one. */
function columnPoints(columns: UnsealedColumns): HotPoint[] {
  const points: HotPoint[] = new Array(columns.timestamps.length);
  for (let i = 0; i < points.length; i++) {
    const offset = columns.offsets[i];
    const timestampMs = columns.timestamps[i];
    const value = columns.values[i];
    points[i] = offset === undefined ? { timestampMs, value } : { timestampMs, value, offset };
  }
  return points;
}

/** Packed fields of one open window merged into one once this many of them overlapped others in time (rewrites)... */
export const PACKED_OVERLAPS_BEFORE_MERGE = 4;

/** ...or once a store has written this many into it. */
export const PACKED_FIELDS_BEFORE_MERGE = 64;

/** Open windows whose packed fields a store counts; past this the counts start over. */
const PACKED_WINDOWS_TRACKED = 100_000;

/**
 * Arguments one command of an append carries at most. A record may hold 100,000 points of
 * one window (more where the broker allows larger messages): as one HSET that is 200,000
 * arguments, past what a JavaScript call can spread (ioredis passes them on that way, and
 * the writer would fail the batch for ever), and one long command during which Redis
 * serves no other client. Commands of this size keep both bounded.
 */
export const MAX_ARGS_PER_COMMAND = 8_192;

/** Arguments of one pipeline of an append: the fields and values of 16,384 points. */
export const MAX_ARGS_PER_PIPELINE = 4 * MAX_ARGS_PER_COMMAND;

/** Consecutive runs of commands of at most MAX_ARGS_PER_PIPELINE arguments (a larger command alone). */
function pipelineParts<C extends readonly unknown[]>(commands: readonly C[]): C[][] {
  const parts: C[][] = [];
  let part: C[] = [];
  let args = 0;
  for (const command of commands) {
    if (part.length > 0 && args + command.length > MAX_ARGS_PER_PIPELINE) {
      parts.push(part);
      part = [];
      args = 0;
    }
    part.push(command);
    args += command.length;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/** A window's fields and values, flat, in slices of at most MAX_ARGS_PER_COMMAND arguments. */
function fieldSlices(points: Map<string, Buffer>): Array<Array<string | Buffer>> {
  const slices: Array<Array<string | Buffer>> = [];
  let slice: Array<string | Buffer> = [];
  for (const [field, value] of points) {
    if (slice.length + 2 > MAX_ARGS_PER_COMMAND) {
      slices.push(slice);
      slice = [];
    }
    slice.push(field, value);
  }
  if (slice.length > 0) slices.push(slice);
  return slices;
}

/** `args` in slices of at most MAX_ARGS_PER_COMMAND, never splitting a group of `group` (a score and its member). */
function argSlices<T>(args: readonly T[], group: number): T[][] {
  const size = MAX_ARGS_PER_COMMAND - (MAX_ARGS_PER_COMMAND % group);
  const slices: T[][] = [];
  for (let at = 0; at < args.length; at += size) slices.push(args.slice(at, at + size));
  return slices;
}

type ScriptCommands = Record<string, (...args: Array<string | number | Buffer>) => Promise<unknown>>;

interface SealCommands {
  strataBeginSealBuffer(open: string, sealing: string, packed: string, replayed: string): Promise<unknown>;
  strataFinishSeal(sealing: string, packed: string, replayed: string, chunk: Buffer, ttlMs: number): Promise<unknown>;
  strataAcquireLease(lease: string, owner: string, ttlMs: number): Promise<number>;
  strataReleaseLease(lease: string, owner: string): Promise<number>;
  strataRebuildStart(projected: string, unsealedFrom: string): Promise<unknown>;
  strataMergePacked(open: string, name: string, value: Buffer, ...replaced: string[]): Promise<unknown>;
}
