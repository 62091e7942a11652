import { Registry } from 'prom-client';
import { createLogger } from '@strata/runtime';
import { createHash } from 'node:crypto';
import { DAY_MS, EMPTY_COLUMNS, type RetentionPolicy, type SortedColumns } from '@strata/storage';
import { encodeChunk } from '@strata/storage/codec';
import { BlockKind, buildDaySection, buildMonthSection, buildYearSection, ColdKeys, ColdReader, compareSeriesKeys, dayNumber, encodeBlock, encodeCatalog, encodeManifest, monthOfDay, yearMonths, type BlockRef, type BlockSet, type Manifest } from '@strata/storage/cold';
import { HotReadError, type CatalogChanges, type CatalogPosition, type CatalogRead, type HotWindowParts, type RedisHotReader } from '@strata/storage/hot';
import { MemoryObjectStore } from '@strata/storage/testing';
import type { DynamoWarmStore, WarmChunk } from '@strata/storage/warm';
import { concatRollupStats, rollupStats } from '@strata/model';
import { ColdTierSource } from '../src/cold-source';
import { ChunkDecoderSwitch, type ChunkDecoder } from '../src/chunk-decoder';
import type { ReadLimits } from '../src/config';
import { Fetcher } from '../src/fetcher';
import { HotTierWatch, type HotTierStatusSource } from '../src/hot-tier-watch';
import { ReadHandler } from '../src/read-handler';
import { ReaderMetrics } from '../src/reader-metrics';
import { ReadLimiter, type AdmissionLimits } from '../src/read-limits';
import { TenantCredits } from '../src/tenant-credits';
import { LabelIndex, type CatalogSource } from '../src/label-index';
import { SeriesLister, type ListLimits } from '../src/series-lister';
import { HotTierSource, WarmTierSource } from '../src/tier-sources';

export const HOUR = 3_600_000;
export const W = 2 * HOUR;
/** 12:30 on a day; the open window is [12:00, 14:00). */
export const NOW = Date.UTC(2026, 10, 23, 12, 30);

const cols = (points: ReadonlyArray<readonly [number, number]>): SortedColumns =>
  points.length === 0
    ? EMPTY_COLUMNS
    : { timestamps: Float64Array.from(points, ([t]) => t), values: Float64Array.from(points, ([, v]) => v) };

/**
 * An in-memory hot tier with RedisHotReader's read API and the series catalogue's (its
 * changes, a page at a time, each page one turn of the event loop later); `failing` makes it
 * act like Redis down.
 */
export class MemoryHot implements Pick<RedisHotReader, 'fetchWindows'>, CatalogSource {
  readonly windows = new Map<string, HotWindowParts>();
  /** tenant → series key → its catalogue entry. */
  readonly index = new Map<string, Map<string, { seq: number; oldestDay: number; newestDay: number }>>();
  private seq = 0;
  epoch = 'memory';
  failing = false;
  delayMs = 0;

  /** Adds series to a tenant's catalogue only (no points), with every day: for listings over many names. */
  addSeries(tenant: string, keys: Iterable<string>, oldestDay = -Infinity, newestDay = Infinity): void {
    for (const key of keys) this.record(tenant, key, oldestDay, newestDay);
  }

  private record(tenant: string, key: string, oldestDay: number, newestDay: number): void {
    if (!this.index.has(tenant)) this.index.set(tenant, new Map());
    const entries = this.index.get(tenant)!;
    const known = entries.get(key);
    if (known && known.oldestDay <= oldestDay && known.newestDay >= newestDay) return;
    entries.set(key, { seq: ++this.seq, oldestDay: Math.min(oldestDay, known?.oldestDay ?? Infinity), newestDay: Math.max(newestDay, known?.newestDay ?? -Infinity) });
  }

  async position(tenant: string): Promise<CatalogPosition> {
    if (this.failing) throw new HotReadError(tenant, '(series catalogue)', 'connect ECONNREFUSED 127.0.0.1:6379');
    let seq = 0;
    for (const e of this.index.get(tenant)?.values() ?? []) seq = Math.max(seq, e.seq);
    return { epoch: seq === 0 ? null : this.epoch, seq };
  }

