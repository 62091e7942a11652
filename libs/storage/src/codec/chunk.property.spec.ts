import fc from 'fast-check';
import { chunkInfo, decodeChunk, encodeChunk } from './chunk';
import { type Series, seriesArb, toBits } from '../testing/chunk.test-support';
import { ChunkEncoding } from './encoding';

function expectRoundTrip(series: Series, encoding?: ChunkEncoding): void {
  const bytes = encodeChunk(series, { encoding });
  const decoded = decodeChunk(bytes);
  expect(Array.from(decoded.timestamps)).toEqual(Array.from(series.timestamps));
  expect(toBits(decoded.values)).toEqual(toBits(series.values)); // bit for bit: -0, NaN payloads
  if (encoding !== undefined) expect(decoded.encoding).toBe(encoding);

  const n = series.timestamps.length;
  expect(chunkInfo(bytes)).toEqual({
    encoding: decoded.encoding,
    count: n,
    minTimestampMs: series.timestamps[0],
    maxTimestampMs: series.timestamps[n - 1],
    byteLength: bytes.length,
  });
}

describe('encodeChunk / decodeChunk round trip', () => {
  it('restores every timestamp and every value bit for bit', () => {
    fc.assert(fc.property(seriesArb(), (series) => expectRoundTrip(series)), { numRuns: 500 });
  });

  it('does so under forced XOR as well', () => {
    fc.assert(fc.property(seriesArb(), (series) => expectRoundTrip(series, ChunkEncoding.Xor)), { numRuns: 200 });
  });

  it('handles single points', () => {
    fc.assert(fc.property(seriesArb({ maxLength: 1 }), (series) => expectRoundTrip(series)), { numRuns: 200 });
  });

  it('handles thousands of points', () => {
    fc.assert(fc.property(seriesArb({ minLength: 1000, maxLength: 5000 }), (series) => expectRoundTrip(series)), {
      numRuns: 20,
    });
  });

  it('handles 65 536 regular points', () => {
    const n = 65_536;
    const timestamps = Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 1_000);
    const values = Float64Array.from({ length: n }, (_, i) => Math.round(5000 + 3000 * Math.sin(i / 50)) / 100);
    expectRoundTrip({ timestamps, values });
    expectRoundTrip({ timestamps, values }, ChunkEncoding.Xor);
  });

  it('accepts point objects and plain arrays too', () => {
    fc.assert(
      fc.property(seriesArb({ maxLength: 50 }), ({ timestamps, values }) => {
        const points = Array.from(timestamps, (t, i) => ({ timestampMs: t, value: values[i] }));
        const fromPoints = decodeChunk(encodeChunk(points));
        const fromArrays = decodeChunk(encodeChunk({ timestamps: Array.from(timestamps), values: Array.from(values) }));
        for (const decoded of [fromPoints, fromArrays]) {
          expect(Array.from(decoded.timestamps)).toEqual(Array.from(timestamps));
          // Through plain JS numbers the engine may canonicalise NaN payloads; all else is exact.
          const same = decoded.values.every((v, i) => Object.is(v, values[i]) || (isNaN(v) && isNaN(values[i])));
          expect(same).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('never picks an encoding larger than XOR', () => {
    fc.assert(
      fc.property(seriesArb(), (series) => {
        const xorLength = encodeChunk(series, { encoding: ChunkEncoding.Xor }).length;
        expect(encodeChunk(series).length).toBeLessThanOrEqual(xorLength);
      }),
      { numRuns: 300 },
    );
  });
});
