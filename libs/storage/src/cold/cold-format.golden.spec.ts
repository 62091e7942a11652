import { rollupStats } from '@strata/model';
import { encodeChunk } from '../codec/chunk';
import { BlockKind, decodeBlockIndex, encodeBlock, openBlock, readBlockTrailer } from './block';
import { decodeCatalog, encodeCatalog, type Catalog } from './catalog';
import { decodeManifest, encodeManifest, type Manifest } from './manifest';
import { decodeRollupPart, encodeRawPart, encodeRollupPart, RollupLayout, splitRawPart, splitRollupPart } from './parts';
import { dayNumber } from './periods';

// The worked examples of docs/cold-format.md, pinned to the byte. Changing any of these
// bytes changes the format: bump the version byte instead and keep reading version 1.

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');
const bytes = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

const T0 = Date.UTC(2026, 10, 1);
const DAY = dayNumber(T0); // 20758, 2026-11-01
const EMPTY = new Uint8Array(0);
const CHUNK_A = encodeChunk([
  { timestampMs: T0, value: 1.5 },
  { timestampMs: T0 + 60_000, value: 2 },
]);
const CHUNK_B = encodeChunk([{ timestampMs: T0 + 3_600_000, value: 7 }]);

const GOLDEN_BLOCK = `
  53 54 42 4b 01
  14 02 02 80 a0 bf c6 b2 68 e0 d4 03 ff 01 1e ff 0a df 4c 7d 3c
  0f 02 01 80 da f6 c9 b2 68 00 00 0e 88 e0 c5 6f
  01 04 61 63 6d 65 96 a2 01 00 01 02 05
  00 0d 63 70 75 7b 68 6f 73 74 3d 22 61 22 7d 02 15 00 00 00
  0a 03 62 22 7d 01 10 00 00 00
  4b 53 04 36
  2a 00 00 00 00 00 00 00 2f 00 00 00 53 54 42 4b`;

const GOLDEN_MANIFEST = `
  53 54 4d 46 01 04 61 63 6d 65 aa 05 01
  96 a2 01 01 01 00 02 03 69 2a 2f 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f
  00 4a 6e 01 9a`;

const GOLDEN_CATALOG = `
  53 54 59 43 01 04 61 63 6d 65 ea 0f 01
  2d
  53 54 4d 46 01 04 61 63 6d 65 aa 05 01
  96 a2 01 01 01 00 02 03 69 2a 2f 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f
  00 4a 6e 01 9a
  01 01 01 00 02 03 78 3c 2c f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe ff
  9e bb 18 c6`;

const GOLDEN_ROWS = `
  02 01 80 d0 9f a3 99 34
  00 00 00 00 00 00 f8 3f 00 00 00 00 00 00 0a 40 00 00 00 00 00 00 1b 40 00 00 00 00 00 00 08 40 00 00 00 00 00 00 0a 40
  c1 44 a7 72`;

describe('cold format golden bytes', () => {
  const block = encodeBlock({ kind: BlockKind.Day, tenant: 'acme', period: DAY, shard: 0, shardCount: 1 }, [
    { seriesKey: 'cpu{host="a"}', points: 2, parts: { raw: encodeRawPart([CHUNK_A]), m5: EMPTY, h1: EMPTY, d1: EMPTY } },
    { seriesKey: 'cpu{host="b"}', points: 1, parts: { raw: encodeRawPart([CHUNK_B]), m5: EMPTY, h1: EMPTY, d1: EMPTY } },
  ]);

  it('encodes the worked block example byte for byte', () => {
    expect(hex(block.bytes)).toBe(hex(bytes(GOLDEN_BLOCK)));
    expect(block).toMatchObject({ indexOffset: 42, indexLength: 47, series: 2, points: 3 });
  });

  it('reads the worked block back: trailer, index and sections', () => {
    const golden = bytes(GOLDEN_BLOCK);
    expect(readBlockTrailer(golden)).toEqual({ indexOffset: 42, indexLength: 47 });
    const index = decodeBlockIndex(golden.subarray(42, 89), 42);
    expect(index.identity).toEqual({ kind: BlockKind.Day, tenant: 'acme', period: DAY, shard: 0, shardCount: 1 });
    expect(index.entries.map((e) => [e.seriesKey, e.offset, e.lengths.raw, e.points])).toEqual([
      ['cpu{host="a"}', 5, 21, 2],
      ['cpu{host="b"}', 26, 16, 1],
    ]);
    const opened = openBlock(golden);
    expect(splitRawPart(opened.section(index.entries[1]).parts.raw)).toEqual([CHUNK_B]);
  });

  const manifest: Manifest = {
    tenant: 'acme',
    month: 682,
    days: [{ day: DAY, shardCount: 1, blocks: [{ shard: 0, series: 2, points: 3, size: 105, indexOffset: 42, indexLength: 47, hash: Uint8Array.from({ length: 16 }, (_, i) => i) }] }],
  };

  it('encodes the worked manifest example byte for byte, and back', () => {
    expect(hex(encodeManifest(manifest))).toBe(hex(bytes(GOLDEN_MANIFEST)));
    expect(decodeManifest(bytes(GOLDEN_MANIFEST))).toEqual(manifest);
  });

  it('encodes the worked year catalog example byte for byte, and back', () => {
    const catalog: Catalog = {
      tenant: 'acme',
      year: 2026,
      months: [manifest],
      rollup: { shardCount: 1, blocks: [{ shard: 0, series: 2, points: 3, size: 120, indexOffset: 60, indexLength: 44, hash: Uint8Array.from({ length: 16 }, (_, i) => 0xf0 + i) }] },
    };
    expect(hex(encodeCatalog(catalog))).toBe(hex(bytes(GOLDEN_CATALOG)));
    expect(decodeCatalog(bytes(GOLDEN_CATALOG))).toEqual(catalog);
  });

  it('stores a day\u2019s single 1 d row in the Rows layout', () => {
    const stats = rollupStats({ timestamps: [T0, T0 + 60_000, T0 + 360_000], values: [1.5, 2, 3.25] }, 86_400_000);
    const part = encodeRollupPart(stats);
    expect(hex(part)).toBe(hex(bytes(GOLDEN_ROWS)));
    expect(splitRollupPart(part).layout).toBe(RollupLayout.Rows);
    expect(decodeRollupPart(part)).toEqual(stats);
  });

  it('stores many rows of decimal gauges as chunks, sums as rounded decimals plus ulp corrections', () => {
    const timestamps = Array.from({ length: 1440 }, (_, i) => T0 + i * 60_000);
    const values = timestamps.map((_, i) => Math.round((40 + 10 * Math.sin(i / 50)) * 100) / 100);
    const stats = rollupStats({ timestamps, values }, 300_000);
    const part = encodeRollupPart(stats);
    expect(splitRollupPart(part).layout).toBe(RollupLayout.DecimalWithUlps);
    // Five plain chunks would spend about 7 bytes a row on the float sums alone.
    const plain = [stats.min, stats.max, stats.sum, stats.count, stats.last].reduce((n, values) => n + encodeChunk({ timestamps: stats.timestamps, values }).length, 0);
    expect(part.length).toBeLessThan(plain * 0.6);
    const back = decodeRollupPart(part);
    expect(Array.from(back.sum)).toEqual(Array.from(stats.sum));
    expect(back).toEqual(stats);
  });
});
