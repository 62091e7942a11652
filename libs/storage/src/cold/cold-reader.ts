import type { ObjectStore } from './object-store';
import { StorageError } from '../errors';
import { BlockKind, decodeBlockIndex, PART_NAMES, partsRange, splitParts, type BlockIndex, type BlockIndexEntry, type PartName } from './block';
import { ColdKeys, shardOf } from './keys';
import { decodeCatalog, type Catalog } from './catalog';
import { blockForShard, decodeManifest, type BlockRef, type BlockSet, type Manifest } from './manifest';
import { monthOfDay, yearOfMonth } from './periods';
import { Semaphore, WeightedLru } from './lru';

/** A block the manifest names is gone (replaced and collected since the manifest was read). */
export class ColdBlockMissingError extends StorageError {
  constructor(readonly key: string) {
    super(`cold block ${key} is missing; the manifest that names it is out of date`, true, { context: { key } });
  }
}

export interface ColdReaderEvents {
  /**
   * One object-store request: a year catalog, a LIST of a year's manifests (no catalog), a
   * manifest, a block index, a section range, or a whole small block (index and sections at once).
   */
  onRequest?(kind: 'catalog' | 'list' | 'manifest' | 'index' | 'range' | 'block', bytes: number): void;
  onCache?(kind: 'catalog' | 'manifest' | 'index' | 'section', hit: boolean): void;
}

export interface ColdReaderOptions {
  readonly keys: ColdKeys;
  /**
   * How long a manifest (or its absence) is trusted before it is read again. The archiver
   * waits longer than this (plus a read's duration) before deleting what a new manifest
   * replaced. @default 30000
   */
  readonly manifestTtlMs?: number;
  /** Manifests (tenant-months) kept. @default 10000 */
  readonly maxManifests?: number;
  /** Bytes of decoded block indexes kept (blocks are immutable, so no expiry). @default 64 MiB */
  readonly indexCacheBytes?: number;
  /**
   * Bytes of fetched series sections kept (the range GETs' bytes). Block keys carry a hash
   * of the block's content, so a section never changes; a dashboard re-reading a range
   * reads it from here. 0 turns it off. @default 64 MiB
   */
  readonly sectionCacheBytes?: number;
  /**
   * A section read that misses the cache takes whole sections of the series next to it in
   * the block (neighbours in key order: the other hosts of a metric) into the same range
   * GET, up to this many bytes in all, and caches them. An object store charges by
   * request and answers a few hundred KiB about as fast as a few, so the next read of a
   * neighbour costs nothing. A block no larger than this whose index is not cached is read
   * whole, index and sections in one GET instead of two in a row. 0 (or no section cache)
   * reads only what was asked. @default 256 KiB
   */
  readonly sectionReadAheadBytes?: number;
  /** Object-store requests in flight at once, over all reads. @default 64 */
  readonly concurrency?: number;
  readonly events?: ColdReaderEvents;
  readonly now?: () => number;
}

/** What is archived of a tenant's year, from one consistent source. */
export interface YearView {
  /** The month manifests (of the months asked for, or all the catalog holds). */
  readonly months: ReadonlyMap<number, Manifest>;
  /** Year rollup blocks (1 d rows of exactly the days `months` list), when the catalog has them. */
  readonly rollup?: BlockSet;
}

/** One series' parts of one block, as requested. */
export interface SeriesParts {
  readonly points: number;
  readonly parts: Partial<Record<PartName, Uint8Array>>;
}

/**
 * Reads the cold tier: year catalogs and month manifests (cached for a short TTL, absence too), block indexes
 * (an LRU bounded in bytes; one small range GET each), and one range GET per series section.
 * Concurrent requests for the same manifest or index share one GET.
 */
export class ColdReader {
  private readonly manifests: WeightedLru<string, { manifest: Manifest | undefined; at: number }>;
  /** Year catalogs, or for a year without one the months that have a manifest (one LIST). */
  private readonly catalogs: WeightedLru<string, { catalog: Catalog | undefined; listed?: readonly number[]; at: number }>;
  private readonly indexes: WeightedLru<string, BlockIndex>;
  private readonly sections: WeightedLru<string, Uint8Array>;
  private readonly pending = new Map<string, Promise<unknown>>();
  private readonly gate: Semaphore;
  private readonly now: () => number;

