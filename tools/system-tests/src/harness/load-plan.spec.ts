import { AckLedger } from './ack-ledger';
import { loadValue, recentPastPlan, tickRequest } from './load-plan';

describe('load plan', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 30);
  const plan = recentPastPlan({ seriesCount: 8, maxTicks: 300, now });

  it('spans whole windows in the past, ending two minutes before now', () => {
    expect(plan.fromMs % 60_000).toBe(0);
    expect(plan.fromMs).toBeLessThanOrEqual(now - 2 * 60_000 - 300 * 1_000);
    expect(plan.fromMs + plan.maxTicks * plan.stepMs).toBeLessThanOrEqual(now - 2 * 60_000);
  });

  it('gives every series its point of the tick, and rewrites some earlier points with new values', () => {
    const request = tickRequest(plan, 6);
    expect(request.series).toHaveLength(8);
    expect(request.series[0].points).toEqual([{ timestampMs: plan.fromMs + 6_000, value: loadValue(0, 6, 0) }]);
    // (s + tick) % 4 === 0: series 2 and 6 rewrite their point of tick 1.
    expect(request.series[2].points[1]).toEqual({ timestampMs: plan.fromMs + 1_000, value: loadValue(2, 1, 1) });
    expect(request.series[7].points.map((p) => p.value)).toEqual([loadValue(7, 6, 2), loadValue(7, 6, 0)]);
  });

  it('leaves each point with a last value that differs from its first when it was rewritten', () => {
    const ledger = new AckLedger();
    for (let tick = 0; tick < 12; tick++) {
      const request = tickRequest(plan, tick);
      ledger.recordAnswer('t', request, { accepted: 0, rejections: [] });
    }
    const series2 = ledger.allSeries().find((s) => s.seriesKey.includes('host="host-2"'))!;
    expect(series2.points.get(plan.fromMs + 1_000)?.acknowledged).toBe(loadValue(2, 1, 1));
    expect(series2.points.get(plan.fromMs + 2_000)?.acknowledged).toBe(loadValue(2, 2, 0));
    const series7 = ledger.allSeries().find((s) => s.seriesKey.includes('host="host-7"'))!;
    expect(series7.points.get(plan.fromMs + 11_000)?.acknowledged).toBe(loadValue(7, 11, 0));
  });
});
