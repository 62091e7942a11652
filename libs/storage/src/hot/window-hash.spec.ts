import fc from 'fast-check';
import { encodeHotValue } from './hot-value';
import { encodeChunk } from '../codec/chunk';
import { MAX_WINDOW_MS } from './window-env';
import { CodecError } from '../codec/errors';
import { decodeWindowHash, encodePackedField, encodePackedRecord, mergeByOffset, packedFieldName, packedRecordOfChunk } from './window-hash';

const START = 1_700_000_000_000 - (1_700_000_000_000 % 14_400_000);
const corrupt = (reason: string) => new Error(reason);

/** HGETALL's flat reply for the given fields. */
function reply(fields: Array<[string, Buffer]>): Buffer[] {
  return fields.flatMap(([name, value]) => [Buffer.from(name, 'latin1'), value]);
}

function pointField(at: number, value: number, offset: number | undefined): [string, Buffer] {
  return [String(at), encodeHotValue(value, offset)];
}

/** A record's points as the projector packs them (the record kind); `runs` as versions before it did. */
function packedField(points: Array<[number, number]>, offset: number, kind: 'record' | 'runs' = 'record'): [string, Buffer] {
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  const timestamps = Float64Array.from(sorted, ([at]) => START + at);
  const values = Float64Array.from(sorted, ([, v]) => v);
  return [packedFieldName(offset), kind === 'record' ? encodePackedRecord(START, timestamps, values) : encodePackedField(timestamps, values, offset)];
}

