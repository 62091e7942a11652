import type { SortedColumns } from '@strata/storage';
import { mergeTiers, mergeTierWindows } from './merge';

const cols = (points: Array<[number, number]>): SortedColumns => ({
  timestamps: Float64Array.from(points, ([t]) => t),
  values: Float64Array.from(points, ([, v]) => v),
});
const pairs = (c: SortedColumns) => Array.from(c.timestamps, (t, i) => [t, c.values[i]]);

describe('mergeTierWindows', () => {
  it('merges each window’s layers newest first and joins windows in time order', () => {
    const merged = mergeTierWindows([
      { start: 100, layers: [cols([[101, 3]]), cols([]), cols([[100, 1], [101, 1], [102, 1]])] },
      { start: 0, layers: [cols([[5, 0.5]]), cols([[5, 0.25], [6, 0.75]])] },
    ]);
    expect(pairs(merged)).toEqual([[5, 0.5], [6, 0.75], [100, 1], [101, 3], [102, 1]]);
  });
});

describe('mergeTiers', () => {
  it.each<[string, Array<Array<[number, number]>>, number, number, Array<[number, number]>]>([
    ['hot alone', [[[1, 1], [2, 2]], []], 0, 10, [[1, 1], [2, 2]]],
    ['warm alone', [[], [[1, 1], [2, 2]]], 0, 10, [[1, 1], [2, 2]]],
    ['hot wins a tie', [[[2, 20]], [[1, 1], [2, 2], [3, 3]]], 0, 10, [[1, 1], [2, 20], [3, 3]]],
    ['points only in one tier fill the other’s gaps', [[[4, 4]], [[1, 1], [3, 3]]], 0, 10, [[1, 1], [3, 3], [4, 4]]],
    ['from is inclusive, to exclusive', [[[1, 1], [5, 5]], [[2, 2], [4, 4]]], 2, 5, [[2, 2], [4, 4]]],
    ['a third tier loses to both', [[[1, 10]], [[1, 20], [2, 20]], [[1, 30], [2, 30], [3, 30]]], 0, 10, [[1, 10], [2, 20], [3, 30]]],
  ])('%s', (_, tiers, from, to, expected) => {
    expect(pairs(mergeTiers(tiers.map(cols), from, to))).toEqual(expected);
  });
});