  async read(tenant: string, afterSeq: number, limit: number): Promise<CatalogRead> {
    const position = await this.position(tenant);
    return { position, ...(await this.changes(tenant, afterSeq, limit)) };
  }

  async changes(tenant: string, afterSeq: number, limit: number): Promise<CatalogChanges> {
    await new Promise((r) => setImmediate(r));
    if (this.failing) throw new HotReadError(tenant, '(series catalogue)', 'connect ECONNREFUSED 127.0.0.1:6379');
    const changed = [...(this.index.get(tenant) ?? [])].filter(([, e]) => e.seq > afterSeq).sort((a, b) => a[1].seq - b[1].seq).slice(0, limit);
    if (changed.length === 0) return { entries: [], lastSeq: afterSeq };
    return { entries: changed.map(([seriesKey, e]) => ({ seriesKey, oldestDay: e.oldestDay, newestDay: e.newestDay })), lastSeq: changed[changed.length - 1][1].seq };
  }

  /** Points of one layer of a window; the layer is replaced. */
  put(tenant: string, key: string, start: number, layer: 'open' | 'sealing' | 'packed', points: Array<[number, number]>): void {
    const id = `${tenant}/${key}/${start}`;
    const current = this.windows.get(id) ?? { start, open: EMPTY_COLUMNS, sealing: EMPTY_COLUMNS, packed: null };
    const next = layer === 'packed' ? { ...current, packed: encodeChunk(points.map(([timestampMs, value]) => ({ timestampMs, value }))) } : { ...current, [layer]: cols(points) };
    this.windows.set(id, next);
    if (points.length > 0) {
      const days = points.map(([t]) => Math.floor(t / DAY_MS));
      this.record(tenant, key, Math.min(...days), Math.max(...days));
    }
  }

  async fetchWindows(tenant: string, seriesKey: string, starts: readonly number[]): Promise<HotWindowParts[]> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failing) throw new HotReadError(tenant, seriesKey, 'connect ECONNREFUSED 127.0.0.1:6379');
    return starts.flatMap((s) => this.windows.get(`${tenant}/${seriesKey}/${s}`) ?? []);
  }
}

/** An in-memory warm tier with DynamoWarmStore's read API. */
export class MemoryWarm implements Pick<DynamoWarmStore, 'queryChunks'> {
  readonly chunks = new Map<string, WarmChunk>();
  failing = false;
  hang = false;

  put(tenant: string, seriesKey: string, start: number, points: Array<[number, number]>): void {
    const chunk = encodeChunk(points.map(([timestampMs, value]) => ({ timestampMs, value })));
    this.chunks.set(`${tenant}/${seriesKey}/${start}`, { tenant, seriesKey, start, chunk, count: points.length });
  }

  putRaw(tenant: string, seriesKey: string, start: number, chunk: Uint8Array): void {
    this.chunks.set(`${tenant}/${seriesKey}/${start}`, { tenant, seriesKey, start, chunk, count: 0 });
  }

  async queryChunks(tenant: string, seriesKey: string, fromStart: number, toStart: number): Promise<WarmChunk[]> {
    if (this.hang) await new Promise(() => undefined);
    if (this.failing) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
    return [...this.chunks.values()]
      .filter((c) => c.tenant === tenant && c.seriesKey === seriesKey && c.start >= fromStart && c.start <= toStart)
      .sort((a, b) => a.start - b.start);
  }
}

export const TEST_LIMITS: ReadLimits = {
  maxSeriesPerRequest: 100,
  maxRangeMs: 400 * 24 * HOUR,
  maxPointsPerRequest: 1_000_000,
  pointsPerSeriesDay: 1_440,
  maxPointsPerMessage: 1_000,
  maxListSeries: 100,
};

export const TEST_ADMISSION: AdmissionLimits = {
  perTenantConcurrency: 4,
  globalConcurrency: 64,
  perTenantQueue: 32,
  maxCost: {
    read: { units: 100_000, setting: 'STRATA_READ_MAX_REQUESTS', unit: 'storage requests' },
    list: { units: 1_000_000, setting: 'STRATA_LIST_MAX_SCANNED', unit: 'series names to match' },
  },
  timeoutMs: { read: { ms: 60_000, setting: 'STRATA_READ_TIMEOUT_MS' }, list: { ms: 10_000, setting: 'STRATA_LIST_TIMEOUT_MS' } },
};

