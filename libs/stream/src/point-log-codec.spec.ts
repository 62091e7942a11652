import fc from 'fast-check';
import { isSharedLabels } from '@strata/model';
import { Label, Point, PointsAppended } from '@strata/proto';
import { WireError } from '@strata/runtime';
import { encodeChunk } from '@strata/storage/codec';
import { decodePointsAppendedValue, encodePointsAppendedValue } from './point-log-codec';

const generated = (event: PointsAppended) => Buffer.from(PointsAppended.encode(event).finish());
const ours = (event: PointsAppended) => encodePointsAppendedValue(event.tenant, event.series!.name, event.series!.labels, event.series!.points, event.acceptedAtMs);

const int64 = fc.oneof(
  fc.constant(0),
  fc.constantFrom(1, 127, 128, 16_383, 16_384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, -1, -128, -(2 ** 31), -(2 ** 32), Number.MIN_SAFE_INTEGER),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
);
const value = fc.oneof(fc.constant(0), fc.constant(-0), fc.constant(Number.NaN), fc.double(), fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 100));
// ASCII up to 70 characters crosses the encoder's byte-by-byte limit (64); the others take Buffer's UTF-8 writer.
const text = fc.oneof(fc.constant(''), fc.string({ maxLength: 70, unit: 'grapheme-ascii' }), fc.string({ maxLength: 30, unit: 'grapheme' }), fc.string({ maxLength: 200, unit: 'binary' }));
const event: fc.Arbitrary<PointsAppended> = fc.record({
  tenant: text,
  series: fc.record({
    name: text,
    labels: fc.array(fc.record({ name: text, value: text }), { maxLength: 12 }),
    points: fc.array(fc.record({ timestampMs: int64, value }), { maxLength: 200 }),
  }),
  acceptedAtMs: int64,
  packedPoints: fc.constant(Buffer.alloc(0)),
});

/** The generated decoder's reading of a value, without the packed points field, which a decoded event never holds. */
const generatedDecode = (bytes: Uint8Array) => {
  const { packedPoints, ...rest } = PointsAppended.decode(bytes);
  expect(packedPoints.length).toBe(0);
  return rest;
};

/** What the generated decoder gives for an event (-0 is not written, so it comes back as 0). */
const expected = (e: PointsAppended) => generatedDecode(generated(e));

