import fc from 'fast-check';
import { rollup, ROLLUP_FUNCTIONS, type RollupFunction } from './rollup';
import { concatRollupStats, filterRollupStats, foldRollupStats, rollupStats, sliceRollupStats, type RollupStats } from './rollup-stats';

const cols = (points: Array<[number, number]>) => ({ timestamps: points.map(([t]) => t), values: points.map(([, v]) => v) });
const rows = (s: RollupStats) => Array.from(s.timestamps, (t, i) => [t, s.min[i], s.max[i], s.sum[i], s.count[i], s.last[i]]);
const pairs = (r: { timestamps: Float64Array; values: Float64Array }) => Array.from(r.timestamps, (t, i) => [t, r.values[i]]);

const MIN = 60_000;
const M5 = 5 * MIN;
const H = 60 * MIN;

describe('rollupStats', () => {
  it.each<[string, Array<[number, number]>, number, number[][]]>([
    ['no points, no rows', [], M5, []],
    ['one point is its own min, max, sum and last', [[M5 + 1, 3.5]], M5, [[M5, 3.5, 3.5, 3.5, 1, 3.5]]],
    [
      'a 2-decimal gauge over two 5 m buckets; the empty one between is absent',
      [
        [0, 37.42],
        [MIN, 37.45],
        [2 * MIN, 36.98],
        [10 * MIN, 1],
        [14 * MIN + 59_999, -2],
      ],
      M5,
      [
        [0, 36.98, 37.45, 37.42 + 37.45 + 36.98, 3, 36.98],
        [10 * MIN, -2, 1, -1, 2, -2],
      ],
    ],
    ['min and max tell -0 from 0 as Math.min and Math.max do', [[0, 0], [1, -0]], H, [[0, -0, 0, 0, 2, -0]]],
    ['a bucket is [start, start + step): the end belongs to the next one', [[H - 1, 1], [H, 2]], H, [[0, 1, 1, 1, 1, 1], [H, 2, 2, 2, 1, 2]]],
  ])('%s', (_, points, step, expected) => {
    expect(rows(rollupStats(cols(points), step))).toEqual(expected);
  });

  it('rejects a step that is not a positive integer', () => {
    expect(() => rollupStats(cols([[0, 1]]), 0)).toThrow(RangeError);
    expect(() => foldRollupStats(rollupStats(cols([[0, 1]]), 1), 1.5, 'sum')).toThrow(RangeError);
  });
});

describe('foldRollupStats', () => {
  // 5 m rows over two hours: [00:00] 1,2  [00:05] 4  [01:10] -1
  const fine = rollupStats(cols([[0, 1], [MIN, 2], [M5, 4], [H + 10 * MIN, -1]]), M5);

  it.each<[RollupFunction, number, number[][]]>([
    ['avg', H, [[0, 7 / 3], [H, -1]]],
    ['min', H, [[0, 1], [H, -1]]],
    ['max', H, [[0, 4], [H, -1]]],
    ['sum', H, [[0, 7], [H, -1]]],
    ['count', H, [[0, 3], [H, 1]]],
    ['last', H, [[0, 4], [H, -1]]],
    ['sum', M5, [[0, 3], [M5, 4], [H + 10 * MIN, -1]]],
    ['count', 2 * H, [[0, 4]]],
    ['last', 24 * H, [[0, -1]]],
  ])('%s at step %d', (fn, step, expected) => {
    expect(pairs(foldRollupStats(fine, step, fn))).toEqual(expected);
  });

  it('equals rollup() exactly when each bucket is one row (the stored resolution is the step)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 3 * 86_400_000 }), { minLength: 0, maxLength: 300 }),
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 300, maxLength: 300 }),
        fc.constantFrom(M5, H, 24 * H, 7_000),
        fc.constantFrom(...ROLLUP_FUNCTIONS),
        (times, values, step, fn) => {
          const sorted = [...times].sort((a, b) => a - b);
          const points = { timestamps: sorted, values: sorted.map((_, i) => values[i]) };
          expect(pairs(foldRollupStats(rollupStats(points, step), step, fn))).toEqual(pairs(rollup(points, step, fn)));
        },
      ),
    );
  });

  it('folds finer rows into coarser buckets: min, max, count and last exactly as from the raw points', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 2 * 86_400_000 }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom<[number, number]>([M5, H], [H, 24 * H], [M5, 24 * H], [24 * H, 7 * 24 * H]),
        fc.constantFrom<RollupFunction>('min', 'max', 'count', 'last'),
        (times, [fineStep, coarseStep], fn) => {
          const sorted = [...times].sort((a, b) => a - b);
          const points = { timestamps: sorted, values: sorted.map((t) => ((t * 7919) % 1000) / 10 - 50) };
          expect(pairs(foldRollupStats(rollupStats(points, fineStep), coarseStep, fn))).toEqual(pairs(rollup(points, coarseStep, fn)));
        },
      ),
    );
  });
});

describe('slicing, filtering and joining rows', () => {
  const a = rollupStats(cols([[0, 1], [H, 2], [2 * H, 3]]), H);
  const b = rollupStats(cols([[H, 100], [5 * H, 9]]), H);

  it('slices by bucket start, end exclusive', () => {
    expect(rows(sliceRollupStats(a, H, 2 * H))).toEqual([[H, 2, 2, 2, 1, 2]]);
    expect(rows(sliceRollupStats(a, 3 * H, 4 * H))).toEqual([]);
  });

  it('filters by bucket start', () => {
    expect(rows(filterRollupStats(a, (t) => t !== H)).map((r) => r[0])).toEqual([0, 2 * H]);
  });

  it('joins in time order; the first part wins a shared bucket', () => {
    expect(rows(concatRollupStats([b, a])).map((r) => [r[0], r[3]])).toEqual([[0, 1], [H, 100], [2 * H, 3], [5 * H, 9]]);
  });
});
