import fc from 'fast-check';
import { WriteRequest, type Series } from '@strata/proto';
import { MalformedRequestError, RequestTooLargeError } from './errors';
import { scanWriteRequest, type WriteRequestShapeLimits } from './write-request-scan';

const LIMITS: WriteRequestShapeLimits = { maxPoints: 10, maxSeries: 4, maxLabels: 6 };
const WIDE: WriteRequestShapeLimits = { maxPoints: 1e9, maxSeries: 1e9, maxLabels: 1e9 };

const bytes = (...parts: Array<number | number[] | Buffer>): Buffer =>
  Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(Array.isArray(p) ? p : [p]))));
/** A length-delimited field with a one-byte length. */
const ld = (tag: number, ...content: Array<number | number[] | Buffer>): Buffer => {
  const inner = bytes(...content);
  return bytes(tag, varint(inner.length), inner);
};
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const encode = (series: Series[]) => Buffer.from(WriteRequest.encode({ series }).finish());
const series = (labels: number, points: number, name = 'm'): Series => ({
  name,
  labels: Array.from({ length: labels }, (_, i) => ({ name: `l${i}`, value: 'v' })),
  points: Array.from({ length: points }, (_, i) => ({ timestampMs: 1_700_000_000_000 + i, value: i })),
});

/** `n` empty labels, two bytes each: what a label bomb is made of. */
const emptyLabels = (n: number) => Buffer.from(Array.from({ length: n }, () => [0x12, 0x00]).flat());
const point = ld(0x1a, 0x08, 0x01, 0x11, Buffer.alloc(8)); // Series.points: timestamp 1, value 0
const label = ld(0x12, ld(0x0a, 0x61), ld(0x12, 0x62)); // Series.labels: a=b

