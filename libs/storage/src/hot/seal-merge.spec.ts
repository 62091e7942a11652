import type { SortedColumns } from './hot-reader-merge';
import { mayBeSuperseded, mergeOverSealed, unsealedColumns, withoutSuperseded } from './seal-merge';

const sealed = (points: Array<[number, number]>): SortedColumns => ({
  timestamps: Float64Array.from(points, ([t]) => t),
  values: Float64Array.from(points, ([, v]) => v),
});
const unsealed = (points: Array<[number, number, number | undefined]>) =>
  unsealedColumns(points.map(([timestampMs, value, offset]) => (offset === undefined ? { timestampMs, value } : { timestampMs, value, offset })));
const pairs = (c: SortedColumns) => Array.from(c.timestamps, (t, i) => [t, c.values[i]]);

describe('mergeOverSealed', () => {
  // [case, unsealed (t, value, offset), sealed (t, value), seal offset, merged, new seal offset, unsealed points taken]
  it.each<[string, Array<[number, number, number | undefined]>, Array<[number, number]>, number | undefined, Array<[number, number]>, number | undefined, number]>([
    ['first seal of a window', [[1, 1, 5], [2, 2, 6]], [], undefined, [[1, 1], [2, 2]], 6, 2],
    ['main group: newer points replace and extend', [[2, 20, 30], [3, 3, 31]], [[1, 1], [2, 2]], 10, [[1, 1], [2, 20], [3, 3]], 31, 2],
    // The replay applied an old record after the main group's rewrite was sealed.
    ['replay older than the seal keeps the sealed rewrite', [[2, -2, 7]], [[1, 1], [2, 2]], 10, [[1, 1], [2, 2]], 10, 0],
    ['replay of the very record the seal holds', [[2, 2, 10]], [[1, 1], [2, 2]], 10, [[1, 1], [2, 2]], 10, 0],
    // The seal was made after Redis lost the window's newest record: the replay brings it back.
    ['replay newer than the seal wins', [[2, 22, 15]], [[1, 1], [2, 2]], 10, [[1, 1], [2, 22]], 15, 1],
    // Sealed-only state (the DynamoDB item, Redis lost everything): a point it lacks is added
    // even from an old record.
    ['sealed-only after Redis loss: a missing point comes back', [[3, 3, 4]], [[1, 1], [2, 2]], 10, [[1, 1], [2, 2], [3, 3]], 10, 1],
    ['legacy seal without offset: unsealed points win as before', [[2, 9, 3]], [[1, 1], [2, 2]], undefined, [[1, 1], [2, 9]], 3, 1],
    ['legacy unsealed value without offset wins as before', [[2, 9, undefined]], [[1, 1], [2, 2]], 10, [[1, 1], [2, 9]], 10, 1],
    ['legacy on both sides', [[2, 9, undefined]], [[2, 2]], undefined, [[2, 9]], undefined, 1],
    ['mixed: some points older, some newer than the seal', [[1, -1, 9], [2, 20, 11], [4, 4, 2]], [[1, 1], [2, 2], [3, 3]], 10, [[1, 1], [2, 20], [3, 3], [4, 4]], 11, 2],
  ])('%s', (_, fields, chunk, sealOffset, expected, expectedOffset, taken) => {
    const merged = mergeOverSealed(unsealed(fields), sealed(chunk), sealOffset);
    expect(pairs(merged)).toEqual(expected);
    expect(merged.sealOffset).toBe(expectedOffset);
    expect(merged.taken).toBe(taken);
  });
});

describe('withoutSuperseded (what a read shows before the sealer runs)', () => {
  it('drops exactly the unsealed points a merge would drop', () => {
    const fields = unsealed([[1, -1, 9], [2, 20, 11], [4, 4, 2], [5, 5, undefined]]);
    const chunk = sealed([[1, 1], [2, 2], [3, 3], [5, 50]]);
    const kept = withoutSuperseded(fields, chunk, 10);
    expect(pairs(kept)).toEqual([[2, 20], [4, 4], [5, 5]]);
    expect(kept.offsets).toEqual([11, 2, undefined]);
  });

  it('returns the input when nothing is superseded or the seal offset is unknown', () => {
    const fields = unsealed([[1, -1, 9]]);
    expect(withoutSuperseded(fields, sealed([[1, 1]]), undefined)).toBe(fields);
    expect(withoutSuperseded(fields, sealed([[2, 1]]), 10)).toBe(fields);
  });

  it.each<[Array<number | undefined>, number | undefined, boolean]>([
    [[11, 12], 10, false],
    [[11, 10], 10, true],
    [[undefined], 10, false],
    [[1], undefined, false],
  ])('mayBeSuperseded(%p, %p) is %p', (offsets, seal, expected) => {
    expect(mayBeSuperseded(offsets, seal)).toBe(expected);
  });
});
