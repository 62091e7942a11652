import { Aggregation, type ReadRequest } from '@strata/proto';
import { DAY_MS } from '@strata/storage';
import { decodeInline } from './decode-batch';
import { QueryLimitError, ReadCancelledError } from './errors';
import { planRead } from './planner';
import { estimateReadCost } from './read-cost';
import { HOUR, NOW, readerHarness, W } from '../test/reader-harness';

const SETTINGS = { windowMs: W, hotRetentionMs: 26 * HOUR, futureGraceMs: 600_000, cold: true };
const series = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `s${i}`, labels: [] }));
const request = (r: Partial<ReadRequest>): ReadRequest => ({ matchers: [], series: series(1), fromMs: NOW - HOUR, toMs: NOW, stepMs: 0, aggregation: Aggregation.AVG, ...r });

async function drain(h: ReturnType<typeof readerHarness>, r: ReadRequest, signal?: AbortSignal) {
  let points = 0;
  for await (const m of h.reads.read('acme', r, signal)) for (const s of m.series) points += s.points.length;
  return points;
}

const DAY0 = NOW - (NOW % DAY_MS);
const COST = { pointsPerSeriesDay: 1_440, maxPointsPerRequest: 5_000_000 };
const NO_COLD = { ...SETTINGS, cold: false };

describe('estimateReadCost', () => {
  it.each<[string, number, number, number, RegExp]>([
    // 2 h windows; NOW is 12:30: the last hour is the windows of 10:00 and 12:00.
    ['the last hour', NOW - HOUR, 0, 2 * 3 + 1, /hot 6 \(2 windows x 3 Redis commands\), warm 1$/],
    // The hot span: windows from 08:00 yesterday to 12:00 today (26 h retention + 1 h late seals + a window).
    ['400 days raw', NOW - 400 * DAY_MS, 0, 15 * 3 + 1 + 399, /hot 45 \(15 windows x 3 Redis commands\), warm 1, cold 399 \(399 days raw\)/],
    ['400 days at 1 d steps (year rollup blocks)', NOW - 400 * DAY_MS, DAY_MS, 46 + 2, /cold 2 \(399 days from stored 1440 min rollups\)/],
    ['400 days at 1 h steps (month rollup blocks)', NOW - 400 * DAY_MS, HOUR, 46 + 14, /cold 14 /],
    ['400 days at 5 min steps (day rollup parts)', NOW - 400 * DAY_MS, 300_000, 46 + 399, /cold 399 /],
    ['an archived day', DAY0 - 10 * DAY_MS, 0, 1 + 1, /^10 series x 2 requests: warm 1, cold 1 \(1 days raw\)$/],
  ])('counts %s as storage requests per series', (name, fromMs, stepMs, perSeries, detail) => {
    const toMs = name === 'an archived day' ? fromMs + DAY_MS : NOW;
    const cost = estimateReadCost(10, planRead(fromMs, toMs, SETTINGS, NOW, stepMs), COST);
    expect(cost).toMatchObject({ kind: 'read', units: 10 * perSeries, detail: expect.stringMatching(detail) });
  });

  // Points per series: each day once at the tier that answers it, the hot span twice.
  it.each([
    // An archived day read raw: the cold tier's day only (warm gave it up when it was archived).
    ['100 series x 1 archived day raw', 100, DAY0 - 10 * DAY_MS, DAY0 - 9 * DAY_MS, 0, SETTINGS, 1_440, /cold 1 days raw/],
    ['1 series x 1 hour, hot and warm', 1, NOW - HOUR, NOW, 0, SETTINGS, 2 * 60, /hot 0.04 days raw \+ warm 0.04 days raw/],
    ['1 series x 10 days raw without a cold tier', 1, DAY0 - 12 * DAY_MS, DAY0 - 2 * DAY_MS, 0, NO_COLD, 10 * 1_440, /warm 10 days raw/],
    // 2 year blocks of 1 d rows; raw from warm: yesterday and today up to the last window (14:00), from
    // hot: its 30 h (back to 08:00 yesterday) again.
    ['1 series x 460 days at 1 d', 1, DAY0 - 459 * DAY_MS, DAY0 + DAY_MS, DAY_MS, SETTINGS, 2 * 366 * 6 + (1 + 14 / 24) * 1_440 + (30 / 24) * 1_440, /cold 732 rollup rows x 6 columns/],
    ['1 series x 30 archived days at 5 m', 1, DAY0 - 40 * DAY_MS, DAY0 - 10 * DAY_MS, 300_000, SETTINGS, 30 * 288 * 6, /cold 8640 rollup rows/],
  ])('estimates %s as points to decode', (_, series, fromMs, toMs, stepMs, settings, perSeries, detail) => {
    const [also] = estimateReadCost(series, planRead(fromMs, toMs, settings, NOW, stepMs), COST).also!;
    expect(also).toMatchObject({ setting: 'STRATA_READ_MAX_POINTS', limit: 5_000_000, detail: expect.stringMatching(detail) });
    expect(also.units).toBeCloseTo(series * perSeries, -1);
  });

  it('prices a raw year of 1,000 series at hundreds of millions of points (it cost 2,000 requests and was admitted)', () => {
    const cost = estimateReadCost(1_000, planRead(NOW - 365 * DAY_MS, NOW + 60_000, NO_COLD, NOW), COST);
    // One per series and tier before; the hot span's 15 windows alone are 45 Redis commands a series.
    expect(cost.units).toBe(1_000 * (15 * 3 + 1));
    expect(cost.also![0].units).toBeGreaterThan(365 * 1_000 * 1_440);
    expect(cost.also![0].detail).toMatch(/1000 series x \d+ points: hot 1.\d+ days raw \+ warm 365 days raw, at 1440 raw points per series-day \(STRATA_READ_POINTS_PER_SERIES_DAY\); about 7.\d GiB decoded/);
  });
});

