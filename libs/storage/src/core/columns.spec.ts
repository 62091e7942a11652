import fc from 'fast-check';
import { clipColumns, concatRuns, mergeNewerOver, mergeNewestFirst, type SortedColumns } from './columns';

const cols = (points: Array<[number, number]>): SortedColumns => ({
  timestamps: Float64Array.from(points, ([t]) => t),
  values: Float64Array.from(points, ([, v]) => v),
});
const pairs = (c: SortedColumns) => Array.from(c.timestamps, (t, i) => [t, c.values[i]]);

describe('mergeNewerOver', () => {
  it.each<[string, Array<[number, number]>, Array<[number, number]>, Array<[number, number]>]>([
    ['both empty', [], [], []],
    ['only newer', [[1, 1]], [], [[1, 1]]],
    ['only older', [], [[1, 1]], [[1, 1]]],
    ['disjoint, interleaved', [[1, 10], [3, 30]], [[2, 20], [4, 40]], [[1, 10], [2, 20], [3, 30], [4, 40]]],
    ['a tie takes the newer value', [[2, 99]], [[1, 1], [2, 2], [3, 3]], [[1, 1], [2, 99], [3, 3]]],
    ['all ties', [[1, -1], [2, -2]], [[1, 1], [2, 2]], [[1, -1], [2, -2]]],
  ])('%s', (_, newer, older, expected) => {
    expect(pairs(mergeNewerOver(cols(newer), cols(older)))).toEqual(expected);
  });

  it('equals a map where later writes overwrite, for any inputs', () => {
    const run = fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { maxLength: 60 }).map((ts) => ts.sort((a, b) => a - b));
    fc.assert(
      fc.property(fc.array(run, { minLength: 1, maxLength: 4 }), (runs) => {
        const sources = runs.map((ts, r) => cols(ts.map((t) => [t, r * 1000 + t])));
        const model = new Map<number, number>();
        for (let r = runs.length - 1; r >= 0; r--) for (const t of runs[r]) model.set(t, r * 1000 + t);
        expect(pairs(mergeNewestFirst(sources))).toEqual([...model].sort((a, b) => a[0] - b[0]));
      }),
    );
  });
});

describe('concatRuns', () => {
  it('joins consecutive runs and skips empty ones', () => {
    expect(pairs(concatRuns([cols([[1, 1], [2, 2]]), cols([]), cols([[5, 5]])]))).toEqual([[1, 1], [2, 2], [5, 5]]);
  });

  it('still sorts runs that overlap', () => {
    expect(pairs(concatRuns([cols([[1, 1], [5, 5]]), cols([[3, 3]])]))).toEqual([[1, 1], [3, 3], [5, 5]]);
  });
});

describe('clipColumns', () => {
  const c = cols([[10, 1], [20, 2], [30, 3]]);
  it.each([
    [0, 100, [10, 20, 30]],
    [10, 30, [10, 20]],
    [11, 31, [20, 30]],
    [20, 21, [20]],
    [21, 29, []],
    [40, 50, []],
  ])('[%d, %d) keeps %j', (from, to, expected) => {
    expect(Array.from(clipColumns(c, from, to).timestamps)).toEqual(expected);
  });
});
