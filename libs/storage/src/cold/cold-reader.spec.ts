import { createHash } from 'node:crypto';
import { DAY_MS } from '../core/time';
import { MemoryObjectStore } from '../testing/memory-object-store';
import { BlockKind, encodeBlock } from './block';
import { ColdBlockMissingError, ColdReader } from './cold-reader';
import { ColdKeys } from './keys';
import { encodeCatalog } from './catalog';
import { decodeManifest, encodeManifest, type ManifestDay } from './manifest';
import { buildDaySection } from './section';

const DAY = 20_758;
const T0 = DAY * DAY_MS;

function archive(store: MemoryObjectStore, keys: ColdKeys, series: string[]): ManifestDay {
  const sections = [...series].sort().map((k, i) => buildDaySection(k, { timestamps: Float64Array.of(T0 + i), values: Float64Array.of(i) }));
  const block = encodeBlock({ kind: BlockKind.Day, tenant: 'acme', period: DAY, shard: 0, shardCount: 1 }, sections);
  const hash = Uint8Array.from(createHash('sha256').update(block.bytes).digest().subarray(0, 16));
  void store.put(keys.dayBlock('acme', DAY, 0, 1, hash), block.bytes);
  const day: ManifestDay = { day: DAY, shardCount: 1, blocks: [{ shard: 0, series: block.series, points: block.points, size: block.bytes.length, indexOffset: block.indexOffset, indexLength: block.indexLength, hash }] };
  void store.put(keys.manifest('acme', 682), encodeManifest({ tenant: 'acme', month: 682, days: [day] }));
  return day;
}