describe('admission of a Read at and just past each estimate', () => {
  const limiter = (requests: number, points: number) => {
    const h = readerHarness({
      limits: { maxPointsPerRequest: points, maxSeriesPerRequest: 1_000, maxRangeMs: 500 * DAY_MS },
      admission: { maxCost: { read: { units: requests, setting: 'STRATA_READ_MAX_REQUESTS', unit: 'storage requests' }, list: { units: 1, setting: 'STRATA_LIST_MAX_SCANNED', unit: 'names' } } },
    });
    return h;
  };
  // Shapes the read bench runs (they must stay admitted at the defaults) and the noisy tenant's year.
  const shapes: Array<[string, 'admitted' | 'refused', Partial<ReadRequest>]> = [
    ['1 series x 1 day raw', 'admitted', { series: series(1), fromMs: DAY0 - 3 * DAY_MS, toMs: DAY0 - 2 * DAY_MS }],
    ['100 series x 1 day raw', 'admitted', { series: series(100), fromMs: DAY0 - 3 * DAY_MS, toMs: DAY0 - 2 * DAY_MS }],
    ['1 series x 30 days at 5 m', 'admitted', { series: series(1), fromMs: NOW - 30 * DAY_MS, toMs: NOW, stepMs: 300_000 }],
    ['1 series x 460 days at 1 d', 'admitted', { series: series(1), fromMs: NOW - 460 * DAY_MS, toMs: NOW, stepMs: DAY_MS, aggregation: Aggregation.MAX }],
    ['1 series x 460 days raw', 'admitted', { series: series(1), fromMs: NOW - 460 * DAY_MS, toMs: NOW }],
    ['1,000 series x 1 day raw, up to now', 'admitted', { series: series(1_000), fromMs: NOW - DAY_MS, toMs: NOW }],
    ['1,000 series x 365 days raw', 'refused', { series: series(1_000), fromMs: NOW - 365 * DAY_MS, toMs: NOW + 60_000 }],
    ['1,000 series x 4 days raw', 'refused', { series: series(1_000), fromMs: NOW - 4 * DAY_MS, toMs: NOW }],
  ];

  it.each(shapes)('%s: %s at the defaults', async (_, expected, r) => {
    const h = limiter(100_000, 5_000_000);
    const warm = jest.spyOn(h.warm, 'queryChunks');
    const outcome = drain(h, request(r));
    if (expected === 'admitted') await expect(outcome).resolves.toBe(0);
    else {
      await expect(outcome).rejects.toMatchObject({
        constructor: QueryLimitError,
        setting: 'STRATA_READ_MAX_POINTS',
        retriable: false,
        message: expect.stringMatching(/would take about \d+ points to decode .*the limit is 5000000 \(STRATA_READ_MAX_POINTS\), refused before fetching: use a step/),
      });
      expect(warm).not.toHaveBeenCalled();
    }
  });

  it.each(shapes)('%s (%s by default): admitted at exactly its estimates, refused one unit below each', async (_, _expected, r) => {
    const parsed = request(r);
    const plan = planRead(parsed.fromMs, parsed.toMs, { ...SETTINGS, cold: false }, NOW, parsed.stepMs);
    const cost = estimateReadCost(parsed.series.length, plan, COST);
    const points = cost.also![0].units;
    await expect(drain(limiter(cost.units, points), parsed)).resolves.toBe(0);
    const pastPoints = limiter(cost.units, points - 1);
    await expect(drain(pastPoints, parsed)).rejects.toMatchObject({ setting: 'STRATA_READ_MAX_POINTS', limit: points - 1 });
    expect(await pastPoints.registry.getSingleMetricAsString('strata_reader_limit_refusals_total')).toMatch(/kind="read",reason="points_estimate"} 1/);
    await expect(drain(limiter(cost.units - 1, points), parsed)).rejects.toMatchObject({ setting: 'STRATA_READ_MAX_REQUESTS', limit: cost.units - 1 });
  });
});