describe('decodeWindowHash', () => {
  it('reads point fields alone as before: sorted by time, each with its record offset', () => {
    const columns = decodeWindowHash(START, reply([pointField(2_000, 2, 7), pointField(1_000, 1, 5), pointField(3_000, 3, undefined)]), corrupt);
    expect(Array.from(columns.timestamps)).toEqual([START + 1_000, START + 2_000, START + 3_000]);
    expect(Array.from(columns.values)).toEqual([1, 2, 3]);
    expect(columns.offsets).toEqual([5, 7, undefined]);
  });

  it('resolves a timestamp held by point and packed fields to the highest record offset', () => {
    const columns = decodeWindowHash(
      START,
      reply([
        packedField([[0, 10], [1_000, 11], [2_000, 12]], 20),
        pointField(1_000, 99, 30), // a later record's point: wins over the pack
        pointField(2_000, 98, 10), // an earlier record's point (a replay): loses to the pack
        packedField([[2_000, 50], [4_000, 51]], 15), // an earlier pack: loses at 2,000, alone at 4,000
        pointField(3_000, 97, undefined), // a value from before offsets: alone at its time
      ]),
      corrupt,
    );
    expect(Array.from(columns.timestamps)).toEqual([0, 1_000, 2_000, 3_000, 4_000].map((at) => START + at));
    expect(Array.from(columns.values)).toEqual([10, 99, 12, 97, 51]);
    expect(columns.offsets).toEqual([20, 30, 20, undefined, 15]);
  });

  it('a value without an offset loses to a packed one at the same time', () => {
    const columns = decodeWindowHash(START, reply([pointField(0, 1, undefined), packedField([[0, 2]], 3)]), corrupt);
    expect(Array.from(columns.values)).toEqual([2]);
  });

  it('reads a record packed before the record kind (one run) as the record kind', () => {
    const points: Array<[number, number]> = [[0, 1.5], [60_000, 2.25], [120_000, -3]];
    const record = decodeWindowHash(START, reply([packedField(points, 5_000_000_123)]), corrupt);
    const runs = decodeWindowHash(START, reply([packedField(points, 5_000_000_123, 'runs')]), corrupt);
    expect(runs).toEqual(record);
    expect(Array.from(record.timestamps)).toEqual([START, START + 60_000, START + 120_000]);
    expect(record.offsets).toEqual([5_000_000_123, 5_000_000_123, 5_000_000_123]);
  });

  it('packs a record in fewer bytes than one run: no run header, the first timestamp from the window start', () => {
    const points = Array.from({ length: 8 }, (_, i): [number, number] => [7_000_000 + i * 60_000, 10 + i / 100]);
    const [, record] = packedField(points, 5_000_000_123);
    const [, runs] = packedField(points, 5_000_000_123, 'runs');
    // 1 + 1 + 5 bytes of run header, and 6 bytes of first timestamp against 4.
    expect(runs.length - record.length).toBe(9);
  });

  it("makes a packed log record's chunk the very field the record kind encodes from its points", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: MAX_WINDOW_MS - 1 }), { minLength: 1, maxLength: 200 }),
        fc.array(fc.oneof(fc.double(), fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 100)), { minLength: 200, maxLength: 200 }),
        fc.integer({ min: -(2 ** 40), max: 2 ** 42 }),
        (ats, vs, start) => {
          const timestamps = Float64Array.from(ats, (at) => start + at).sort();
          const values = Float64Array.from(vs.slice(0, timestamps.length));
          const fromChunk = packedRecordOfChunk(start, encodeChunk({ timestamps, values }));
          expect(fromChunk.equals(encodePackedRecord(start, timestamps, values))).toBe(true);
          const read = decodeWindowHash(start, [Buffer.from(packedFieldName(9)), fromChunk], corrupt);
          expect(Array.from(read.timestamps)).toEqual(Array.from(timestamps));
          expect(Array.from(read.values)).toEqual(Array.from(values));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a packed log record whose chunk does not check, before anything is stored', () => {
    const chunk = encodeChunk({ timestamps: [START + 5, START + 9], values: [1, 2] });
    for (const at of [0, 3, chunk.length - 1]) {
      const bad = Uint8Array.from(chunk);
      bad[at] ^= 0x01;
      expect(() => packedRecordOfChunk(START, bad)).toThrow(CodecError);
    }
    expect(() => packedRecordOfChunk(START, chunk.subarray(0, 4))).toThrow(CodecError);
  });

  it('takes the record offsets of a merged packed field from its runs', () => {
    const timestamps = Float64Array.from([0, 1_000, 2_000, 3_000], (at) => START + at);
    const value = encodePackedField(timestamps, Float64Array.from([1, 2, 3, 4]), [40, 12, 12, 40]);
    const columns = decodeWindowHash(START, reply([[packedFieldName(40), value], pointField(1_000, 5, 13), pointField(3_000, 6, 39)]), corrupt);
    expect(Array.from(columns.values)).toEqual([1, 5, 3, 4]);
    expect(columns.offsets).toEqual([40, 13, 12, 40]);
  });

  it.each<[string, Array<[string, Buffer]>, RegExp]>([
    ['a point field that is not a ms offset', [['12x', encodeHotValue(1, 1)]], /not a millisecond offset/],
    ['a point value of the wrong size', [['12', Buffer.alloc(3)]], /expected 8/],
    ['a packed field whose chunk does not decode', [[packedFieldName(4), Buffer.concat([packedField([[0, 1]], 4)[1].subarray(0, 4), Buffer.from([1, 2, 3])])]], /field k4: /],
    ['a packed field named after another offset', [[packedFieldName(5), packedField([[0, 1]], 4, 'runs')[1]]], /must be k and its newest record offset \(4\)/],
    ['a packed record whose name is not an offset', [['k01', packedField([[0, 1]], 1)[1]]], /name must be k and a record offset/],
    ['a packed record whose name is too long for an offset', [[`k${'9'.repeat(17)}`, packedField([[0, 1]], 1)[1]]], /name must be k and a record offset/],
    ['a packed record with points past the window', [packedField([[MAX_WINDOW_MS, 1]], 4)], /outside the window/],
    ['a packed field of another kind', [['k1', Buffer.from(encodeChunk({ timestamps: [START], values: [1] }))]], /kind 0x/],
    ['a packed field whose runs miss a point', [[packedFieldName(4), Buffer.concat([Buffer.from([0xf2, 1, 1, 4]), Buffer.from(encodeChunk({ timestamps: [START, START + 1], values: [1, 2] }))])]], /cover 1 points; the chunk holds 2/],
    ['a packed field cut short in its runs', [[packedFieldName(4), Buffer.from([0xf2, 3, 1, 4])]], /truncated/],
    ['a packed field with points before the window', [packedField([[-1_000, 1]], 4)], /outside the window/],
  ])('refuses %s with the error the caller builds', (_name, fields, message) => {
    expect(() => decodeWindowHash(START, reply(fields), corrupt)).toThrow(message);
  });

  it('equals a last-write-wins model over any mix of point and packed fields', () => {
    const write = fc.record({
      offset: fc.integer({ min: 0, max: 1_000 }),
      packed: fc.constantFrom('no' as const, 'record' as const, 'runs' as const),
      points: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: -5, max: 5 })), { selector: ([at]) => at, minLength: 1, maxLength: 20 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(write, { selector: (w) => w.offset, maxLength: 8 }), (writes) => {
        const model = new Map<number, { value: number; offset: number }>();
        for (const w of writes) {
          for (const [at0, v] of w.points) {
            const at = at0 * 1_000;
            const held = model.get(at);
            if (!held || held.offset < w.offset) model.set(at, { value: v, offset: w.offset });
          }
        }
        // Redis: a point field is replaced by the next HSET of its name, a packed field stays.
        // The projector applies records in log order, so the hash is built in offset order.
        const expected = [...model].sort((a, b) => a[0] - b[0]);
        const ordered = new Map<string, Buffer>();
        for (const w of [...writes].sort((a, b) => a.offset - b.offset)) {
          const points = w.points.map(([at, v]): [number, number] => [at * 1_000, v]);
          if (w.packed !== 'no') ordered.set(...packedField(points, w.offset, w.packed));
          else for (const [at, v] of points) ordered.set(...pointField(at, v, w.offset));
        }
        const columns = decodeWindowHash(START, reply([...ordered]), corrupt);
        expect(Array.from(columns.timestamps)).toEqual(expected.map(([at]) => START + at));
        expect(Array.from(columns.values)).toEqual(expected.map(([, p]) => p.value));
        expect(columns.offsets).toEqual(expected.map(([, p]) => p.offset));
      }),
      { numRuns: 300 },
    );
  });
});

describe('mergeByOffset', () => {
  it('returns the other run when one is empty', () => {
    const run = { timestamps: Float64Array.of(1), values: Float64Array.of(2), offsets: [3] };
    const empty = { timestamps: new Float64Array(0), values: new Float64Array(0), offsets: [] };
    expect(mergeByOffset(run, empty)).toBe(run);
    expect(mergeByOffset(empty, run)).toBe(run);
  });
});
