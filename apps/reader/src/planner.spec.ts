import { exclusiveRange, LATE_SEAL_KEEP_MS, planRead, SEAL_CLOCK_SKEW_MS, windowStarts, type PlannerSettings } from './planner';

const HOUR = 3_600_000;
const W = 2 * HOUR;
const settings: PlannerSettings = { windowMs: W, hotRetentionMs: 26 * HOUR, futureGraceMs: 10 * 60_000 };
// 12:30 on a day: the open window is [12:00, 14:00).
const DAY0 = Date.UTC(2026, 10, 23);
const now = DAY0 + 12.5 * HOUR;
const at = (hours: number) => DAY0 + hours * HOUR;

describe('planRead', () => {
  it.each([
    {
      name: 'the last hour: hot and warm both read the open window',
      from: at(11.5),
      to: at(12.5),
      hot: [at(10), at(12)],
      warm: [at(10), at(12)],
    },
    {
      // end + 26 h + 1 h > 12:30 today  <=>  start > 07:30 yesterday, so 08:00 yesterday is the oldest.
      name: 'two days back: hot only from the oldest window still in Redis, warm for all',
      from: at(-36),
      to: at(12.5),
      hot: [at(-16), at(12)],
      warm: [at(-36), at(12)],
    },
    {
      name: 'a week ago: warm only',
      from: at(-7 * 24),
      to: at(-6 * 24),
      hot: undefined,
      warm: [at(-7 * 24), at(-6 * 24) - W],
    },
    {
      name: 'a range reaching far into the future stops at now + grace',
      from: at(11),
      to: at(24 * 365),
      hot: [at(10), at(12)],
      warm: [at(10), at(12)],
    },
    {
      name: 'a range entirely in the future reads nothing',
      from: at(15),
      to: at(20),
      hot: undefined,
      warm: undefined,
    },
    {
      name: 'an exclusive end on a window boundary does not read the next window',
      from: at(8),
      to: at(10),
      hot: [at(8), at(8)],
      warm: [at(8), at(8)],
    },
  ])('$name', ({ from, to, hot, warm }) => {
    const plan = planRead(from, to, settings, now);
    const range = (tier: string) => {
      const r = plan.tiers.find((t) => t.tier === tier);
      return r && [r.fromStart, r.toStart];
    };
    expect(range('hot')).toEqual(hot);
    expect(range('warm')).toEqual(warm);
    expect(plan.tiers.map((t) => t.tier)).toEqual([...(hot ? ['hot'] : []), ...(warm ? ['warm'] : [])]);
  });

  it('keeps a window in the hot plan exactly while Redis may still hold it', () => {
    const start = at(0);
    const lastHotMoment = start + W + settings.hotRetentionMs + LATE_SEAL_KEEP_MS - 1;
    expect(planRead(start, start + W, settings, lastHotMoment).tiers.map((t) => t.tier)).toEqual(['hot', 'warm']);
    expect(planRead(start, start + W, settings, lastHotMoment + 1).tiers.map((t) => t.tier)).toEqual(['warm']);
  });

  describe('with the seal grace known', () => {
    const grace = 5 * 60_000;
    const sealing: PlannerSettings = { ...settings, sealGraceMs: grace };
    const tiersOf = (from: number, to: number, nowMs: number) => Object.fromEntries(planRead(from, to, sealing, nowMs).tiers.map((t) => [t.tier, [t.fromStart, t.toStart]]));

    it('reads a fresh range from Redis alone: the open window has no DynamoDB item yet', () => {
      expect(tiersOf(at(12), at(12.5), now)).toEqual({ hot: [at(12), at(12)] });
    });

    it('still asks DynamoDB for every window that may be sealed', () => {
      expect(tiersOf(at(-36), at(12.5), now)).toEqual({ hot: [at(-16), at(12)], warm: [at(-36), at(10)] });
    });

    it('asks for a window from the moment the writer may seal it, its clock up to a minute ahead', () => {
      const start = at(10);
      const due = start + W + grace;
      expect(tiersOf(start, start + W, due - SEAL_CLOCK_SKEW_MS - 1)).toEqual({ hot: [start, start] });
      expect(tiersOf(start, start + W, due - SEAL_CLOCK_SKEW_MS)).toEqual({ hot: [start, start], warm: [start, start] });
    });
  });

  it('lists the window starts of a range', () => {
    expect(windowStarts({ tier: 'hot', fromStart: at(8), toStart: at(12) }, W)).toEqual([at(8), at(10), at(12)]);
  });
});

