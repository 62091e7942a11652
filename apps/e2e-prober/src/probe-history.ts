import type { ProbeRecord, ProbeResult, ProbeSummary, QuantilePoint } from './dashboard-contract';
import type { ProbeOutcome } from './probe';

export function toRecord(outcome: ProbeOutcome): ProbeRecord {
  return {
    t: outcome.timestampMs,
    tenant: outcome.tenant,
    result: outcome.result,
    ms: outcome.timeToReadableMs ?? outcome.elapsedMs,
    writeAttempts: outcome.writeAttempts,
    readAttempts: outcome.readAttempts,
    ...(outcome.failure ? { stage: outcome.failure.stage, message: outcome.failure.message } : {}),
  };
}

/**
 * The recent probes, oldest first, bounded by age (relative to the newest probe) and by
 * count, so a short interval or many tenants cannot grow it without limit. Probes finish
 * out of order (a slow one after a fast later one); records are kept in timestamp order.
 */
export class ProbeHistory {
  private records: ProbeRecord[] = [];

  constructor(private readonly options: { retentionMs: number; maxEntries: number }) {}

  add(record: ProbeRecord): void {
    let index = this.records.length;
    while (index > 0 && this.records[index - 1].t > record.t) index--;
    this.records.splice(index, 0, record);
    const newest = this.records[this.records.length - 1].t;
    let drop = 0;
    while (drop < this.records.length && this.records[drop].t < newest - this.options.retentionMs) drop++;
    drop = Math.max(drop, this.records.length - this.options.maxEntries);
    if (drop > 0) this.records = this.records.slice(drop);
  }

  /** Records with t >= sinceMs, oldest first. */
  since(sinceMs: number): ProbeRecord[] {
    return this.records.filter((r) => r.t >= sinceMs);
  }

  get size(): number {
    return this.records.length;
  }
}

/** Linear interpolation between the closest ranks of an ascending array. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

export function summarize(records: readonly ProbeRecord[]): ProbeSummary {
  const byResult: Partial<Record<ProbeResult, number>> = {};
  const times: number[] = [];
  for (const record of records) {
    byResult[record.result] = (byResult[record.result] ?? 0) + 1;
    if (record.result === 'ok') times.push(record.ms);
  }
  times.sort((a, b) => a - b);
  const ok = times.length;
  return {
    probes: records.length,
    ok,
    failed: records.length - ok,
    byResult,
    p50: ok > 0 ? quantile(times, 0.5) : null,
    p99: ok > 0 ? quantile(times, 0.99) : null,
    max: ok > 0 ? times[ok - 1] : null,
  };
}

/**
 * p50 and p99 of time to readable over a sliding window, one point per step from
 * `fromMs` to `toMs` (steps aligned to multiples of stepMs); steps whose window holds no
 * successful probe are left out, so a gap in the line is a gap in the data.
 */
export function rollingQuantiles(
  records: readonly ProbeRecord[],
  options: { fromMs: number; toMs: number; stepMs: number; windowMs: number },
): QuantilePoint[] {
  const ok = records.filter((r) => r.result === 'ok').sort((a, b) => a.t - b.t);
  const points: QuantilePoint[] = [];
  const first = Math.ceil(options.fromMs / options.stepMs) * options.stepMs;
  let start = 0;
  let end = 0;
  for (let t = first; t <= options.toMs; t += options.stepMs) {
    while (end < ok.length && ok[end].t <= t) end++;
    while (start < end && ok[start].t <= t - options.windowMs) start++;
    if (end === start) continue;
    const window = ok
      .slice(start, end)
      .map((r) => r.ms)
      .sort((a, b) => a - b);
    points.push({ t, p50: quantile(window, 0.5), p99: quantile(window, 0.99), n: window.length });
  }
  return points;
}