export const TEST_LISTING: Omit<ListLimits, 'maxResults'> = { maxPatternLength: 256, cpuMs: 1_000, sliceMs: 5, maxLabelValues: 100_000 };

/** The reader's parts over in-memory tiers, with the clock at NOW. */
export function readerHarness(
  options: {
    limits?: Partial<ReadLimits>;
    admission?: Partial<AdmissionLimits>;
    listing?: Partial<ListLimits>;
    decoder?: ChunkDecoder;
    /** STRATA_READ_TENANT_HOT_COMMANDS; unbounded when absent. */
    tenantHotCommands?: number;
    tierTimeoutMs?: number;
    now?: () => number;
    cold?: ColdReader;
    retention?: RetentionPolicy;
    hotState?: HotTierStatusSource;
  } = {},
) {
  const hot = new MemoryHot();
  const warm = new MemoryWarm();
  const registry = new Registry();
  const metrics = new ReaderMetrics(registry);
  const logger = createLogger({ service: 'spec', level: 'silent' });
  const limits = { ...TEST_LIMITS, ...options.limits };
  const fetcher = new Fetcher({
    sources: [
      new HotTierSource(hot, options.tenantHotCommands === undefined ? undefined : new TenantCredits(options.tenantHotCommands)),
      new WarmTierSource(warm),
      ...(options.cold ? [new ColdTierSource(options.cold)] : []),
    ],
    decoder: options.decoder ?? new ChunkDecoderSwitch(undefined, 64, metrics),
    tierTimeoutMs: options.tierTimeoutMs ?? 5_000,
    metrics,
  });
  const limiter = new ReadLimiter({ ...TEST_ADMISSION, ...options.admission }, metrics.admission);
  const reads = new ReadHandler({
    fetcher,
    limiter,
    ...(options.hotState && { hotTier: new HotTierWatch(options.hotState, { now: options.now ?? (() => NOW) }) }),
    settings: { limits, concurrency: 4, ...(options.retention && { retention: options.retention }), planner: { windowMs: W, hotRetentionMs: 26 * HOUR, futureGraceMs: 600_000, cold: options.cold !== undefined } },
    metrics,
    logger,
    now: options.now ?? (() => NOW),
  });
  const labelIndex = new LabelIndex({ catalog: hot, firstKeptDay: () => -Infinity, now: options.now ?? (() => NOW) });
  const lister = new SeriesLister({
    index: labelIndex,
    limiter,
    limits: { maxResults: limits.maxListSeries, ...TEST_LISTING, ...options.listing },
    metrics,
  });
  return { hot, warm, registry, metrics, logger, fetcher, reads, lister, limiter, labelIndex };
}

/**
 * A cold tier in memory, archived the way the archiver lays it out (one block per day per
 * tenant, a manifest per month, optional month rollup blocks): enough to test the reader's
 * cold path without S3. `archive` replaces the days it is given.
 */
export class MemoryCold {
  readonly store = new MemoryObjectStore();
  readonly keys = new ColdKeys('');
  private readonly manifests = new Map<string, Manifest>();

  /** Archives a tenant's points (any days), replacing those days. */
  archive(tenant: string, series: ReadonlyMap<string, ReadonlyArray<readonly [number, number]>>): void {
    const days = new Map<number, Map<string, Array<readonly [number, number]>>>();
    for (const [key, points] of series) {
      for (const p of points) {
        const day = dayNumber(p[0]);
        if (!days.has(day)) days.set(day, new Map());
        const perSeries = days.get(day)!;
        perSeries.set(key, [...(perSeries.get(key) ?? []), p]);
      }
    }
    for (const [day, perSeries] of days) {
      const sections = [...perSeries]
        .sort(([a], [b]) => compareSeriesKeys(a, b))
        .map(([key, points]) => {
          const sorted = [...points].sort((a, b) => a[0] - b[0]);
          return buildDaySection(key, { timestamps: Float64Array.from(sorted, ([t]) => t), values: Float64Array.from(sorted, ([, v]) => v) });
        });
      const ref = this.put(BlockKind.Day, tenant, day, sections);
      const month = monthOfDay(day);
      const manifest = this.manifest(tenant, month);
      const listed = [...manifest.days.filter((d) => d.day !== day), { day, shardCount: 1, blocks: [ref] }].sort((a, b) => a.day - b.day);
      this.setManifest({ tenant, month, days: listed });
    }
  }