  constructor(
    private readonly store: ObjectStore,
    private readonly options: ColdReaderOptions,
  ) {
    this.manifests = new WeightedLru(options.maxManifests ?? 10_000);
    this.catalogs = new WeightedLru(options.maxManifests ?? 10_000);
    this.indexes = new WeightedLru(options.indexCacheBytes ?? 64 * 1024 * 1024, (index) => index.byteLength * 4 + index.entries.length * 96);
    this.sections = new WeightedLru(options.sectionCacheBytes ?? 64 * 1024 * 1024, (bytes) => bytes.byteLength + 96);
    this.gate = new Semaphore(options.concurrency ?? 64);
    this.now = options.now ?? Date.now;
  }

  get keys(): ColdKeys {
    return this.options.keys;
  }

  /**
   * What is archived of a tenant's year: the year catalog (one GET, cached like a manifest)
   * or, for a year without one (nothing archived, or archived before catalogs existed),
   * one LIST of the year's manifests and a GET of those among `months`.
   */
  async year(tenant: string, year: number, months: readonly number[]): Promise<YearView> {
    const { catalog, listed } = await this.catalogEntry(tenant, year);
    if (catalog) {
      return { months: new Map(catalog.months.map((m) => [m.month, m])), ...(catalog.rollup && { rollup: catalog.rollup }) };
    }
    const present = new Set(listed);
    const found = await Promise.all(months.filter((m) => present.has(m)).map(async (m) => [m, await this.manifest(tenant, m)] as const));
    return { months: new Map(found.filter((f): f is readonly [number, Manifest] => f[1] !== undefined)) };
  }

  /** The year catalog of a tenant, or undefined when there is none. */
  async catalog(tenant: string, year: number): Promise<Catalog | undefined> {
    return (await this.catalogEntry(tenant, year)).catalog;
  }

  private async catalogEntry(tenant: string, year: number): Promise<{ catalog: Catalog | undefined; listed?: readonly number[] }> {
    const key = this.options.keys.catalog(tenant, year);
    const cached = this.catalogs.get(key);
    if (cached && this.now() - cached.at < (this.options.manifestTtlMs ?? 30_000)) {
      this.options.events?.onCache?.('catalog', true);
      return cached;
    }
    this.options.events?.onCache?.('catalog', false);
    return this.once(`c:${key}`, async () => {
      const at = this.now();
      const bytes = await this.gate.run(() => this.store.get(key));
      this.options.events?.onRequest?.('catalog', bytes?.length ?? 0);
      const catalog = bytes ? decodeCatalog(bytes) : undefined;
      if (catalog && (catalog.tenant !== tenant || catalog.year !== year)) {
        throw new StorageError(`cold catalog ${key} belongs to ${catalog.tenant} year ${catalog.year}`, false);
      }
      let listed: number[] | undefined;
      if (!catalog) {
        const prefix = `${this.options.keys.manifestPrefix(tenant)}${year}-`;
        const { keys } = await this.gate.run(() => this.store.list(prefix));
        this.options.events?.onRequest?.('list', 0);
        listed = keys.flatMap((k) => this.options.keys.manifestMonth(tenant, k) ?? []);
      }
      const entry = { catalog, ...(listed && { listed }), at };
      this.catalogs.set(key, entry);
      return entry;
    });
  }

  /** Forgets a cached year catalog and the year's cached manifests. */
  invalidateYear(tenant: string, year: number): void {
    this.catalogs.delete(this.options.keys.catalog(tenant, year));
    const first = (year - 1970) * 12;
    for (let m = first; m < first + 12; m++) this.invalidate(tenant, m);
  }

  /** The manifest of a tenant's month, or undefined when nothing of that month is archived. */
  async manifest(tenant: string, month: number): Promise<Manifest | undefined> {
    const key = this.options.keys.manifest(tenant, month);
    const cached = this.manifests.get(key);
    if (cached && this.now() - cached.at < (this.options.manifestTtlMs ?? 30_000)) {
      this.options.events?.onCache?.('manifest', true);
      return cached.manifest;
    }
    this.options.events?.onCache?.('manifest', false);
    return this.once(`m:${key}`, async () => {
      const at = this.now();
      // Shared by concurrent callers, so no single caller's signal may cancel it.
      const bytes = await this.gate.run(() => this.store.get(key));
      this.options.events?.onRequest?.('manifest', bytes?.length ?? 0);
      const manifest = bytes ? decodeManifest(bytes) : undefined;
      if (manifest && (manifest.tenant !== tenant || manifest.month !== month)) {
        throw new StorageError(`cold manifest ${key} belongs to ${manifest.tenant} month ${manifest.month}`, false);
      }
      this.manifests.set(key, { manifest, at });
      return manifest;
    });
  }

