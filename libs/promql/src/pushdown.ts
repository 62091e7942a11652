import type { LabelMatcher, RollupStats } from '@strata/model';
import type { Call, Expr, MatrixSelector } from './ast';
import { kahanInc } from './functions';
import type { Labels } from './values';

// Rollup pushdown (docs/promql.md, "Rollup pushdown"): `f(x[R])` for f in PUSHED_DOWN, at
// window ends that are multiples of a stored resolution r (1 h or 1 d) and a range that is
// one too, is answered from the stored rows of r instead of raw points. A row covers
// [b, b + r) and a PromQL window (ref − R, ref]; they differ by the point exactly at
// ref − R (in the first row, not in the window) and the one exactly at ref (in the window,
// first in the next row), which each row's `head` records, with the extremes of the row's
// other points. Where that leaves the answer not within floating-point noise of the raw one
// (a sum over values of both signs), the selector is read raw instead.

/** The functions pushed down. */
export const PUSHED_DOWN: ReadonlySet<string> = new Set(['min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'avg_over_time', 'last_over_time']);

/** Stored resolutions that carry heads, coarsest first. */
export const PUSHDOWN_RESOLUTIONS_MS: readonly number[] = [86_400_000, 3_600_000];

/**
 * One series as a rollup read gives it: stored rows at the resolution (those buckets the
 * cold tier answers), and the raw points of every other bucket (staleness markers left out).
 * Rows and points never share a bucket.
 */
export interface RolledSeries {
  readonly labels: Labels;
  readonly rows: RollupStats;
  readonly t: ArrayLike<number>;
  readonly v: ArrayLike<number>;
}

/** Where rollup reads come from; a Queryable without it gets no pushdown. */
export interface RollupQueryable {
  /** Every series the matchers select with rows of `resolutionMs` in [fromMs, toMs) (both multiples of it). */
  selectRollups(matchers: readonly LabelMatcher[], fromMs: number, toMs: number, resolutionMs: number, signal?: AbortSignal): Promise<RolledSeries[]>;
}

/** A call the engine answers from rows: its resolution and the window ends it is evaluated at. */
export interface PushdownPlan {
  readonly call: Call;
  readonly selector: MatrixSelector;
  readonly resolutionMs: number;
  /** Window ends, ascending: an arithmetic progression of `everyMs` (0: a single one). */
  readonly firstRefMs: number;
  readonly lastRefMs: number;
  readonly everyMs: number;
}

function unwrap(e: Expr): Expr {
  return e.kind === 'paren' ? unwrap(e.expr) : e;
}

/**
 * The plan for `call` evaluated at steps `startMs`, `startMs + stepMs`, … `endMs` (not inside
 * a subquery), or undefined when it is not pushed down.
 */
export function planPushdown(call: Call, range: { startMs: number; endMs: number; stepMs: number }, atMs: (sel: MatrixSelector) => number | undefined): PushdownPlan | undefined {
  if (!PUSHED_DOWN.has(call.func.name) || call.args.length !== 1) return undefined;
  const arg = unwrap(call.args[0]);
  if (arg.kind !== 'matrix') return undefined;
  const sel = arg.selector;
  const at = atMs(arg);
  const firstRefMs = (at ?? range.startMs) - sel.offsetMs;
  const lastRefMs = at !== undefined || range.stepMs === 0 ? firstRefMs : firstRefMs + Math.floor((range.endMs - range.startMs) / range.stepMs) * range.stepMs;
  const everyMs = at !== undefined ? 0 : range.stepMs;
  for (const r of PUSHDOWN_RESOLUTIONS_MS) {
    if (arg.rangeMs % r === 0 && firstRefMs % r === 0 && everyMs % r === 0) return { call, selector: arg, resolutionMs: r, firstRefMs, lastRefMs, everyMs };
  }
  return undefined;
}

/** The rows read for a plan: the first window's start to the row at the last window end. */
export function rowsSpan(plan: PushdownPlan): { fromMs: number; toMs: number } {
  return { fromMs: plan.firstRefMs - plan.selector.rangeMs, toMs: plan.lastRefMs + plan.resolutionMs };
}

/**
 * Whether every window of the plan has an exact answer from these rows (else read raw):
 * rows with heads (and the extremes of the points after the head); for sum and avg, finite
 * values all of one sign, so that adding rows' sums in another order than the raw evaluation
 * stays far within 1e-9 of the result (the count · ε of each row's sum, and of the first
 * row's sum less its head, relative to the window's).
 */
export function exactFromRows(plan: PushdownPlan, series: readonly RolledSeries[]): boolean {
  const name = plan.call.func.name;
  const lowest = plan.firstRefMs - plan.selector.rangeMs;
  const isWindowStart = (b: number) => b >= lowest && b <= plan.lastRefMs - plan.selector.rangeMs && (plan.everyMs === 0 ? b === lowest : (b - lowest) % plan.everyMs === 0);
  for (const s of series) {
    const { rows } = s;
    if (rows.timestamps.length === 0) continue;
    if (!rows.head) return false;
    if (name === 'sum_over_time' || name === 'avg_over_time') {
      let negative = false;
      let positive = false;
      for (let i = 0; i < rows.timestamps.length; i++) {
        negative ||= rows.min[i] < 0;
        positive ||= rows.max[i] > 0;
      }
      for (let i = 0; i < s.v.length; i++) {
        negative ||= s.v[i] < 0;
        positive ||= s.v[i] > 0;
      }
      if (negative && positive) return false;
      // A window's first row loses its head by subtraction: the rest must not be so small
      // beside the row's sum that the sum's rounding (count · ε of it) reaches 1e-10 of it.
      for (let i = 0; i < rows.timestamps.length; i++) {
        if (!Number.isFinite(rows.sum[i])) return false;
        const rest = Math.abs(rows.sum[i] - rows.head[i]);
        if (rows.count[i] > 1 && !Number.isNaN(rows.head[i]) && isWindowStart(rows.timestamps[i]) && rows.count[i] * Number.EPSILON * Math.abs(rows.sum[i]) > 1e-10 * rest) return false;
      }
    }
  }
  return true;
}

/** Index of the first element ≥ t. */
function firstAtOrAfter(times: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The aggregate of one series over the window (ref − range, ref], from its rows and raw
 * points, or undefined when the window holds no point. Only for plans that
 * {@link exactFromRows} accepted.
 */
export function windowAggregate(name: string, s: RolledSeries, refMs: number, rangeMs: number): number | undefined {
  const { rows } = s;
  const head = rows.head!;
  const from = refMs - rangeMs;
  // Rows of [from, ref), the one at `from` without its head; the head of the row at `ref`.
  const r0 = firstAtOrAfter(rows.timestamps, from);
  const r1 = firstAtOrAfter(rows.timestamps, refMs);
  const dropFirst = r0 < r1 && rows.timestamps[r0] === from && !Number.isNaN(head[r0]);
  const endHead = r1 < rows.timestamps.length && rows.timestamps[r1] === refMs && !Number.isNaN(head[r1]) ? head[r1] : undefined;
  // Raw points in (from, ref].
  const p0 = firstAtOrAfter(s.t, from + 1);
  const p1 = firstAtOrAfter(s.t, refMs + 1);

  let count = p1 - p0 + (endHead === undefined ? 0 : 1);
  for (let i = r0; i < r1; i++) count += rows.count[i];
  if (dropFirst) count--;
  if (count === 0) return undefined;

  switch (name) {
    case 'count_over_time':
      return count;
    case 'min_over_time':
    case 'max_over_time': {
      const max = name === 'max_over_time';
      let best = max ? -Infinity : Infinity;
      const take = (v: number) => {
        if (max ? v > best : v < best) best = v;
      };
      // The first row without its head: the extremes of its other points (NaN: none).
      for (let i = r0; i < r1; i++) {
        const v = i === r0 && dropFirst ? (max ? rows.restMax![i] : rows.restMin![i]) : max ? rows.max[i] : rows.min[i];
        if (!Number.isNaN(v)) take(v);
      }
      for (let i = p0; i < p1; i++) take(s.v[i]);
      if (endHead !== undefined) take(endHead);
      return best;
    }
    case 'sum_over_time':
    case 'avg_over_time': {
      let sum = 0;
      let c = 0;
      for (let i = r0; i < r1; i++) [sum, c] = kahanInc(i === r0 && dropFirst ? rows.sum[i] - head[i] : rows.sum[i], sum, c);
      for (let i = p0; i < p1; i++) [sum, c] = kahanInc(s.v[i], sum, c);
      if (endHead !== undefined) [sum, c] = kahanInc(endHead, sum, c);
      const total = sum === Infinity || sum === -Infinity ? sum : sum + c;
      return name === 'sum_over_time' ? total : total / count;
    }
    case 'last_over_time': {
      if (endHead !== undefined) return endHead;
      // The latest of the last raw point and the last row still holding a point: rows and
      // raw points never share a bucket, so a raw point after a row's start is after its end.
      let row = r1 - 1;
      if (row === r0 && dropFirst && rows.count[row] === 1) row = -1;
      const point = p1 - 1 >= p0 ? p1 - 1 : -1;
      if (point >= 0 && (row < r0 || row < 0 || s.t[point] > rows.timestamps[row])) return s.v[point];
      return rows.last[row];
    }
    default:
      throw new Error(`internal: ${name} is not pushed down`);
  }
}
