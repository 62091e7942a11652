import fc from 'fast-check';
import { rollupStats, type RollupStats } from '@strata/model';
import { decodeChunk } from '../codec/chunk';
import { BlockKind, decodeBlockIndex, encodeBlock, openBlock, partsRange, readBlockTrailer, splitParts, type SeriesSection } from './block';
import { compareSeriesKeys } from './byte-io';
import { decodeCatalog, encodeCatalog, type Catalog } from './catalog';
import { ColdFormatError, InvalidColdInputError } from './cold-errors';
import { ColdKeys, shardOf } from './keys';
import { blockForShard, decodeManifest, encodeManifest, type Manifest } from './manifest';
import { decodeRollupPart, encodeRollupPart, RollupLayout, splitRawPart, splitRollupPart } from './parts';
import { dayIso, dayNumber, monthEndDay, monthFirstDay, monthIso, monthOfDay, parseDayIso, parseMonthIso } from './periods';
import { buildDaySection, M5_MAX_SHARE_OF_RAW } from './section';

const T0 = Date.UTC(2026, 10, 1);

/** Sorted distinct offsets in [0, span) with values of every kind the codec meets, from T0. */
const pointsWithin = (span: number, minLength: number, maxLength: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: span - 1 }), { minLength, maxLength }).chain((offsets) =>
    fc
      .array(
        fc.oneof(
          fc.integer({ min: -100_000, max: 100_000 }).map((m) => m / 100),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.constant(-0),
        ),
        { minLength: offsets.length, maxLength: offsets.length },
      )
      .map((values) => {
        const order = offsets.map((o, i) => [o, values[i]] as const).sort((a, b) => a[0] - b[0]);
        return { timestamps: Float64Array.from(order, ([o]) => T0 + o), values: Float64Array.from(order, ([, v]) => v) };
      }),
  );

/** Points anywhere in one day: mostly too sparse for 5 m rows to be stored. */
const dayPoints = pointsWithin(86_400_000, 1, 200);
/** 400 to 600 points in half an hour: dense enough that the 5 m rows are stored. */
const densePoints = pointsWithin(1_800_000, 400, 600);

const sameColumn = (a: Float64Array | undefined, b: Float64Array | undefined) =>
  a === undefined || b === undefined ? a === b : a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
// No rows at all (an empty part) says nothing of heads.
const sameStats = (a: RollupStats, b: RollupStats) =>
  (['timestamps', 'min', 'max', 'sum', 'count', 'last', 'head', 'restMin', 'restMax'] as const).every(
    (c) => sameColumn(a[c], b[c]) || (['head', 'restMin', 'restMax'].includes(c) && a.timestamps.length + b.timestamps.length === 0),
  );