  /** Forgets a cached manifest, so the next read fetches it again. */
  invalidate(tenant: string, month: number): void {
    this.manifests.delete(this.options.keys.manifest(tenant, month));
  }

  /** The manifest entry of a day (from the year catalog when there is one), or undefined when the day is not archived. */
  async day(tenant: string, day: number) {
    const month = monthOfDay(day);
    const view = await this.year(tenant, yearOfMonth(month), [month]);
    return view.months.get(month)?.days.find((d) => d.day === day);
  }

  /**
   * One series' requested parts from a day's or month's block set: index (cached) and one
   * range GET. Undefined when the series is not in the set. `parts` may be chosen from the
   * series' index entry (which parts it stores, and how large they are) before the GET.
   */
  async seriesParts(
    tenant: string,
    kind: BlockKind,
    period: number,
    set: BlockSet,
    seriesKey: string,
    wanted: readonly PartName[] | ((entry: BlockIndexEntry) => readonly PartName[]),
    signal?: AbortSignal,
  ): Promise<SeriesParts | undefined> {
    const ref = blockForShard(set, shardOf(seriesKey, set.shardCount));
    if (!ref) return undefined;
    const key = this.blockKey(tenant, kind, period, set, ref);
    const small = ref.size <= this.readAheadBytes() && !this.indexes.has(key);
    const index = small ? await this.wholeBlock(key, ref.size, ref.indexOffset, ref.indexLength) : await this.index(key, ref.indexOffset, ref.indexLength);
    const entry = index.byKey.get(seriesKey);
    if (!entry) return undefined;
    const parts = typeof wanted === 'function' ? wanted(entry) : wanted;
    const { start, end } = partsRange(entry, parts);
    if (end === start) return { points: entry.points, parts: splitParts(entry, parts, new Uint8Array(0)) };
    const bytes = await this.section(key, index, entry, start, end, signal);
    return { points: entry.points, parts: splitParts(entry, parts, bytes) };
  }

  /**
   * The series keys of every block of a day's, month's or year's block set, in block order:
   * one range GET of each block's index. Not cached (a label index keeps what it needs; a
   * month's index can be far larger than the index cache).
   */
  async blockSetKeys(tenant: string, kind: BlockKind, period: number, set: BlockSet, signal?: AbortSignal): Promise<string[]> {
    const out: string[] = [];
    for (const ref of set.blocks) {
      const key = this.blockKey(tenant, kind, period, set, ref);
      let index = this.indexes.get(key);
      if (!index) {
        const bytes = await this.gate.run(() => this.store.get(key, { start: ref.indexOffset, end: ref.indexOffset + ref.indexLength }, signal));
        if (!bytes) throw new ColdBlockMissingError(key);
        this.options.events?.onRequest?.('index', bytes.length);
        index = decodeBlockIndex(bytes, ref.indexOffset);
      }
      for (const e of index.entries) out.push(e.seriesKey);
    }
    return out;
  }

  /** The object name of a block of a day's, month's or year's set. */
  private blockKey(tenant: string, kind: BlockKind, period: number, set: BlockSet, ref: BlockRef): string {
    const keys = this.options.keys;
    if (kind === BlockKind.Day) return keys.dayBlock(tenant, period, ref.shard, set.shardCount, ref.hash);
    if (kind === BlockKind.Month) return keys.monthBlock(tenant, period, ref.shard, set.shardCount, ref.hash);
    return keys.yearBlock(tenant, period, ref.shard, set.shardCount, ref.hash);
  }

  /** Bytes [start, end) of `entry`'s section: from the cache (its whole section, or these parts), else one range GET. */
  private async section(key: string, index: BlockIndex, entry: BlockIndexEntry, start: number, end: number, signal?: AbortSignal): Promise<Uint8Array> {
    const whole = wholeSection(entry);
    const cached = this.sections.get(`${key}@${whole.start}-${whole.end}`) ?? this.sections.get(`${key}@${start}-${end}`);
    this.options.events?.onCache?.('section', cached !== undefined);
    if (cached) return cached.length === end - start ? cached : cached.subarray(start - whole.start, end - whole.start);
    const readAhead = this.readAheadBytes();
    if (readAhead < whole.end - whole.start) {
      const bytes = await this.gate.run(() => this.store.get(key, { start, end }, signal));
      if (!bytes) throw new ColdBlockMissingError(key);
      this.options.events?.onRequest?.('range', bytes.length);
      this.sections.set(`${key}@${start}-${end}`, bytes);
      return bytes;
    }
    const run = this.neighbours(key, index, entry, readAhead);
    const first = wholeSection(run[0]).start;
    const last = wholeSection(run[run.length - 1]).end;
    // Shared only by reads of exactly this range: another run may end elsewhere.
    const bytes = await this.once(`s:${key}@${first}-${last}`, async () => {
      const got = await this.gate.run(() => this.store.get(key, { start: first, end: last }, signal));
      if (!got) throw new ColdBlockMissingError(key);
      this.options.events?.onRequest?.('range', got.length);
      for (const e of run) {
        const w = wholeSection(e);
        // Copies: a view would keep the whole response alive after its neighbours were evicted.
        this.sections.set(`${key}@${w.start}-${w.end}`, got.slice(w.start - first, w.end - first));
      }
      return got;
    });
    return bytes.subarray(start - first, end - first);
  }

