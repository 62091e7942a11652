import type { SortedColumns } from '../core/columns';
import { mayBeSuperseded, mergeOverSealed, unsealedColumns, withoutSuperseded } from './seal-merge';
import { NO_POINT_OFFSETS, type SealOffsets } from './seal-offsets';

const sealed = (points: Array<[number, number]>): SortedColumns => ({
  timestamps: Float64Array.from(points, ([t]) => t),
  values: Float64Array.from(points, ([, v]) => v),
});
const unsealed = (points: Array<[number, number, number | undefined]>) =>
  unsealedColumns(points.map(([timestampMs, value, offset]) => (offset === undefined ? { timestampMs, value } : { timestampMs, value, offset })));
const pairs = (c: SortedColumns) => Array.from(c.timestamps, (t, i) => [t, c.values[i]]);
/** A seal with base `base` and per-point offsets `points` ([timestamp, offset]). */
const seal = (base: number | undefined, points: Array<[number, number]> = []): SealOffsets => ({ base, points: points.length ? new Map(points) : NO_POINT_OFFSETS });
const shown = (s: SealOffsets) => [s.base, [...s.points].sort((a, b) => a[0] - b[0])];

describe('mergeOverSealed', () => {
  // [case, unsealed (t, value, offset), sealed (t, value), previous seal (undefined: never sealed), replayed, merged, new seal, taken]
  it.each<[string, Array<[number, number, number | undefined]>, Array<[number, number]>, SealOffsets | undefined, boolean, Array<[number, number]>, SealOffsets, number]>([
    ['first seal of a window: base = highest offset', [[1, 1, 5], [2, 2, 6]], [], undefined, false, [[1, 1], [2, 2]], seal(6), 2],
    // The replay wrote into the window: it may not have reached the newest record of point 1 yet.
    ['first seal after the replay wrote: base = lowest, the others keep their own', [[1, 1, 5], [2, 2, 9], [3, 3, 5]], [], undefined, true, [[1, 1], [2, 2], [3, 3]], seal(5, [[2, 9]]), 3],
    // Re-seals keep the base: points taken keep their own offsets.
    ['main group: newer points replace and extend', [[2, 20, 30], [3, 3, 31]], [[1, 1], [2, 2]], seal(10), false, [[1, 1], [2, 20], [3, 3]], seal(10, [[2, 30], [3, 31]]), 2],
    // The replay applied an old record after the main group's rewrite was sealed.
    ['replay older than the seal keeps the sealed rewrite', [[2, -2, 7]], [[1, 1], [2, 2]], seal(10), true, [[1, 1], [2, 2]], seal(10), 0],
    ['replay of the very record the seal holds', [[2, 2, 10]], [[1, 1], [2, 2]], seal(10), true, [[1, 1], [2, 2]], seal(10), 0],
    // The seal was made after Redis lost the window's newest record: the replay brings it back.
    ['replay newer than the seal wins', [[2, 22, 15]], [[1, 1], [2, 2]], seal(10), true, [[1, 1], [2, 22]], seal(10, [[2, 15]]), 1],
    // Sealed-only state (the DynamoDB item, Redis lost everything): a point it lacks is added
    // even from an old record, and keeps that record's offset.
    ['sealed-only after Redis loss: a missing point comes back', [[3, 3, 4]], [[1, 1], [2, 2]], seal(10), true, [[1, 1], [2, 2], [3, 3]], seal(10, [[3, 4]]), 1],
    ['a per-point offset beats a replayed record below it', [[2, -2, 14]], [[1, 1], [2, 20]], seal(10, [[2, 30]]), true, [[1, 1], [2, 20]], seal(10, [[2, 30]]), 0],
    ['a point without its own offset loses only to records at or below the base', [[1, 11, 12], [2, -2, 14]], [[1, 1], [2, 20]], seal(10, [[2, 30]]), true, [[1, 11], [2, 20]], seal(10, [[1, 12], [2, 30]]), 1],
    ['legacy seal without offset: unsealed points win as before', [[2, 9, 3]], [[1, 1], [2, 2]], seal(undefined), false, [[1, 1], [2, 9]], seal(3), 1],
    ['legacy unsealed value without offset wins and drops the point offset', [[2, 9, undefined]], [[1, 1], [2, 2]], seal(10, [[2, 12]]), false, [[1, 1], [2, 9]], seal(10), 1],
    ['legacy on both sides', [[2, 9, undefined]], [[2, 2]], seal(undefined), false, [[2, 9]], seal(undefined), 1],
    ['mixed: some points older, some newer than the seal', [[1, -1, 9], [2, 20, 11], [4, 4, 2]], [[1, 1], [2, 2], [3, 3]], seal(10), false, [[1, 1], [2, 20], [3, 3], [4, 4]], seal(10, [[2, 11], [4, 2]]), 2],
  ])('%s', (_, fields, chunk, previous, replayed, expected, expectedSeal, taken) => {
    const merged = mergeOverSealed(unsealed(fields), sealed(chunk), previous, { replayed });
    expect(pairs(merged)).toEqual(expected);
    expect(shown(merged.seal)).toEqual(shown(expectedSeal));
    expect(merged.taken).toBe(taken);
  });

  // Redis loses rewrites (offset 20) of points 1 and 2 of a sealed window (base 10). A client
  // then rewrites point 2 (offset 30) and the window is re-sealed over the DynamoDB item. The
  // replay that follows must bring back point 1's rewrite and not point 2's.
  it('lets a replay bring back a rewrite Redis lost, after a re-seal with a later write', () => {
    const item = mergeOverSealed(unsealed([[1, 1, 5], [2, 2, 10]]), sealed([]), undefined);
    const reseal = mergeOverSealed(unsealed([[2, 30, 30]]), item, item.seal);
    const replay = mergeOverSealed(unsealed([[1, 20, 20], [2, 20, 20]]), reseal, reseal.seal, { replayed: true });
    expect(pairs(replay)).toEqual([[1, 20], [2, 30]]);
  });
});

describe('withoutSuperseded (what a read shows before the sealer runs)', () => {
  it('drops exactly the unsealed points a merge would drop', () => {
    const fields = unsealed([[1, -1, 9], [2, 20, 11], [4, 4, 2], [5, 5, undefined], [6, 6, 11]]);
    const chunk = sealed([[1, 1], [2, 2], [3, 3], [5, 50], [6, 60]]);
    const kept = withoutSuperseded(fields, chunk, seal(10, [[6, 12]]));
    expect(pairs(kept)).toEqual([[2, 20], [4, 4], [5, 5]]);
    expect(kept.offsets).toEqual([11, 2, undefined]);
  });

  it('returns the input when nothing is superseded or the seal offset is unknown', () => {
    const fields = unsealed([[1, -1, 9]]);
    expect(withoutSuperseded(fields, sealed([[1, 1]]), seal(undefined))).toBe(fields);
    expect(withoutSuperseded(fields, sealed([[2, 1]]), seal(10))).toBe(fields);
  });

  it.each<[Array<number | undefined>, SealOffsets, boolean]>([
    [[11, 12], seal(10), false],
    [[11, 10], seal(10), true],
    [[11, 12], seal(10, [[1, 12]]), true],
    [[undefined], seal(10), false],
    [[1], seal(undefined), false],
  ])('mayBeSuperseded(%p, %p) is %p', (offsets, s, expected) => {
    expect(mayBeSuperseded(offsets, s)).toBe(expected);
  });
});
