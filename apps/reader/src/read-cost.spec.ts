import { Aggregation, type ReadRequest } from '@strata/proto';
import { DAY_MS } from '@strata/storage';
import { decodeInline } from './decode-batch';
import { QueryLimitError, ReadCancelledError } from './errors';
import { planRead } from './planner';
import { estimateReadCost } from './read-cost';
import { HOUR, NOW, readerHarness, W } from './test-support';

const SETTINGS = { windowMs: W, hotRetentionMs: 26 * HOUR, futureGraceMs: 600_000, cold: true };
const series = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `s${i}`, labels: [] }));
const request = (r: Partial<ReadRequest>): ReadRequest => ({ series: series(1), fromMs: NOW - HOUR, toMs: NOW, stepMs: 0, aggregation: Aggregation.AVG, ...r });

async function drain(h: ReturnType<typeof readerHarness>, r: ReadRequest, signal?: AbortSignal) {
  let points = 0;
  for await (const m of h.reads.read('acme', r, signal)) for (const s of m.series) points += s.points.length;
  return points;
}

describe('estimateReadCost', () => {
  it.each([
    ['the last hour', NOW - HOUR, 0, 2, /hot 1, warm 1$/],
    ['400 days raw', NOW - 400 * DAY_MS, 0, 2 + 399, /cold 399 \(399 days raw\)/],
    ['400 days at 1 d steps (year rollup blocks)', NOW - 400 * DAY_MS, DAY_MS, 2 + 2, /cold 2 \(399 days from stored 1440 min rollups\)/],
    ['400 days at 1 h steps (month rollup blocks)', NOW - 400 * DAY_MS, HOUR, 2 + 14, /cold 14 /],
    ['400 days at 5 min steps (day rollup parts)', NOW - 400 * DAY_MS, 300_000, 2 + 399, /cold 399 /],
  ])('counts %s as storage requests per series', (_, fromMs, stepMs, perSeries, detail) => {
    const cost = estimateReadCost(10, planRead(fromMs, NOW, SETTINGS, NOW, stepMs));
    expect(cost).toMatchObject({ kind: 'read', units: 10 * perSeries, detail: expect.stringMatching(detail) });
  });
});

describe('ReadHandler limits', () => {
  it('refuses a read whose estimate is above STRATA_READ_MAX_REQUESTS before any storage call', async () => {
    const h = readerHarness({ admission: { maxCost: { read: { units: 150, setting: 'STRATA_READ_MAX_REQUESTS', unit: 'storage requests' }, list: { units: 1, setting: 'STRATA_LIST_MAX_SCANNED', unit: 'names' } } } });
    const hot = jest.spyOn(h.hot, 'fetchWindows');
    const warm = jest.spyOn(h.warm, 'queryChunks');
    await expect(drain(h, request({ series: series(76) }))).rejects.toMatchObject({
      constructor: QueryLimitError,
      setting: 'STRATA_READ_MAX_REQUESTS',
      message: expect.stringMatching(/about 152 storage requests \(76 series x 2 requests: hot 1, warm 1\); the limit is 150/),
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