describe('series sections', () => {
  it.each([
    ['sparse', dayPoints],
    ['dense', densePoints],
  ] as const)('round-trips %s raw points and every stored rollup exactly (bit patterns, -0 included)', (density, arbitrary) => {
    let withM5 = 0;
    fc.assert(
      fc.property(arbitrary, (points) => {
        const section = buildDaySection('s', points);
        const raw = splitRawPart(section.parts.raw).map((c) => decodeChunk(c));
        expect(raw).toHaveLength(1);
        expect(Array.from(raw[0].timestamps)).toEqual(Array.from(points.timestamps));
        expect(raw[0].values.every((v, i) => Object.is(v, points.values[i]))).toBe(true);
        // 1 h and 1 d rows carry their heads (the point at each bucket start), 5 m rows do not.
        for (const [part, step, heads] of [['h1', 3_600_000, true], ['d1', 86_400_000, true]] as const) {
          expect(sameStats(decodeRollupPart(section.parts[part]), rollupStats(points, step, { heads }))).toBe(true);
        }
        // The 5 m rows are there exactly when they are at most half the raw part's bytes.
        const m5 = encodeRollupPart(rollupStats(points, 300_000));
        const kept = m5.length <= section.parts.raw.length * M5_MAX_SHARE_OF_RAW;
        expect(section.parts.m5).toEqual(kept ? m5 : new Uint8Array(0));
        if (kept) expect(sameStats(decodeRollupPart(section.parts.m5), rollupStats(points, 300_000))).toBe(true);
        if (kept) withM5++;
      }),
      { numRuns: 150 },
    );
    // Dense days keep their 5 m rows; a day of a few points spread over 24 hours does not.
    if (density === 'dense') expect(withM5).toBe(150);
    else expect(withM5).toBeLessThan(150);
  });

  it('keeps staleness (NaN) in the raw part and leaves it out of every rollup', () => {
    fc.assert(
      fc.property(dayPoints, fc.array(fc.boolean(), { minLength: 200, maxLength: 200 }), (points, stale) => {
        const values = points.values.map((v, i) => (stale[i] ? Number.NaN : v));
        const marked = { timestamps: points.timestamps, values };
        const section = buildDaySection('s', marked);
        const raw = decodeChunk(splitRawPart(section.parts.raw)[0]);
        expect(raw.values.every((v, i) => Object.is(v, values[i]))).toBe(true);
        const live = { timestamps: points.timestamps.filter((_, i) => !stale[i]), values: points.values.filter((_, i) => !stale[i]) };
        expect(sameStats(decodeRollupPart(section.parts.h1), rollupStats(live, 3_600_000, { heads: true }))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('is deterministic: the same points give the same bytes', () => {
    fc.assert(
      fc.property(dayPoints, (points) => {
        const a = buildDaySection('s', points);
        const b = buildDaySection('s', { timestamps: points.timestamps.slice(), values: points.values.slice() });
        expect(a).toEqual(b);
      }),
      { numRuns: 50 },
    );
  });

  it('round-trips rollup rows of any finite values, with and without heads, whichever layout wins', () => {
    fc.assert(
      fc.property(dayPoints, fc.constantFrom(60_000, 300_000, 3_600_000, 86_400_000), fc.boolean(), (points, step, heads) => {
        const stats = rollupStats(points, step, { heads });
        const part = encodeRollupPart(stats);
        expect(splitRollupPart(part).heads).toBe(heads);
        expect(sameStats(decodeRollupPart(part), stats)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips heads and the extremes besides them where the head is the extreme, or the only point, in every layout', () => {
    // Hourly rows: a head in every row; it is the maximum in every third row, the minimum in
    // every fifth, the only point in every seventh; -0 and 0 side by side.
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let h = 0; h < 240; h++) {
      const start = T0 + h * 3_600_000;
      timestamps.push(start);
      values.push(h % 3 === 0 ? 100 + h : h % 5 === 0 ? -100 - h : h % 11 === 0 ? -0 : h / 8);
      if (h % 7 === 0) continue;
      for (const [minute, v] of [[1, h / 4], [30, 0], [59, h / 2]]) {
        timestamps.push(start + minute * 60_000);
        values.push(v);
      }
    }
    for (const rows of [240, 3]) {
      const stats = rollupStats({ timestamps: timestamps.slice(0, rows * 3), values: values.slice(0, rows * 3) }, 3_600_000, { heads: true });
      const part = encodeRollupPart(stats);
      expect(splitRollupPart(part).heads).toBe(true);
      expect(sameStats(decodeRollupPart(part), stats)).toBe(true);
    }
    expect(splitRollupPart(encodeRollupPart(rollupStats({ timestamps, values }, 3_600_000, { heads: true }))).layout).not.toBe(RollupLayout.Rows);
  });

  it('records as head the value of the point exactly at a bucket start, NaN where none is, and the extremes of the rest', () => {
    const stats = rollupStats({ timestamps: [T0, T0 + 60_000, T0 + 3_600_001, T0 + 7_200_000], values: [4, 5, 6, 7] }, 3_600_000, { heads: true });
    expect(Array.from(stats.timestamps)).toEqual([T0, T0 + 3_600_000, T0 + 7_200_000]);
    expect(Array.from(stats.head!)).toEqual([4, NaN, 7]);
    // The extremes of the points after the head: 5 alone; 6 (no head); none besides the head.
    expect(Array.from(stats.restMin!)).toEqual([5, 6, NaN]);
    expect(Array.from(stats.restMax!)).toEqual([5, 6, NaN]);
    expect(rollupStats({ timestamps: [T0], values: [1] }, 3_600_000).head).toBeUndefined();
  });
});

describe('blocks', () => {
  const sectionsOf = (keys: string[]): SeriesSection[] =>
    keys.map((k, i) => buildDaySection(k, { timestamps: Float64Array.of(T0 + i, T0 + 3_600_000 + i), values: Float64Array.of(i, -i) }));

  it('round-trips any set of series keys, in UTF-8 byte order, prefix-compressed', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), { minLength: 0, maxLength: 30 }), (keys) => {
        const sorted = [...keys].sort(compareSeriesKeys);
        const sections = sectionsOf(sorted);
        const block = encodeBlock({ kind: BlockKind.Day, tenant: 't', period: 20_000, shard: 3, shardCount: 8 }, sections);
        const { indexOffset, indexLength } = readBlockTrailer(block.bytes);
        expect({ indexOffset, indexLength }).toEqual({ indexOffset: block.indexOffset, indexLength: block.indexLength });
        const opened = openBlock(block.bytes);
        expect(opened.index.entries.map((e) => e.seriesKey)).toEqual(sorted);
        for (const [i, entry] of opened.index.entries.entries()) expect(opened.section(entry)).toEqual(sections[i]);
      }),
      { numRuns: 100 },
    );
  });

  it('serves any run of parts with one range', () => {
    const [section] = sectionsOf(['x']);
    const block = encodeBlock({ kind: BlockKind.Day, tenant: 't', period: 1, shard: 0, shardCount: 1 }, [section]);
    const index = decodeBlockIndex(block.bytes.subarray(block.indexOffset, block.indexOffset + block.indexLength), block.indexOffset);
    const entry = index.byKey.get('x')!;
    for (const parts of [['raw'], ['h1'], ['raw', 'm5'], ['raw', 'd1'], ['m5', 'h1', 'd1']] as const) {
      const { start, end } = partsRange(entry, parts);
      const got = splitParts(entry, parts, block.bytes.subarray(start, end));
      for (const part of parts) expect(got[part]).toEqual(section.parts[part]);
    }
  });

  it.each([
    ['keys out of order', ['b', 'a'], /out of order or repeated/],
    ['a repeated key', ['a', 'a'], /out of order or repeated/],
  ])('refuses %s', (_, keys, message) => {
    expect(() => encodeBlock({ kind: BlockKind.Day, tenant: 't', period: 1, shard: 0, shardCount: 1 }, sectionsOf(keys))).toThrow(message);
  });

  it.each([
    [3, 0],
    [4, 4],
    [0, 0],
  ])('refuses shard %d of %d', (shardCount, shard) => {
    expect(() => encodeBlock({ kind: BlockKind.Day, tenant: 't', period: 1, shard, shardCount }, [])).toThrow(InvalidColdInputError);
  });

  it('detects every single-bit flip in the index, and truncation', () => {
    const block = encodeBlock({ kind: BlockKind.Day, tenant: 'acme', period: 20_758, shard: 0, shardCount: 1 }, sectionsOf(['a', 'b{x="y"}']));
    const index = block.bytes.slice(block.indexOffset, block.indexOffset + block.indexLength);
    for (let bit = 0; bit < index.length * 8; bit++) {
      const flipped = index.slice();
      flipped[bit >> 3] ^= 0x80 >> (bit & 7);
      expect(() => decodeBlockIndex(flipped, block.indexOffset)).toThrow(ColdFormatError);
    }
    expect(() => decodeBlockIndex(index.subarray(0, index.length - 1), block.indexOffset)).toThrow(ColdFormatError);
    expect(() => decodeBlockIndex(index, block.indexOffset + 1)).toThrow(/sections end at/);
    expect(() => readBlockTrailer(block.bytes.subarray(0, block.bytes.length - 1))).toThrow(ColdFormatError);
  });
});

describe('manifests', () => {
  const hash = (n: number) => Uint8Array.from({ length: 16 }, (_, i) => (i * 7 + n) & 0xff);
  const manifest: Manifest = {
    tenant: 'acme',
    month: monthOfDay(20_758),
    days: [
      { day: 20_758, shardCount: 4, blocks: [{ shard: 1, series: 10, points: 14_400, size: 1_000, indexOffset: 900, indexLength: 84, hash: hash(1) }, { shard: 3, series: 2, points: 5, size: 200, indexOffset: 150, indexLength: 34, hash: hash(2) }] },
      { day: 20_760, shardCount: 1, blocks: [{ shard: 0, series: 1, points: 1, size: 100, indexOffset: 60, indexLength: 24, hash: hash(3) }] },
    ],
    rollup: { shardCount: 1, blocks: [{ shard: 0, series: 12, points: 14_406, size: 5_000, indexOffset: 4_000, indexLength: 984, hash: hash(4) }] },
  };

  it('round-trips, and finds the block of a shard', () => {
    expect(decodeManifest(encodeManifest(manifest))).toEqual(manifest);
    expect(blockForShard(manifest.days[0], 3)?.series).toBe(2);
    expect(blockForShard(manifest.days[0], 2)).toBeUndefined();
  });

  it('detects every single-bit flip', () => {
    const encoded = encodeManifest(manifest);
    for (let bit = 0; bit < encoded.length * 8; bit++) {
      const flipped = encoded.slice();
      flipped[bit >> 3] ^= 0x80 >> (bit & 7);
      expect(() => decodeManifest(flipped)).toThrow(ColdFormatError);
    }
  });

  it.each<[string, Partial<Manifest>, RegExp]>([
    ['a day outside the month', { days: [{ ...manifest.days[0], day: monthEndDay(manifest.month) }] }, /not in month/],
    ['days out of order', { days: [manifest.days[1], manifest.days[0]] }, /not ascending/],
    ['a shard count that is not a power of two', { days: [{ ...manifest.days[0], shardCount: 3 }] }, /power of two/],
    ['an index that does not end at the trailer', { days: [{ ...manifest.days[1], blocks: [{ ...manifest.days[1].blocks[0], size: 101 }] }] }, /before the trailer/],
  ])('refuses %s', (_, change, message) => {
    expect(() => encodeManifest({ ...manifest, ...change })).toThrow(message);
  });
});

describe('year catalogs', () => {
  const hash = (n: number) => Uint8Array.from({ length: 16 }, (_, i) => (i * 5 + n) & 0xff);
  const day = (d: number, n: number) => ({ day: d, shardCount: 1, blocks: [{ shard: 0, series: 1, points: 1, size: 100, indexOffset: 60, indexLength: 24, hash: hash(n) }] });
  const catalog: Catalog = {
    tenant: 'acme',
    year: 2026,
    months: [
      { tenant: 'acme', month: monthOfDay(20_758) - 1, days: [day(20_730, 1)] },
      { tenant: 'acme', month: monthOfDay(20_758), days: [day(20_758, 2), day(20_760, 3)], rollup: { shardCount: 1, blocks: [{ shard: 0, series: 1, points: 2, size: 90, indexOffset: 50, indexLength: 24, hash: hash(4) }] } },
    ],
    rollup: { shardCount: 2, blocks: [{ shard: 1, series: 1, points: 3, size: 80, indexOffset: 40, indexLength: 24, hash: hash(5) }] },
  };

  it('round-trips, with every month manifest inside', () => {
    expect(decodeCatalog(encodeCatalog(catalog))).toEqual(catalog);
    expect(decodeCatalog(encodeCatalog({ ...catalog, months: [], rollup: undefined }))).toEqual({ tenant: 'acme', year: 2026, months: [] });
  });

  it('detects every single-bit flip', () => {
    const encoded = encodeCatalog(catalog);
    for (let bit = 0; bit < encoded.length * 8; bit++) {
      const flipped = encoded.slice();
      flipped[bit >> 3] ^= 0x80 >> (bit & 7);
      expect(() => decodeCatalog(flipped)).toThrow(ColdFormatError);
    }
  });

  it.each<[string, Partial<Catalog>, RegExp]>([
    ['a month of another year', { year: 2025 }, /not in year 2025/],
    ['months out of order', { months: [catalog.months[1], catalog.months[0]] }, /not ascending/],
    ['a manifest of another tenant', { tenant: 'beta' }, /belongs to acme, not beta/],
    ['a year rollup with a bad shard count', { rollup: { ...catalog.rollup!, shardCount: 3 } }, /power of two/],
  ])('refuses %s', (_, change, message) => {
    expect(() => encodeCatalog({ ...catalog, ...change })).toThrow(message);
  });
});

describe('periods, shards and keys', () => {
  it.each([
    ['2026-11-01', 20_758],
    ['1970-01-01', 0],
    ['2024-02-29', 19_782],
  ])('%s is day %d', (iso, day) => {
    expect(parseDayIso(iso)).toBe(day);
    expect(dayIso(day)).toBe(iso);
  });

  it.each(['2026-02-30', '2026-13-01', '26-11-01', '2026-11-01T00:00:00Z', ''])('%s is not a day', (text) => {
    expect(parseDayIso(text)).toBeUndefined();
  });

  it('numbers months from 1970-01 and knows their days', () => {
    expect(monthOfDay(dayNumber(T0))).toBe(682);
    expect(monthIso(682)).toBe('2026-11');
    expect(monthFirstDay(682)).toBe(dayNumber(T0));
    expect(monthEndDay(682) - monthFirstDay(682)).toBe(30);
    expect(monthEndDay(673) - monthFirstDay(673)).toBe(28); // 2026-02
  });

  it.each([
    ['2026-11', 682],
    ['1970-01', 0],
    ['2024-12', 659],
  ])('%s is month %d', (iso, month) => {
    expect(parseMonthIso(iso)).toBe(month);
    expect(monthIso(month)).toBe(iso);
  });

  it.each(['2026-00', '2026-13', '26-11', '2026-11-01', '2026-1', ''])('%s is not a month', (text) => {
    expect(parseMonthIso(text)).toBeUndefined();
  });

  it('reads the month back from a manifest key, and nothing from any other key', () => {
    const keys = new ColdKeys('strata/');
    for (const month of [0, 659, 682, 1_000]) expect(keys.manifestMonth('acme', keys.manifest('acme', month))).toBe(month);
    const h = new Uint8Array(16);
    for (const other of [keys.manifest('beta', 682), keys.catalog('acme', 2026), keys.monthBlock('acme', 682, 0, 1, h), 'strata/v1/acme/manifest/2026-11.stm.tmp', 'strata/v1/acme/manifest/2026-13.stm']) {
      expect(keys.manifestMonth('acme', other)).toBeUndefined();
    }
  });

  it('spreads series over shards by CRC-32 of the key; a split in two halves each shard', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `cpu{host="h${i}"}`);
    const counts = new Array(8).fill(0);
    for (const k of keys) counts[shardOf(k, 8)]++;
    expect(Math.min(...counts)).toBeGreaterThan(90);
    for (const k of keys) expect(shardOf(k, 16) % 8).toBe(shardOf(k, 8));
  });

  it('names objects under the prefix and the tenant', () => {
    const keys = new ColdKeys('strata/');
    const h = Uint8Array.from({ length: 16 }, (_, i) => i);
    expect(keys.manifest('acme', 682)).toBe('strata/v1/acme/manifest/2026-11.stm');
    expect(keys.dayBlock('acme', 20_758, 1, 4, h)).toBe('strata/v1/acme/day/2026-11-01/1-of-4-000102030405060708090a0b0c0d0e0f.stb');
    expect(keys.monthBlock('acme', 682, 0, 1, h)).toBe('strata/v1/acme/month/2026-11/0-of-1-000102030405060708090a0b0c0d0e0f.stb');
  });
});

describe('rollup parts', () => {
  it('detects every single-bit flip in the Rows layout', () => {
    const part = encodeRollupPart(rollupStats({ timestamps: [T0, T0 + 1], values: [1, 2] }, 86_400_000));
    for (let bit = 0; bit < part.length * 8; bit++) {
      const flipped = part.slice();
      flipped[bit >> 3] ^= 0x80 >> (bit & 7);
      expect(() => decodeRollupPart(flipped)).toThrow();
    }
  });
});
