import { dirtyBuckets, outsideServed, planColdBuckets, withoutDirty } from './cold-plan';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const D = 20_000; // a day number
const at = (day: number, hours = 0) => day * DAY + hours * HOUR;

describe('planColdBuckets', () => {
  it.each<[string, { from: number; to: number; step: number; archived: number[] }, { served: number[]; rawDays: number[]; rollupDays: number[] }]>([
    [
      'whole archived days at a 1 d step: every bucket from rollups, nothing raw',
      { from: at(D), to: at(D + 3), step: DAY, archived: [D, D + 1, D + 2] },
      { served: [at(D), at(D + 1), at(D + 2)], rawDays: [], rollupDays: [D, D + 1, D + 2] },
    ],
    [
      'a range starting mid-day: the partial first bucket is raw, the rest from rollups',
      { from: at(D, 6), to: at(D + 2), step: DAY, archived: [D, D + 1] },
      { served: [at(D + 1)], rawDays: [D], rollupDays: [D + 1] },
    ],
    [
      'hourly buckets of a partial day: the whole hours inside the range are served, the partial hour is raw',
      { from: at(D, 1.5), to: at(D, 4), step: HOUR, archived: [D] },
      { served: [at(D, 2), at(D, 3)], rawDays: [D], rollupDays: [D] },
    ],
    [
      'a day not archived (yet): its buckets are raw (from DynamoDB), and it is read from no block',
      { from: at(D), to: at(D + 2), step: DAY, archived: [D] },
      { served: [at(D)], rawDays: [], rollupDays: [D] },
    ],
    [
      'a 2-day step straddling an unarchived day: the bucket is raw, so its archived day is read raw',
      { from: at(D), to: at(D + 4), step: 2 * DAY, archived: [D, D + 2, D + 3] },
      { served: [at(D + 2)], rawDays: [D], rollupDays: [D + 2, D + 3] },
    ],
  ])('%s', (_, { from, to, step, archived }, expected) => {
    expect(planColdBuckets({ fromMs: from, toMs: to, stepMs: step }, archived)).toEqual(expected);
  });

  it('falls back to raw for dirty buckets, reading their days raw', () => {
    const range = { fromMs: at(D), toMs: at(D + 2), stepMs: HOUR };
    const plan = planColdBuckets(range, [D, D + 1]);
    expect(plan.served).toHaveLength(48);
    const dirty = dirtyBuckets(plan.served, HOUR, [{ timestamps: Float64Array.of(at(D + 1, 5) + 7, at(D + 1, 5) + 9, at(D + 9)), values: Float64Array.of(1, 2, 3) }]);
    expect([...dirty]).toEqual([at(D + 1, 5)]);
    const after = withoutDirty(range, [D, D + 1], plan, dirty);
    expect(after.served).toHaveLength(47);
    expect(after.rawDays).toEqual([D + 1]);
    expect(after.rollupDays).toEqual([D, D + 1]);
  });
});

describe('outsideServed', () => {
  it('drops the points of served buckets and keeps the rest in order', () => {
    const columns = { timestamps: Float64Array.of(0, 5, 10, 15, 20, 25, 30), values: Float64Array.of(0, 1, 2, 3, 4, 5, 6) };
    const out = outsideServed(columns, [10, 30], 10);
    expect(Array.from(out.timestamps)).toEqual([0, 5, 20, 25]);
    expect(Array.from(out.values)).toEqual([0, 1, 4, 5]);
    expect(outsideServed(columns, [], 10)).toBe(columns);
  });
});