describe('exclusiveRange', () => {
  it('is the part older than the hot tier’s windows', () => {
    const plan = planRead(at(-36), at(12.5), settings, now);
    expect(exclusiveRange(plan, 'warm')).toEqual({ fromMs: at(-36), toMs: at(-16) });
    expect(exclusiveRange(plan, 'hot')).toEqual({ fromMs: at(-36), toMs: at(12.5) });
  });

  it('is empty when the hot tier covers the whole range', () => {
    const plan = planRead(at(11.5), at(12.5), settings, now);
    expect(exclusiveRange(plan, 'warm')).toEqual({ fromMs: at(11.5), toMs: at(11.5) });
  });
});

describe('planRead with a cold tier', () => {
  const cold: PlannerSettings = { ...settings, cold: true };
  const DAY = 24 * HOUR;
  const day = (n: number) => DAY0 + n * DAY;

  it.each([
    { name: 'a range ending yesterday reads no cold day (the day must have ended a day ago)', from: day(-1), to: day(0), cold: undefined },
    { name: 'the day before yesterday is the newest cold day', from: day(-3), to: at(12), cold: [day(-3), day(-2)] },
    { name: 'a 460-day range reads every whole or partial day up to then', from: day(-460) + 5, to: at(12), cold: [day(-460), day(-2)] },
    { name: 'a range inside one old day reads that day', from: day(-30) + HOUR, to: day(-30) + 2 * HOUR, cold: [day(-30), day(-30)] },
    { name: 'an exclusive end at midnight does not read the next day', from: day(-30), to: day(-28), cold: [day(-30), day(-29)] },
  ])('$name', ({ from, to, cold: expected }) => {
    const plan = planRead(from, to, cold, now);
    const range = plan.tiers.find((t) => t.tier === 'cold');
    expect(range && [range.fromStart, range.toStart]).toEqual(expected);
    // Warm still covers every window: late points of archived days wait there.
    expect(plan.tiers.find((t) => t.tier === 'warm')?.fromStart).toBe(Math.floor(from / W) * W);
  });

  it.each([
    [0, undefined],
    [60_000, undefined],
    [7 * 60_000, undefined],
    [300_000, 300_000],
    [600_000, 300_000],
    [HOUR, HOUR],
    [5 * HOUR, HOUR],
    [DAY, DAY],
    [7 * DAY, DAY],
  ])('a step of %d ms is answered from stored rows of %s ms', (step, resolution) => {
    const plan = planRead(day(-40), day(-30), cold, now, step);
    expect(plan.rollup).toEqual(resolution === undefined ? undefined : { stepMs: step, resolutionMs: resolution });
  });

  it('plans no cold tier, and no stored rollups, without one configured', () => {
    const plan = planRead(day(-40), day(-30), settings, now, DAY);
    expect(plan.tiers.map((t) => t.tier)).toEqual(['warm']);
    expect(plan.rollup).toBeUndefined();
  });

  it('names the days only S3 holds when the cold tier fails', () => {
    const plan = planRead(day(-40) + HOUR, day(-30) + HOUR, cold, now);
    expect(exclusiveRange(plan, 'cold')).toEqual({ fromMs: day(-40) + HOUR, toMs: day(-30) + HOUR });
    const recent = planRead(day(-3), at(12.5), cold, now);
    expect(exclusiveRange(recent, 'cold')).toEqual({ fromMs: day(-3), toMs: day(-1) });
  });
});