describe('PointsAppended codec', () => {
  it('writes exactly the bytes of the generated encoder', () => {
    fc.assert(fc.property(event, (e) => expect(ours(e).equals(generated(e))).toBe(true)), { numRuns: 500 });
  });

  it('reads back what the generated decoder reads, from either encoder', () => {
    fc.assert(
      fc.property(event, (e) => {
        expect(decodePointsAppendedValue(generated(e))).toEqual(expected(e));
        expect(decodePointsAppendedValue(ours(e))).toEqual(expected(e));
      }),
      { numRuns: 500 },
    );
  });

  it('encodes a slice of the points as the event holding only those points', () => {
    fc.assert(
      fc.property(event, fc.nat(), fc.nat(), (e, a, b) => {
        const n = e.series!.points.length;
        const from = n === 0 ? 0 : a % (n + 1);
        const to = from + (n === 0 ? 0 : b % (n - from + 1));
        const slice = encodePointsAppendedValue(e.tenant, e.series!.name, e.series!.labels, e.series!.points, e.acceptedAtMs, from, to);
        expect(slice.equals(generated({ ...e, series: { ...e.series!, points: e.series!.points.slice(from, to) } }))).toBe(true);
      }),
    );
  });

  it('reads fields in any order, skips unknown ones and keeps the last of a repeated scalar', () => {
    const point = Buffer.from([0x11, ...new Uint8Array(new Float64Array([2.5]).buffer), 0x08, 0x2a, 0x20, 0x07, 0x2a, 0x01, 0x78]);
    const label = Buffer.from([0x12, 0x01, 0x76, 0x0a, 0x01, 0x6b]);
    const series = Buffer.concat([Buffer.from([0x1a, point.length]), point, Buffer.from([0x0a, 0x01, 0x6d, 0x12, label.length]), label, Buffer.from([0x0a, 0x01, 0x6e])]);
    const body = Buffer.concat([
      Buffer.from([0x18, 0x05, 0x0a, 0x01, 0x61]),
      Buffer.from([0x12, series.length]),
      series,
      Buffer.from([0x25, 1, 2, 3, 4, 0x29, 1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x01, 0x62]),
    ]);
    const decoded = decodePointsAppendedValue(body);
    expect(decoded).toEqual({ tenant: 'b', series: { name: 'n', labels: [{ name: 'k', value: 'v' }], points: [{ timestampMs: 42, value: 2.5 }] }, acceptedAtMs: 5 });
    expect(decoded).toEqual(generatedDecode(body));
  });

  it('gives every record of a series the same shared, frozen labels, and reads a series with its labels after a point the same as one with them first', () => {
    const labels = [{ name: 'host', value: 'h1' }, { name: 'zone', value: 'é' }];
    const first = decodePointsAppendedValue(encodePointsAppendedValue('t', 'cpu', labels, [{ timestampMs: 1, value: 1 }], 9));
    const second = decodePointsAppendedValue(encodePointsAppendedValue('u', 'cpu', labels, [{ timestampMs: 2, value: 2 }], 9));
    expect(second.series!.labels).toBe(first.series!.labels);
    expect(Object.isFrozen(first.series!.labels)).toBe(true);
    expect(isSharedLabels(first.series!.labels)).toBe(true);
    // The same labels under another name are another identity.
    const renamed = decodePointsAppendedValue(encodePointsAppendedValue('t', 'mem', labels, [{ timestampMs: 1, value: 1 }], 9));
    expect(renamed.series).toEqual({ name: 'mem', labels, points: [{ timestampMs: 1, value: 1 }] });
    // Written by hand: a label after the point.
    const field = (tag: number, bytes: Uint8Array) => Buffer.concat([Buffer.from([tag, bytes.length]), bytes]);
    const series = Buffer.concat([
      field(0x0a, Buffer.from('cpu')),
      field(0x12, Label.encode(labels[0]).finish()),
      field(0x1a, Point.encode({ timestampMs: 1, value: 1 }).finish()),
      field(0x12, Label.encode(labels[1]).finish()),
    ]);
    const body = Buffer.concat([field(0x0a, Buffer.from('t')), field(0x12, series)]);
    const mixed = decodePointsAppendedValue(body);
    expect(mixed).toEqual({ tenant: 't', series: { name: 'cpu', labels, points: [{ timestampMs: 1, value: 1 }] }, acceptedAtMs: 0 });
    expect(mixed).toEqual(generatedDecode(body));
    expect(isSharedLabels(mixed.series!.labels)).toBe(false);
  });

  it('decodes as before, labels unshared, once more distinct series pass than it keeps (lookups turned off)', () => {
    const record = (i: number) => encodePointsAppendedValue('t', 'churn', [{ name: 'id', value: String(i) }], [{ timestampMs: i, value: i }], 9);
    // Each met once: no hits, so a judged generation turns lookups off.
    let i = 0;
    while (isSharedLabels(decodePointsAppendedValue(record(i)).series!.labels) && i < 200_000) i++;
    expect(i).toBeLessThan(200_000);
    const plain = decodePointsAppendedValue(record(i + 1));
    expect(isSharedLabels(plain.series!.labels)).toBe(false);
    expect(plain).toEqual(generatedDecode(record(i + 1)));
  });

  it('writes a packed record as the generated encoder writes its packedPoints, and reads its chunk back as points or kept whole', () => {
    const packedEvent = fc.record({
      e: event,
      times: fc.uniqueArray(fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }), { minLength: 1, maxLength: 300 }),
      values: fc.array(fc.oneof(fc.double({ noNaN: true }), fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 100)), { minLength: 300, maxLength: 300 }),
    });
    fc.assert(
      fc.property(packedEvent, ({ e, times, values }) => {
        const timestamps = Float64Array.from(times).sort();
        const chunk = encodeChunk({ timestamps, values: Float64Array.from(values.slice(0, timestamps.length)) });
        const { tenant, series, acceptedAtMs } = e;
        const value = encodePointsAppendedValue(tenant, series!.name, series!.labels, [], acceptedAtMs, 0, 0, chunk);
        expect(value.equals(generated({ tenant, series: { ...series!, points: [] }, acceptedAtMs, packedPoints: Buffer.from(chunk) }))).toBe(true);
        const points = Array.from(timestamps, (t, i) => ({ timestampMs: t, value: values[i] }));
        expect(decodePointsAppendedValue(value)).toEqual({ tenant, series: { name: series!.name, labels: series!.labels, points }, acceptedAtMs });
        const kept = decodePointsAppendedValue(value, true);
        expect(kept.series!.points).toEqual([]);
        expect(Buffer.from(kept.packed!.bytes).equals(chunk)).toBe(true);
        expect(kept.packed).toMatchObject({ count: timestamps.length, firstMs: timestamps[0], lastMs: timestamps[timestamps.length - 1] });
      }),
      { numRuns: 200 },
    );
  });

  it('decodes a chunk after points listed in the same record, and refuses a chunk that does not check as WireError', () => {
    const chunk = encodeChunk({ timestamps: [10, 20], values: [1.5, 2.5] });
    const both = generated({ tenant: 't', series: { name: 'm', labels: [], points: [{ timestampMs: 5, value: 1 }] }, acceptedAtMs: 1, packedPoints: Buffer.from(chunk) });
    for (const keep of [false, true]) {
      const decoded = decodePointsAppendedValue(both, keep);
      expect(decoded.series!.points).toEqual([{ timestampMs: 5, value: 1 }, { timestampMs: 10, value: 1.5 }, { timestampMs: 20, value: 2.5 }]);
      expect(decoded.packed).toBeUndefined();
    }
    const seriesless = generated({ tenant: 't', series: undefined, acceptedAtMs: 1, packedPoints: Buffer.from(chunk) });
    expect(decodePointsAppendedValue(seriesless, true)).toEqual({ tenant: 't', series: undefined, acceptedAtMs: 1 });
    const flipped = Buffer.from(chunk);
    flipped[3] ^= 0x10;
    const corrupt = generated({ tenant: 't', series: { name: 'm', labels: [], points: [] }, acceptedAtMs: 1, packedPoints: flipped });
    expect(() => decodePointsAppendedValue(corrupt)).toThrow(WireError);
    expect(() => decodePointsAppendedValue(corrupt, true)).toThrow(/packed points: .*checksum/);
  });

  it('refuses an int64 beyond the exact numbers rather than rounding a timestamp', () => {
    // 2^53 as a varint: field 3 (acceptedAtMs).
    const body = Buffer.from([0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]);
    expect(() => decodePointsAppendedValue(body)).toThrow(WireError);
    expect(() => PointsAppended.decode(body)).toThrow();
  });

  it('throws WireError, and nothing else, for every truncation and corruption of a record', () => {
    fc.assert(
      fc.property(event, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (e, cut, at, byte) => {
        const bytes = ours(e);
        if (bytes.length === 0) return;
        const truncated = bytes.subarray(0, cut % bytes.length);
        const corrupt = Buffer.from(bytes);
        corrupt[at % bytes.length] = byte;
        for (const body of [truncated, corrupt]) {
          try {
            decodePointsAppendedValue(body);
          } catch (error) {
            expect(error).toBeInstanceOf(WireError);
          }
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