describe('scanWriteRequest', () => {
  describe('refuses a body that is not a well-formed WriteRequest, naming what and where', () => {
    it.each<[string, Buffer, RegExp]>([
      // The generated decoder ends a message at an end-group tag: 8 MB of garbage starting with 0x6c was answered OK.
      ['an end-group tag first (0x6c)', bytes(0x6c, Buffer.alloc(64, 0xab)), /end-group tag \(field 13\) in WriteRequest: no field of a WriteRequest is a group, at byte 0/],
      ['a start-group tag', bytes(0x0b, 0x0c), /start-group tag \(field 1\) in WriteRequest/],
      ['field number 0', bytes(0x00, 0x00), /field number 0, at byte 0/],
      ['wire type 6', bytes(0x0e), /field 1 in WriteRequest has invalid \(6\) wire type/],
      ['wire type 7', bytes(0x0f), /invalid \(7\) wire type/],
      ['series as a varint', bytes(0x08, 0x01), /WriteRequest.series\[0\] has wire type varint, expected length-delimited/],
      ['series as fixed32', bytes(0x0d, 0, 0, 0, 0), /WriteRequest.series\[0\] has wire type fixed32/],
      ['a series name as a varint', ld(0x0a, 0x08, 0x01), /series\[0\].name has wire type varint/],
      ['labels as fixed64', ld(0x0a, 0x11, Buffer.alloc(8)), /series\[0\].labels has wire type fixed64/],
      ['points as a varint', ld(0x0a, 0x18, 0x01), /series\[0\].points has wire type varint/],
      ['a label value as a varint', ld(0x0a, ld(0x12, 0x10, 0x01)), /series\[0\].labels.value has wire type varint/],
      ['a timestamp as fixed64', ld(0x0a, ld(0x1a, 0x09, Buffer.alloc(8))), /points.timestamp_ms has wire type fixed64, expected varint/],
      ['a value as a varint', ld(0x0a, ld(0x1a, 0x10, 0x01)), /points.value has wire type varint, expected fixed64/],
      ['a value cut short', ld(0x0a, ld(0x1a, 0x11, Buffer.alloc(7))), /points.value needs 8 bytes but 7 remain/],
      ['a series longer than the body', bytes(0x0a, 0x05, 0x00), /WriteRequest.series\[0\] says 5 bytes but 1 remain/],
      ['a label longer than its series', bytes(0x0a, 0x02, 0x12, 0x05), /series\[0\].labels says 5 bytes but 0 remain in its enclosing message/],
      ['a name longer than its label', ld(0x0a, ld(0x12, 0x0a, 0x03, 0x61)), /series\[0\].labels.name says 3 bytes but 1 remain/],
      ['a length cut off', bytes(0x0a, 0x80), /the length of WriteRequest.series\[0\] is a varint cut off/],
      ['a varint of 11 bytes', bytes(0x78, Buffer.alloc(10, 0xff), 0x01), /unknown field 15 in WriteRequest is a varint longer than 10 bytes/],
      ['a tag of 6 bytes', bytes(0x88, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00), /a field tag in WriteRequest is longer than 32 bits/],
      ['a length of 2^64 - 1', bytes(0x0a, Buffer.alloc(9, 0xff), 0x01), /says 18446744073709552000 bytes/],
      ['a group inside a series', ld(0x0a, 0x7b, 0x7c), /start-group tag \(field 15\) in WriteRequest.series\[0\]/],
      ['an end-group inside a point', ld(0x0a, point, ld(0x1a, 0x0c)), /end-group tag \(field 1\) in WriteRequest.series\[0\].points/],
      ['an end-group inside a label', ld(0x0a, ld(0x12, 0x14)), /end-group tag \(field 2\) in WriteRequest.series\[0\].labels/],
      ['an unknown field cut short', bytes(0x7d, 0, 0), /unknown field 15 in WriteRequest needs 4 bytes but 2 remain/],
    ])('%s', (_case, body, message) => {
      expect(() => scanWriteRequest(body, WIDE)).toThrow(MalformedRequestError);
      expect(() => scanWriteRequest(body, WIDE)).toThrow(message);
      expect(() => scanWriteRequest(body, WIDE)).toThrow(/is not a valid strata.v1.WriteRequest .*; nothing was stored/);
    });
  });

  it('counts series, labels and points of what the generated encoder writes', () => {
    expect(scanWriteRequest(Buffer.alloc(0), WIDE)).toEqual({ series: 0, labels: 0, points: 0 });
    expect(scanWriteRequest(encode([series(2, 3), series(0, 0, ''), series(1, 1)]), WIDE)).toEqual({ series: 3, labels: 3, points: 4 });
  });

  it('skips unknown fields of every valid wire type at every level, without looking inside', () => {
    const unknown = bytes(0x78, 0x96, 0x01, 0x79, Buffer.alloc(8), 0x7d, Buffer.alloc(4), ld(0x7a, 0x6c, 0x0b, 0xff)); // field 15 as each type; the bytes inside the length-delimited one are not a message
    let nested = bytes(0x0a, 0x01, 0x61);
    for (let i = 0; i < 2_000; i++) nested = bytes(0x7a, varint(nested.length), nested);
    const body = bytes(unknown, ld(0x0a, unknown, nested, ld(0x12, unknown, ld(0x0a, 0x61)), ld(0x1a, unknown, 0x08, 0x01)), unknown);
    expect(scanWriteRequest(body, WIDE)).toEqual({ series: 1, labels: 1, points: 1 });
    // The generated decoder agrees that this is one series of one label and one point.
    const decoded = WriteRequest.decode(body);
    expect([decoded.series.length, decoded.series[0].labels.length, decoded.series[0].points.length]).toEqual([1, 1, 1]);
  });

  describe('refuses a body over a count limit, at the first one past it', () => {
    it.each<[string, Buffer, RegExp | undefined]>([
      ['points at the limit', encode([series(0, 6), series(0, 4)]), undefined],
      ['points one past', encode([series(0, 6), series(0, 5)]), /at least 11 points; the limit is 10 per request \(STRATA_MAX_POINTS_PER_REQUEST\)/],
      ['series at the limit', encode([series(0, 1), series(0, 1), series(0, 1), series(0, 0)]), undefined],
      ['series one past', encode(Array.from({ length: 5 }, () => series(0, 0))), /at least 5 series; the limit is 4 per request \(STRATA_MAX_SERIES_PER_REQUEST\)/],
      ['labels at the limit', encode([series(3, 1), series(3, 1)]), undefined],
      ['labels one past', encode([series(3, 1), series(4, 1)]), /at least 7 labels; the limit is 6 per request \(STRATA_MAX_LABELS_PER_REQUEST\)/],
      ['labels one past in one series', encode([series(7, 1)]), /at least 7 labels/],
      ['empty labels at the limit', ld(0x0a, emptyLabels(6)), undefined],
      ['empty labels one past', ld(0x0a, emptyLabels(7)), /at least 7 labels/],
    ])('%s', (_case, body, message) => {
      if (message === undefined) {
        expect(() => scanWriteRequest(body, LIMITS)).not.toThrow();
        return;
      }
      expect(() => scanWriteRequest(body, LIMITS)).toThrow(RequestTooLargeError);
      expect(() => scanWriteRequest(body, LIMITS)).toThrow(message);
    });

    it('stops at the limit: a label bomb past it is refused before the malformed bytes after it are reached', () => {
      const bomb = bytes(ld(0x0a, emptyLabels(7), 0x6c));
      expect(() => scanWriteRequest(bomb, LIMITS)).toThrow(/at least 7 labels/);
    });
  });

  it('agrees with the generated decoder on every body it accepts (random and mutated bodies)', () => {
    const valid = encode([series(2, 3), series(1, 2, 'n')]);
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, b]) => {
        const copy = Buffer.from(valid);
        copy[at] = b;
        return copy;
      }),
      fc.nat(valid.length).map((n) => valid.subarray(0, n)),
    );
    fc.assert(
      fc.property(body, (b) => {
        let shape;
        try {
          shape = scanWriteRequest(b, WIDE);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedRequestError);
          return;
        }
        const decoded = WriteRequest.decode(b);
        expect({
          series: decoded.series.length,
          labels: decoded.series.reduce((n, s) => n + s.labels.length, 0),
          points: decoded.series.reduce((n, s) => n + s.points.length, 0),
        }).toEqual(shape);
      }),
      { numRuns: 3_000 },
    );
  });

  it('walks well-formed labels and points one at a time (the building blocks above are well-formed)', () => {
    expect(scanWriteRequest(ld(0x0a, ld(0x0a, 0x6d), label, point), WIDE)).toEqual({ series: 1, labels: 1, points: 1 });
  });
});