describe('ColdReader', () => {
  const keys = new ColdKeys('p/');

  it('reads one series with an index GET and a range GET; caches manifests for the TTL and indexes until evicted', async () => {
    const store = new MemoryObjectStore();
    const day = archive(store, keys, ['a', 'b', 'c']);
    let clock = 0;
    const counts: Record<string, number> = {};
    // No read-ahead: index and section GETs as for a block too large to read whole.
    const reader = new ColdReader(store, { keys, manifestTtlMs: 1_000, sectionReadAheadBytes: 0, now: () => clock, events: { onRequest: (kind) => (counts[kind] = (counts[kind] ?? 0) + 1) } });
    const [m1, m2] = await Promise.all([reader.manifest('acme', 682), reader.manifest('acme', 682)]);
    expect(m1).toEqual(m2);
    expect((await reader.day('acme', DAY))?.blocks).toHaveLength(1);
    const parts = await reader.seriesParts('acme', BlockKind.Day, DAY, day, 'b', ['raw']);
    expect(parts?.points).toBe(1);
    expect(await reader.seriesParts('acme', BlockKind.Day, DAY, day, 'c', ['d1'])).toBeDefined();
    expect(await reader.seriesParts('acme', BlockKind.Day, DAY, day, 'zz', ['raw'])).toBeUndefined();
    // day() looks for the year catalog first (there is none: a LIST finds the manifests, which answer).
    expect(counts).toEqual({ catalog: 1, list: 1, manifest: 1, index: 1, range: 2 });
    clock = 1_000;
    await reader.manifest('acme', 682);
    expect(counts.manifest).toBe(2);
    expect(await reader.manifest('acme', 683)).toBeUndefined();
  });

  it.each<[string, number | undefined, Record<string, number>, boolean[]]>([
    // The block's one GET (an index miss) brought every section, so both section lookups hit.
    ['kept by default: the small block is read whole once, a second read costs no request', undefined, { block: 1 }, [true, true]],
    ['off (0 bytes): every read is a range GET', 0, { index: 1, range: 2 }, [false, false]],
  ])('section cache %s', async (_, sectionCacheBytes, requests, hits) => {
    const store = new MemoryObjectStore();
    const day = archive(store, keys, ['a', 'b']);
    const counts: Record<string, number> = {};
    const seen: boolean[] = [];
    const reader = new ColdReader(store, {
      keys,
      ...(sectionCacheBytes === undefined ? {} : { sectionCacheBytes }),
      events: { onRequest: (kind) => (counts[kind] = (counts[kind] ?? 0) + 1), onCache: (kind, hit) => void (kind === 'section' && seen.push(hit)) },
    });
    const first = await reader.seriesParts('acme', BlockKind.Day, DAY, day, 'b', ['raw']);
    const second = await reader.seriesParts('acme', BlockKind.Day, DAY, day, 'b', ['raw']);
    expect(Array.from(second!.parts.raw!)).toEqual(Array.from(first!.parts.raw!));
    expect(counts).toEqual(requests);
    expect(seen).toEqual(hits);
  });

  it('reads a block no larger than the read-ahead whole, in one GET, and a larger one by index and range', async () => {
    const series = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    const store = new MemoryObjectStore();
    const day = archive(store, keys, series);
    const size = day.blocks[0].size;
    for (const [readAhead, want] of [
      [size, { block: 1 }],
      [size - 1, { index: 1, range: 1 }],
    ] as const) {
      const counts: Record<string, number> = {};
      const reader = new ColdReader(store, { keys, sectionReadAheadBytes: readAhead, events: { onRequest: (kind) => (counts[kind] = (counts[kind] ?? 0) + 1) } });
      const plain = new ColdReader(store, { keys, sectionCacheBytes: 0 });
      for (const key of [series[0], series[39], series[20]]) {
        const got = await reader.seriesParts('acme', BlockKind.Day, DAY, day, key, ['raw', 'd1']);
        const expected = await plain.seriesParts('acme', BlockKind.Day, DAY, day, key, ['raw', 'd1']);
        expect([Array.from(got!.parts.raw!), Array.from(got!.parts.d1!)]).toEqual([Array.from(expected!.parts.raw!), Array.from(expected!.parts.d1!)]);
      }
      // Whole: every series came with the block. By index and range: the read-ahead (one
      // byte short of the block) took in the first series' neighbours, the rest of them.
      expect({ readAhead, counts }).toEqual({ readAhead, counts: want });
    }
  });

  it('refuses a whole block whose size differs from what its manifest says', async () => {
    const store = new MemoryObjectStore();
    const day = archive(store, keys, ['a']);
    const wrong = { ...day, blocks: [{ ...day.blocks[0], size: day.blocks[0].size + 1 }] };
    await expect(new ColdReader(store, { keys }).seriesParts('acme', BlockKind.Day, DAY, wrong, 'a', ['raw'])).rejects.toThrow(/bytes, its manifest says/);
  });

  describe('read-ahead of neighbouring sections', () => {
    const series = Array.from({ length: 12 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    /** Every series read one by one in `order`: the range GETs made, and what each returned. */
    const readAll = async (sectionReadAheadBytes: number, order: string[]) => {
      const store = new MemoryObjectStore();
      const day = archive(store, keys, series);
      const ranges: number[] = [];
      const reader = new ColdReader(store, { keys, sectionReadAheadBytes, events: { onRequest: (kind, bytes) => void (kind === 'range' && ranges.push(bytes)) } });
      const got = new Map<string, number[]>();
      for (const key of order) {
        const parts = await reader.seriesParts('acme', BlockKind.Day, DAY, day, key, ['raw', 'm5', 'h1', 'd1']);
        got.set(key, [...parts!.parts.raw!, -1, ...parts!.parts.m5!, -1, ...parts!.parts.h1!, -1, ...parts!.parts.d1!]);
      }
      return { ranges, got };
    };

    it('returns the same bytes with or without it, in far fewer GETs', async () => {
      const order = [5, 0, 11, 6, 1, 10, 2, 9, 3, 8, 4, 7].map((i) => series[i]);
      const plain = await readAll(0, order);
      const ahead = await readAll(1_000, order);
      expect(plain.ranges).toHaveLength(12);
      expect(ahead.ranges.length).toBeLessThan(12);
      expect([...ahead.got].sort()).toEqual([...plain.got].sort());
    });

    it('gives every one of many concurrent reads its own series, whichever GET brought it', async () => {
      const store = new MemoryObjectStore();
      const day = archive(store, keys, series);
      const plain = new ColdReader(store, { keys, sectionCacheBytes: 0 });
      const expected = await Promise.all(series.map((k) => plain.seriesParts('acme', BlockKind.Day, DAY, day, k, ['raw'])));
      const sizes = (await readAll(0, series)).ranges;
      // Runs of three sections, started from every series at once: many overlap without matching.
      const reader = new ColdReader(store, { keys, sectionReadAheadBytes: 3 * Math.max(...sizes) });
      const got = await Promise.all([...series].reverse().map((k) => reader.seriesParts('acme', BlockKind.Day, DAY, day, k, ['raw'])));
      expect(got.reverse().map((p) => Array.from(p!.parts.raw!))).toEqual(expected.map((p) => Array.from(p!.parts.raw!)));
    });

    it('stays within its byte limit and never fetches a cached section again', async () => {
      // Whole sections (every part) of these series differ by a byte or two at most: four fit, five do not.
      const sizes = (await readAll(0, series)).ranges;
      const limit = 4 * Math.max(...sizes);
      expect(5 * Math.min(...sizes)).toBeGreaterThan(limit);
      const { ranges } = await readAll(limit, [series[0], series[2], series[9], series[5]]);
      // s00 takes s01..s03 along; s02 is then cached; s09 takes s10, s11 and, backwards, s08;
      // s05 takes s06, s07 (s08 is cached) and, backwards, s04.
      expect(ranges).toHaveLength(3);
      for (const bytes of ranges) expect(bytes).toBeLessThanOrEqual(limit);
      expect(ranges.reduce((a, b) => a + b, 0)).toBe(sizes.slice(0, 12).reduce((a, b) => a + b, 0));
    });
  });

  it('answers from the year catalog when there is one: one GET for the year, cached for the TTL, month manifests untouched', async () => {
    const store = new MemoryObjectStore();
    archive(store, keys, ['a']);
    const manifest = decodeManifest((await store.get(keys.manifest('acme', 682)))!);
    await store.put(keys.catalog('acme', 2026), encodeCatalog({ tenant: 'acme', year: 2026, months: [manifest] }));
    let clock = 0;
    const counts: Record<string, number> = {};
    const reader = new ColdReader(store, { keys, manifestTtlMs: 1_000, now: () => clock, events: { onRequest: (kind) => (counts[kind] = (counts[kind] ?? 0) + 1) } });
    const view = await reader.year('acme', 2026, [681, 682, 683]);
    expect([...view.months.keys()]).toEqual([682]);
    expect(view.rollup).toBeUndefined();
    expect(await reader.day('acme', DAY)).toEqual(manifest.days[0]);
    expect(counts).toEqual({ catalog: 1 });
    clock = 1_000;
    reader.invalidateYear('acme', 2026);
    await reader.year('acme', 2026, [682]);
    expect(counts).toEqual({ catalog: 2 });
  });

  it('lists the series keys of a block set with one index GET per block, and says which block is gone', async () => {
    const store = new MemoryObjectStore();
    const day = archive(store, keys, ['b', 'a', 'c{x="1"}']);
    const counts: Record<string, number> = {};
    const reader = new ColdReader(store, { keys, events: { onRequest: (kind) => (counts[kind] = (counts[kind] ?? 0) + 1) } });
    expect(await reader.blockSetKeys('acme', BlockKind.Day, DAY, day)).toEqual(['a', 'b', 'c{x="1"}']);
    expect(counts).toEqual({ index: 1 });
    await store.delete([keys.dayBlock('acme', DAY, 0, 1, day.blocks[0].hash)]);
    await expect(reader.blockSetKeys('acme', BlockKind.Day, DAY, day)).rejects.toBeInstanceOf(ColdBlockMissingError);
  });

  it('reports a block gone since the manifest was read as ColdBlockMissingError (retriable)', async () => {
    const store = new MemoryObjectStore();
    const day = archive(store, keys, ['a']);
    for (const key of (await store.list(keys.dayPrefix('acme', DAY))).keys) await store.delete([key]);
    const error = await new ColdReader(store, { keys }).seriesParts('acme', BlockKind.Day, DAY, day, 'a', ['raw']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ColdBlockMissingError);
    expect((error as ColdBlockMissingError).retriable).toBe(true);
  });
});