  /**
   * `entry` and the uncached sections around it (following ones first), adjacent in the
   * block and together at most `limit` bytes, in block order.
   */
  private neighbours(key: string, index: BlockIndex, entry: BlockIndexEntry, limit: number): BlockIndexEntry[] {
    const at = positionOf(index, entry);
    const uncached = (e: BlockIndexEntry) => {
      const w = wholeSection(e);
      return !this.sections.has(`${key}@${w.start}-${w.end}`);
    };
    let bytes = wholeSection(entry).end - wholeSection(entry).start;
    let last = at;
    while (last + 1 < index.entries.length && uncached(index.entries[last + 1])) {
      const size = sectionBytes(index.entries[last + 1]);
      if (bytes + size > limit) break;
      bytes += size;
      last++;
    }
    let first = at;
    while (first > 0 && uncached(index.entries[first - 1])) {
      const size = sectionBytes(index.entries[first - 1]);
      if (bytes + size > limit) break;
      bytes += size;
      first--;
    }
    return index.entries.slice(first, last + 1);
  }

  private readAheadBytes(): number {
    return this.options.sectionCacheBytes === 0 ? 0 : (this.options.sectionReadAheadBytes ?? 256 * 1024);
  }

  /** A small block in one GET: its index is decoded and cached, and every section with it. */
  private async wholeBlock(key: string, size: number, indexOffset: number, indexLength: number): Promise<BlockIndex> {
    this.options.events?.onCache?.('index', false);
    return this.once(`i:${key}`, async () => {
      const bytes = await this.gate.run(() => this.store.get(key));
      if (!bytes) throw new ColdBlockMissingError(key);
      this.options.events?.onRequest?.('block', bytes.length);
      if (bytes.length !== size) throw new StorageError(`cold block ${key} has ${bytes.length} bytes, its manifest says ${size}`, false);
      const index = decodeBlockIndex(bytes.subarray(indexOffset, indexOffset + indexLength), indexOffset);
      for (const e of index.entries) {
        const w = wholeSection(e);
        if (w.end > w.start) this.sections.set(`${key}@${w.start}-${w.end}`, bytes.slice(w.start, w.end));
      }
      this.indexes.set(key, index);
      return index;
    });
  }

  private async index(key: string, indexOffset: number, indexLength: number): Promise<BlockIndex> {
    const cached = this.indexes.get(key);
    this.options.events?.onCache?.('index', cached !== undefined);
    if (cached) return cached;
    return this.once(`i:${key}`, async () => {
      const bytes = await this.gate.run(() => this.store.get(key, { start: indexOffset, end: indexOffset + indexLength }));
      if (!bytes) throw new ColdBlockMissingError(key);
      this.options.events?.onRequest?.('index', bytes.length);
      const index = decodeBlockIndex(bytes, indexOffset);
      this.indexes.set(key, index);
      return index;
    });
  }

  private once<T>(id: string, load: () => Promise<T>): Promise<T> {
    const existing = this.pending.get(id);
    if (existing) return existing as Promise<T>;
    const promise = load().finally(() => this.pending.delete(id));
    this.pending.set(id, promise);
    return promise;
  }
}

/** The byte range of a series' whole section (every part) in its block. */
function wholeSection(entry: BlockIndexEntry): { start: number; end: number } {
  return partsRange(entry, PART_NAMES);
}

function sectionBytes(entry: BlockIndexEntry): number {
  const { start, end } = wholeSection(entry);
  return end - start;
}

/** The entry's position in block order (entries are laid out at increasing offsets). */
function positionOf(index: BlockIndex, entry: BlockIndexEntry): number {
  let lo = 0;
  let hi = index.entries.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (index.entries[mid].offset < entry.offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
