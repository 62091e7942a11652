import type { WriteRequest } from '@strata/proto';

/** A bounded, deterministic write load: every series gets one new point per tick. */
export interface LoadPlan {
  readonly seriesCount: number;
  /** Timestamp of tick 0's points. */
  readonly fromMs: number;
  /** How far the timestamps advance per tick. */
  readonly stepMs: number;
  /** The load ends after this many ticks at the latest. */
  readonly maxTicks: number;
  /** Each tick, one series in this many also rewrites its point of `overwriteLag` ticks ago. */
  readonly overwriteEvery: number;
  readonly overwriteLag: number;
  /** Distinguishes the values of a second pass over the same points. @default 0 */
  readonly generation?: number;
}

const MINUTE = 60_000;

/**
 * Timestamps in the recent past, ending two minutes before `now`, window-aligned at the
 * start: every window they touch is already due for sealing (1-minute windows, short
 * grace) while the load runs, and the overwrites reopen sealed windows.
 */
export function recentPastPlan(options: { seriesCount: number; maxTicks: number; stepMs?: number; now?: number }): LoadPlan {
  const stepMs = options.stepMs ?? 1_000;
  const last = (options.now ?? Date.now()) - 2 * MINUTE;
  const first = last - options.maxTicks * stepMs;
  return {
    seriesCount: options.seriesCount,
    fromMs: first - (first % MINUTE),
    stepMs,
    maxTicks: options.maxTicks,
    overwriteEvery: 4,
    overwriteLag: 5,
  };
}

/** Series `i` of the load: a few names, a label that makes each one unique. */
export function loadSeries(i: number): { name: string; labels: Array<{ name: string; value: string }> } {
  return { name: `system.cpu.${['user', 'system', 'iowait', 'steal'][i % 4]}`, labels: [{ name: 'host', value: `host-${i}` }, { name: 'dc', value: 'eu-1' }] };
}

/** Unique per (series, tick, version, generation) and exact in float64, so a stored value names the write it came from. */
export function loadValue(series: number, tick: number, version: number, generation = 0): number {
  return generation * 1_000_000_000 + series * 1_000_000 + tick * 10 + version + 0.25;
}

/**
 * The request of one tick. Every series gets its point of this tick (version 0); one in
 * `overwriteEvery` also rewrites its point of `overwriteLag` ticks ago (version 1, a
 * different request, so a different Kafka record); one in fifty sends this tick's point
 * twice in the request, a stale value first (version 2), so the later one must win.
 */
export function tickRequest(plan: LoadPlan, tick: number): WriteRequest {
  const at = (t: number) => plan.fromMs + t * plan.stepMs;
  const value = (s: number, t: number, version: number) => loadValue(s, t, version, plan.generation);
  return {
    series: Array.from({ length: plan.seriesCount }, (_, s) => {
      const points = [{ timestampMs: at(tick), value: value(s, tick, 0) }];
      if (s % 50 === 7) points.unshift({ timestampMs: at(tick), value: value(s, tick, 2) });
      if ((s + tick) % plan.overwriteEvery === 0 && tick >= plan.overwriteLag) {
        points.push({ timestampMs: at(tick - plan.overwriteLag), value: value(s, tick - plan.overwriteLag, 1) });
      }
      return { ...loadSeries(s), points };
    }),
  };
}