describe('ReadHandler limits', () => {
  it('refuses a read whose estimate is above STRATA_READ_MAX_REQUESTS before any storage call', async () => {
    const h = readerHarness({ admission: { maxCost: { read: { units: 525, setting: 'STRATA_READ_MAX_REQUESTS', unit: 'storage requests' }, list: { units: 1, setting: 'STRATA_LIST_MAX_SCANNED', unit: 'names' } } } });
    const hot = jest.spyOn(h.hot, 'fetchWindows');
    const warm = jest.spyOn(h.warm, 'queryChunks');
    await expect(drain(h, request({ series: series(76) }))).rejects.toMatchObject({
      constructor: QueryLimitError,
      setting: 'STRATA_READ_MAX_REQUESTS',
      message: expect.stringMatching(/about 532 storage requests \(76 series x 7 requests: hot 6 \(2 windows x 3 Redis commands\), warm 1\); the limit is 525/),
    });
    expect(hot).not.toHaveBeenCalled();
    expect(warm).not.toHaveBeenCalled();
    await expect(drain(h, request({ series: series(75) }))).resolves.toBe(0);
  });

  it('refuses past STRATA_READ_MAX_POINTS from chunk headers, before decoding the chunk that would pass it', async () => {
    const decoded: number[] = [];
    const h = readerHarness({
      limits: { maxPointsPerRequest: 5_000 },
      decoder: { decodeAll: async (chunks) => (decoded.push(chunks.length), decodeInline(chunks)) },
    });
    const start = NOW - (NOW % W);
    h.hot.put('acme', 's0', start, 'packed', Array.from({ length: 4_000 }, (_, i) => [start + i, i] as [number, number]));
    h.hot.put('acme', 's1', start, 'packed', Array.from({ length: 1_001 }, (_, i) => [start + i, i] as [number, number]));
    const error = await drain(h, request({ series: series(2), fromMs: start })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryLimitError);
    expect((error as QueryLimitError).message).toMatch(/would decode more than 5000 raw points \(STRATA_READ_MAX_POINTS\): 5001 counted from chunk headers in 2 of its 2 series \(the last s1\)/);
    expect(decoded).toHaveLength(1); // s0's chunk only
    expect(await h.registry.getSingleMetricAsString('strata_reader_limit_refusals_total')).toMatch(/kind="read",reason="points"} 1/);
  });

  it('stops the work, not only the answer, at STRATA_READ_TIMEOUT_MS and when the caller cancels', async () => {
    const h = readerHarness({ admission: { timeoutMs: { read: { ms: 120, setting: 'STRATA_READ_TIMEOUT_MS' }, list: { ms: 1_000, setting: 'STRATA_LIST_TIMEOUT_MS' } } } });
    h.hot.delayMs = 40;
    const fetches = jest.spyOn(h.hot, 'fetchWindows');
    await expect(drain(h, request({ series: series(100) }))).rejects.toMatchObject({ setting: 'STRATA_READ_TIMEOUT_MS', message: expect.stringMatching(/longer than 120 ms/) });
    const started = fetches.mock.calls.length;
    expect(started).toBeLessThan(30); // 4 at a time, 40 ms each: about 12 before the limit
    await new Promise((r) => setTimeout(r, 200));
    expect(fetches.mock.calls.length).toBe(started);
    expect(h.limiter.load('acme')).toEqual({ running: 0, queued: 0 });

    fetches.mockClear();
    const caller = new AbortController();
    setTimeout(() => caller.abort(), 60);
    await expect(drain(h, request({ series: series(100) }), caller.signal)).rejects.toBeInstanceOf(ReadCancelledError);
    const cancelledAt = fetches.mock.calls.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(fetches.mock.calls.length).toBe(cancelledAt);
    expect(cancelledAt).toBeLessThan(20);
  });
});
