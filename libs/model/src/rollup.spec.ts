import fc from 'fast-check';
import { bucketStart, rollup, ROLLUP_FUNCTIONS, type RollupFunction } from './rollup';

const cols = (points: Array<[number, number]>) => ({
  timestamps: points.map(([t]) => t),
  values: points.map(([, v]) => v),
});
const pairs = (r: { timestamps: Float64Array; values: Float64Array }) => Array.from(r.timestamps, (t, i) => [t, r.values[i]]);

describe('bucketStart', () => {
  it.each([
    [0, 60, 0],
    [59, 60, 0],
    [60, 60, 60],
    [61, 60, 60],
    [1_763_856_059_999, 60_000, 1_763_856_000_000],
    [-1, 60, -60],
    [-60, 60, -60],
    [-61, 60, -120],
    [7, 1, 7],
  ])('puts %d in the bucket of step %d starting at %d', (t, step, expected) => {
    expect(bucketStart(t, step)).toBe(expected);
  });
});

describe('rollup', () => {
  // Three buckets of step 10: [0,10) holds 0,3,9; [10,20) is empty; [20,30) holds 20,29; [30,40) holds 35.
  const points = cols([
    [0, 1],
    [3, 4],
    [9, -2],
    [20, 0.1],
    [29, 0.2],
    [35, 7],
  ]);

  it.each<[RollupFunction, Array<[number, number]>]>([
    ['avg', [[0, 1], [20, (0.1 + 0.2) / 2], [30, 7]]],
    ['min', [[0, -2], [20, 0.1], [30, 7]]],
    ['max', [[0, 4], [20, 0.2], [30, 7]]],
    ['sum', [[0, 3], [20, 0.1 + 0.2], [30, 7]]],
    ['count', [[0, 3], [20, 2], [30, 1]]],
    ['last', [[0, -2], [20, 0.2], [30, 7]]],
  ])('%s: one point per non-empty bucket, stamped with the bucket start', (fn, expected) => {
    expect(pairs(rollup(points, 10, fn))).toEqual(expected);
  });

  it.each([
    ['a step of 1 ms returns every point as is', 1, [[0, 1], [3, 4], [9, -2], [20, 0.1], [29, 0.2], [35, 7]]],
    ['a step wider than the data gives one bucket at 0', 1_000, [[0, 1 + 4 - 2 + 0.1 + 0.2 + 7]]],
    ['unaligned data lands in epoch-aligned buckets', 7, [[0, 5], [7, -2], [14, 0.1], [28, 0.2], [35, 7]]],
  ])('%s', (_, step, expected) => {
    expect(pairs(rollup(points, step as number, 'sum'))).toEqual(expected);
  });

  it('aligns to the epoch for real timestamps (5 min step, points at 1 min)', () => {
    const base = Date.UTC(2026, 0, 1, 0, 3); // 00:03, inside the 00:00 bucket
    const input = cols(Array.from({ length: 10 }, (_, i) => [base + i * 60_000, i] as [number, number]));
    const result = rollup(input, 300_000, 'count');
    expect(pairs(result)).toEqual([
      [Date.UTC(2026, 0, 1, 0, 0), 2],
      [Date.UTC(2026, 0, 1, 0, 5), 5],
      [Date.UTC(2026, 0, 1, 0, 10), 3],
    ]);
  });

  it('buckets negative timestamps with a floored start', () => {
    expect(pairs(rollup(cols([[-11, 1], [-10, 2], [-1, 3], [0, 4]]), 10, 'sum'))).toEqual([
      [-20, 1],
      [-10, 5],
      [0, 4],
    ]);
  });

  it('keeps -0 apart from 0 in min and max', () => {
    expect(Object.is(rollup(cols([[0, 0], [1, -0]]), 10, 'min').values[0], -0)).toBe(true);
    expect(Object.is(rollup(cols([[0, -0], [1, 0]]), 10, 'max').values[0], 0)).toBe(true);
  });

  it('returns nothing for no points', () => {
    for (const fn of ROLLUP_FUNCTIONS) expect(rollup(cols([]), 60, fn).timestamps.length).toBe(0);
  });

  it.each([0, -5, 1.5, Number.NaN])('refuses step %d', (step) => {
    expect(() => rollup(cols([[0, 1]]), step, 'avg')).toThrow(RangeError);
  });

  it('agrees with a naive grouping for any sorted input (sum added in time order)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 100_000 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.constantFrom(...ROLLUP_FUNCTIONS),
        fc.integer(),
        (times, step, fn, seed) => {
          times.sort((a, b) => a - b);
          const values = times.map((t, i) => ((t * 7919 + i * 104729 + seed) % 1000) / 7);
          const groups = new Map<number, number[]>();
          times.forEach((t, i) => {
            const b = Math.floor(t / step) * step;
            groups.set(b, [...(groups.get(b) ?? []), values[i]]);
          });
          const expected = [...groups].map(([b, vs]) => {
            const sum = vs.reduce((a, v) => a + v);
            const value = { avg: sum / vs.length, sum, min: Math.min(...vs), max: Math.max(...vs), count: vs.length, last: vs[vs.length - 1] }[fn];
            return [b, value];
          });
          expect(pairs(rollup({ timestamps: times, values }, step, fn))).toEqual(expected);
        },
      ),
    );
  });
});
