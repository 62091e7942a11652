import { chunkInfo, decodeChunk, encodeChunk, iterateChunk } from './chunk';
import type { ChunkInput } from './chunk-input';
import { ChunkEncoding, MAX_POINTS_PER_CHUNK } from './encoding';
import { CodecError, InvalidChunkInputError, type InvalidChunkInputReason } from './errors';

const T0 = 1_700_000_000_000;

describe('encodeChunk input contract', () => {
  it.each<[string, ChunkInput, InvalidChunkInputReason, number | undefined]>([
    ['no points', [], 'empty', undefined],
    ['columns of different lengths', { timestamps: [T0, T0 + 1], values: [1] }, 'length-mismatch', undefined],
    ['a duplicate timestamp', { timestamps: [T0, T0 + 60_000, T0 + 60_000], values: [1, 2, 3] }, 'timestamps-not-increasing', 2],
    ['an unsorted timestamp', { timestamps: [T0, T0 - 1], values: [1, 2] }, 'timestamps-not-increasing', 1],
    ['a fractional timestamp', { timestamps: [T0 + 0.5], values: [1] }, 'timestamp-not-integer', 0],
    ['a NaN timestamp', [{ timestampMs: NaN, value: 1 }], 'timestamp-not-integer', 0],
    ['a timestamp beyond 2^53', { timestamps: [2 ** 53], values: [1] }, 'timestamp-not-integer', 0],
    ['a span above 2^53 - 1', { timestamps: [-(2 ** 52), 2 ** 52], values: [1, 2] }, 'span-too-large', undefined],
  ])('rejects %s', (_name, input, reason, pointIndex) => {
    let error: unknown;
    try {
      encodeChunk(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidChunkInputError);
    expect(error).toEqual(expect.objectContaining({ reason, pointIndex, retriable: false }));
  });

  it('rejects more than MAX_POINTS_PER_CHUNK points', () => {
    const n = MAX_POINTS_PER_CHUNK + 1;
    // The count is checked before the timestamps are read: zeros are enough.
    expect(() => encodeChunk({ timestamps: new Float64Array(n), values: new Float64Array(n) })).toThrow(
      expect.objectContaining({ reason: 'too-many-points' }),
    );
  });

  it('takes a 4 h window at 1 ms resolution: more points than the old limit of 2^20 (issue 14)', () => {
    expect(MAX_POINTS_PER_CHUNK).toBeGreaterThanOrEqual(4 * 3_600_000);
    const n = (1 << 20) + 1;
    const timestamps = Float64Array.from({ length: n }, (_, i) => T0 + i);
    const values = Float64Array.from({ length: n }, (_, i) => (i * 7) % 1_000);
    const decoded = decodeChunk(encodeChunk({ timestamps, values }));
    expect(decoded.timestamps).toEqual(timestamps);
    expect(decoded.values).toEqual(values);
  });

  it('names the offending point in the message', () => {
    expect(() => encodeChunk({ timestamps: [T0, T0], values: [1, 2] })).toThrow(
      `timestamp ${T0} at index 1 duplicates the previous one (${T0}); sort and dedupe before encoding`,
    );
  });

  it('refuses a forced Decimal encoding for values that are not exact decimals', () => {
    expect(() => encodeChunk({ timestamps: [T0], values: [0.1 + 0.2] }, { encoding: ChunkEncoding.Decimal })).toThrow(
      expect.objectContaining({ reason: 'encoding-not-applicable' }),
    );
  });
});

describe('encoding choice', () => {
  const timestamps = Float64Array.from({ length: 120 }, (_, i) => T0 + i * 60_000);
  const series = (value: (i: number) => number) => ({
    timestamps,
    values: Float64Array.from(timestamps, (_, i) => value(i)),
  });

  it.each<[string, (i: number) => number, ChunkEncoding]>([
    ['2-decimal gauge', (i) => Math.round(3742 + 50 * Math.sin(i)) / 100, ChunkEncoding.Decimal],
    ['integer counter', (i) => 1_000_000 + i * 61_234, ChunkEncoding.Decimal],
    ['full-precision noise', (i) => Math.sin(i) * 1e3, ChunkEncoding.Xor],
    ['a NaN among decimals', (i) => (i === 7 ? NaN : i / 4), ChunkEncoding.Xor],
    ['a -0 among integers', (i) => (i === 7 ? -0 : i), ChunkEncoding.Xor],
  ])('%s is stored as %s', (_name, value, expected) => {
    expect(decodeChunk(encodeChunk(series(value))).encoding).toBe(expected);
  });

  it('stores a regular 2-hour 2-decimal gauge in well under 1.4 bytes per point', () => {
    let level = 3742;
    // A deterministic walk with steps of up to ±0.50.
    const values = Float64Array.from(timestamps, (_, i) => (level = Math.max(0, level + ((i * 7919) % 101) - 50)) / 100);
    expect(encodeChunk({ timestamps, values }).length / 120).toBeLessThan(1.4);
  });
});

describe('chunkInfo', () => {
  const bytes = encodeChunk({ timestamps: [-5, 0, 1_000], values: [1, 2, 3] });

  it('reads encoding, count and time range from the header', () => {
    expect(chunkInfo(bytes)).toEqual({
      encoding: ChunkEncoding.Decimal,
      count: 3,
      minTimestampMs: -5,
      maxTimestampMs: 1_000,
      byteLength: bytes.length,
    });
  });

  it('verifies the checksum unless told not to', () => {
    const damaged = bytes.slice();
    damaged[damaged.length - 1] ^= 1;
    expect(() => chunkInfo(damaged)).toThrow(CodecError);
    expect(chunkInfo(damaged, { verifyChecksum: false }).count).toBe(3);
  });
});

describe('iterateChunk', () => {
  it('yields the points in time order', () => {
    const points = [
      { timestampMs: T0, value: 0.5 },
      { timestampMs: T0 + 15_000, value: -0 },
      { timestampMs: T0 + 75_000, value: Infinity },
    ];
    expect([...iterateChunk(encodeChunk(points))]).toEqual(points);
  });
});
