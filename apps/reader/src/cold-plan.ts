import { bucketStart } from '@strata/model';
import { clipColumns, concatRuns, DAY_MS, type SortedColumns } from '@strata/storage';
import { dayNumber } from '@strata/storage/cold';

/**
 * Which buckets of a rollup read the cold tier's stored rollups answer, and which days it
 * must read raw points for instead. Pure.
 *
 * A bucket [b, b + step) is *served* by rollups when it lies inside [from, to) and every
 * UTC day it touches is archived: its answer then comes from the stored rows of the plan's
 * resolution, folded in time order (foldRollupStats). Every other bucket is rolled up from
 * raw points as usual, so an archived day that a partial or straddling bucket touches is
 * read raw (and also as rollups if another bucket of it is served). A served bucket in which
 * a hotter tier holds any point (a late point not archived yet) is *dirty*: it falls back
 * to raw, and its days are read raw as well.
 */
export interface ColdBucketPlan {
  /** Bucket starts (multiples of the step) answered by stored rollups, ascending. */
  readonly served: readonly number[];
  /** Archived days to read raw points for, ascending day numbers. */
  readonly rawDays: readonly number[];
  /** Archived days whose rollup rows are needed, ascending day numbers. */
  readonly rollupDays: readonly number[];
}

export interface RollupWindow {
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
}

/** The buckets stored rollups can answer, given which days are archived. */
export function planColdBuckets(range: RollupWindow, archivedDays: readonly number[]): ColdBucketPlan {
  const archived = new Set(archivedDays);
  const { fromMs, toMs, stepMs } = range;
  const served = new Set<number>();
  for (const day of archivedDays) {
    const lo = Math.max(fromMs, day * DAY_MS);
    const hi = Math.min(toMs, (day + 1) * DAY_MS);
    for (let b = bucketStart(lo, stepMs); b < hi; b += stepMs) {
      if (served.has(b) || b < fromMs || b + stepMs > toMs) continue;
      let all = true;
      for (let d = dayNumber(b); d <= dayNumber(b + stepMs - 1) && all; d++) all = archived.has(d);
      if (all) served.add(b);
    }
  }
  return withDays(range, archivedDays, [...served].sort((a, b) => a - b));
}

/** The plan after `dirty` buckets (a hotter tier has points in them) fall back to raw. */
export function withoutDirty(range: RollupWindow, archivedDays: readonly number[], plan: ColdBucketPlan, dirty: ReadonlySet<number>): ColdBucketPlan {
  if (dirty.size === 0) return plan;
  return withDays(range, archivedDays, plan.served.filter((b) => !dirty.has(b)));
}

function withDays(range: RollupWindow, archivedDays: readonly number[], served: number[]): ColdBucketPlan {
  const rawDays: number[] = [];
  const rollupDays: number[] = [];
  let i = 0;
  for (const day of [...archivedDays].sort((a, b) => a - b)) {
    const lo = Math.max(range.fromMs, day * DAY_MS);
    const hi = Math.min(range.toMs, (day + 1) * DAY_MS);
    if (lo >= hi) continue;
    while (i < served.length && served[i] + range.stepMs <= lo) i++;
    let covered = 0;
    for (let j = i; j < served.length && served[j] < hi; j++) covered += Math.min(hi, served[j] + range.stepMs) - Math.max(lo, served[j]);
    if (covered > 0) rollupDays.push(day);
    if (covered < hi - lo) rawDays.push(day);
  }
  return { served, rawDays, rollupDays };
}

/** Served buckets that touch any of `days` (ascending day numbers). */
export function bucketsOnDays(served: readonly number[], stepMs: number, days: readonly number[]): number[] {
  if (days.length === 0) return [];
  const on = new Set(days);
  return served.filter((b) => {
    for (let d = dayNumber(b); d <= dayNumber(b + stepMs - 1); d++) if (on.has(d)) return true;
    return false;
  });
}

/** Served buckets in which any of `columns` (the hotter tiers' points) has a point. */
export function dirtyBuckets(served: readonly number[], stepMs: number, columns: readonly SortedColumns[]): Set<number> {
  const dirty = new Set<number>();
  if (served.length === 0) return dirty;
  const servedSet = new Set(served);
  for (const c of columns) {
    for (const t of c.timestamps) {
      const b = bucketStart(t, stepMs);
      if (servedSet.has(b)) dirty.add(b);
    }
  }
  return dirty;
}

/** The points outside the served buckets (those are answered by rollups instead). */
export function outsideServed(columns: SortedColumns, served: readonly number[], stepMs: number): SortedColumns {
  if (served.length === 0 || columns.timestamps.length === 0) return columns;
  const runs: SortedColumns[] = [];
  let from = -Infinity;
  for (const b of served) {
    runs.push(clipColumns(columns, from, b));
    from = b + stepMs;
  }
  runs.push(clipColumns(columns, from, Infinity));
  return concatRuns(runs);
}