  /** Builds the month rollup block of a tenant's month from the points it was given. */
  compact(tenant: string, month: number, series: ReadonlyMap<string, ReadonlyArray<readonly [number, number]>>): void {
    const sections = [...series]
      .sort(([a], [b]) => compareSeriesKeys(a, b))
      .map(([key, points]) => {
        const inMonth = [...points].filter(([t]) => monthOfDay(dayNumber(t)) === month).sort((a, b) => a[0] - b[0]);
        const columns = { timestamps: inMonth.map(([t]) => t), values: inMonth.map(([, v]) => v) };
        return buildMonthSection(key, inMonth.length, concatRollupStats([rollupStats(columns, HOUR)]), rollupStats(columns, DAY_MS));
      })
      .filter((s) => s.points > 0);
    const rollup: BlockSet = { shardCount: 1, blocks: [this.put(BlockKind.Month, tenant, month, sections)] };
    this.setManifest({ ...this.manifest(tenant, month), rollup });
  }

  /**
   * Writes the year catalog of the tenant's manifests of `year`; with `series`, also a year
   * rollup block of their 1 d rows (the points should be those the manifests list).
   */
  catalog(tenant: string, year: number, series?: ReadonlyMap<string, ReadonlyArray<readonly [number, number]>>): void {
    const { first, last } = yearMonths(year);
    const months: Manifest[] = [];
    for (let m = first; m <= last; m++) if (this.manifests.has(`${tenant}/${m}`)) months.push(this.manifest(tenant, m));
    let rollup: BlockSet | undefined;
    if (series) {
      const sections = [...series]
        .sort(([a], [b]) => compareSeriesKeys(a, b))
        .map(([key, points]) => {
          const inYear = [...points].filter(([t]) => new Date(t).getUTCFullYear() === year).sort((a, b) => a[0] - b[0]);
          const columns = { timestamps: inYear.map(([t]) => t), values: inYear.map(([, v]) => v) };
          return buildYearSection(key, inYear.length, rollupStats(columns, DAY_MS));
        })
        .filter((s) => s.points > 0);
      rollup = { shardCount: 1, blocks: [this.put(BlockKind.Year, tenant, year, sections)] };
    }
    void this.store.put(this.keys.catalog(tenant, year), encodeCatalog({ tenant, year, months, ...(rollup && { rollup }) }));
  }

  manifest(tenant: string, month: number): Manifest {
    return this.manifests.get(`${tenant}/${month}`) ?? { tenant, month, days: [] };
  }

  reader(options: { manifestTtlMs?: number; sectionCacheBytes?: number; now?: () => number } = {}): ColdReader {
    return new ColdReader(this.store, { keys: this.keys, ...options });
  }

  private setManifest(manifest: Manifest): void {
    this.manifests.set(`${manifest.tenant}/${manifest.month}`, manifest);
    void this.store.put(this.keys.manifest(manifest.tenant, manifest.month), encodeManifest(manifest));
  }

  private put(kind: BlockKind, tenant: string, period: number, sections: Parameters<typeof encodeBlock>[1]): BlockRef {
    const block = encodeBlock({ kind, tenant, period, shard: 0, shardCount: 1 }, sections);
    const hash = Uint8Array.from(createHash('sha256').update(block.bytes).digest().subarray(0, 16));
    const key =
      kind === BlockKind.Day
        ? this.keys.dayBlock(tenant, period, 0, 1, hash)
        : kind === BlockKind.Month
          ? this.keys.monthBlock(tenant, period, 0, 1, hash)
          : this.keys.yearBlock(tenant, period, 0, 1, hash);
    void this.store.put(key, block.bytes);
    return { shard: 0, series: block.series, points: block.points, size: block.bytes.length, indexOffset: block.indexOffset, indexLength: block.indexLength, hash };
  }
}
