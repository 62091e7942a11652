import type { ProbeRecord } from './dashboard-contract';
import { ProbeHistory, quantile, rollingQuantiles, summarize } from './probe-history';

const record = (t: number, ms: number, result: ProbeRecord['result'] = 'ok'): ProbeRecord => ({
  t,
  tenant: 'dev',
  result,
  ms,
  writeAttempts: 1,
  readAttempts: 1,
});

describe('ProbeHistory', () => {
  it('keeps probes in timestamp order when they finish out of order', () => {
    const history = new ProbeHistory({ retentionMs: 60_000, maxEntries: 100 });
    history.add(record(2_000, 5));
    history.add(record(1_000, 30_000, 'not_readable_in_time'));
    history.add(record(3_000, 5));
    expect(history.since(0).map((r) => r.t)).toEqual([1_000, 2_000, 3_000]);
    expect(history.since(2_000).map((r) => r.t)).toEqual([2_000, 3_000]);
  });

  it('forgets probes older than the retention and beyond the entry limit', () => {
    const history = new ProbeHistory({ retentionMs: 10_000, maxEntries: 5 });
    for (let t = 0; t <= 20_000; t += 1_000) history.add(record(t, 1));
    expect(history.size).toBe(5);
    expect(history.since(0)[0].t).toBe(16_000);
    const aged = new ProbeHistory({ retentionMs: 10_000, maxEntries: 100 });
    for (let t = 0; t <= 20_000; t += 1_000) aged.add(record(t, 1));
    expect(aged.since(0)[0].t).toBe(10_000);
  });
});

describe('quantile / summarize', () => {
  it.each([
    [[5], 0.5, 5],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99, 9.91],
    [[10, 20], 0, 10],
  ])('quantile(%j, %d) = %d', (values, q, expected) => {
    expect(quantile(values, q)).toBeCloseTo(expected, 6);
  });

  it('summarizes ok probes for latency and counts failures by result', () => {
    const summary = summarize([record(1, 10), record(2, 20), record(3, 30_000, 'read_error'), record(4, 30)]);
    expect(summary).toEqual({
      probes: 4,
      ok: 3,
      failed: 1,
      byResult: { ok: 3, read_error: 1 },
      p50: 20,
      p99: expect.closeTo(29.8, 6),
      max: 30,
    });
    expect(summarize([record(1, 30_000, 'write_unavailable')])).toMatchObject({ ok: 0, p50: null, p99: null });
  });
});

describe('rollingQuantiles', () => {
  it('gives one point per step over the trailing window, skipping steps without successful probes', () => {
    const records = [record(1_000, 10), record(2_000, 20), record(2_500, 99_999, 'read_error'), record(3_000, 30), record(9_000, 5)];
    const points = rollingQuantiles(records, { fromMs: 0, toMs: 10_000, stepMs: 1_000, windowMs: 2_000 });
    expect(points.map(({ t, p50, n }) => ({ t, p50, n }))).toEqual([
      { t: 1_000, p50: 10, n: 1 },
      { t: 2_000, p50: 15, n: 2 },
      { t: 3_000, p50: 25, n: 2 },
      { t: 4_000, p50: 30, n: 1 },
      { t: 9_000, p50: 5, n: 1 },
      { t: 10_000, p50: 5, n: 1 },
    ]);
  });
});
