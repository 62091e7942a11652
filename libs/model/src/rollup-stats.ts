import { bucketStart, type PointColumns, type RolledColumns, type RollupFunction } from './rollup';

/**
 * Every aggregate of each bucket at once: what the cold tier stores per rollup resolution
 * (5 m, 1 h, 1 d), so that any aggregation can be answered later. Columns are parallel;
 * `timestamps` are bucket starts, strictly increasing; empty buckets are absent.
 */
export interface RollupStats {
  readonly timestamps: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  /** Values added in time order, starting from the first (as {@link rollup} does). */
  readonly sum: Float64Array;
  readonly count: Float64Array;
  /** The value of the bucket's latest point. */
  readonly last: Float64Array;
  /**
   * The value of the point exactly at the bucket start, NaN when there is none; absent when
   * not recorded. PromQL's windows are left-open, `(t − range, t]`: with the heads, rows of
   * `[b, b + r)` answer such windows exactly (promql's rollup pushdown).
   */
  readonly head?: Float64Array;
  /**
   * Recorded with `head`: the minimum and maximum of the bucket's points other than the one
   * at its start (all of them when none is there; NaN when that point is the only one), so
   * that a window leaving the head out still knows its extremes.
   */
  readonly restMin?: Float64Array;
  readonly restMax?: Float64Array;
}

/** The columns recorded with heads, in the order the cold format stores them after `last`. */
export const ROLLUP_HEAD_COLUMNS = ['head', 'restMin', 'restMax'] as const;

export const EMPTY_ROLLUP_STATS: RollupStats = Object.freeze({
  timestamps: new Float64Array(0),
  min: new Float64Array(0),
  max: new Float64Array(0),
  sum: new Float64Array(0),
  count: new Float64Array(0),
  last: new Float64Array(0),
});

/** The five aggregate columns, in the order the cold format stores them. */
export const ROLLUP_STAT_COLUMNS = ['min', 'max', 'sum', 'count', 'last'] as const;
export type RollupStatColumn = (typeof ROLLUP_STAT_COLUMNS)[number];

function checkStep(stepMs: number): void {
  if (!Number.isSafeInteger(stepMs) || stepMs <= 0) throw new RangeError(`step ${stepMs} ms must be a positive integer`);
}

/**
 * Raw points (sorted ascending) to one {@link RollupStats} row per non-empty bucket of
 * `stepMs`. Each aggregate is computed exactly as {@link rollup} computes it, so
 * `foldRollupStats(rollupStats(p, s), s, fn)` equals `rollup(p, s, fn)` bit for bit.
 */
export function rollupStats(points: PointColumns, stepMs: number, options: { heads?: boolean } = {}): RollupStats {
  checkStep(stepMs);
  const { timestamps, values } = points;
  const n = timestamps.length;
  const out = allocateRollupStats(n, options.heads === true);
  let k = 0;
  let i = 0;
  while (i < n) {
    const start = bucketStart(timestamps[i], stepMs);
    const end = start + stepMs;
    let min = values[i];
    let max = values[i];
    let sum = values[i];
    let last = values[i];
    let count = 1;
    // The extremes without the head: start empty when the first point is on the bucket start.
    const headed = timestamps[i] === start;
    let restMin = headed ? NaN : values[i];
    let restMax = headed ? NaN : values[i];
    let j = i + 1;
    for (; j < n && timestamps[j] < end; j++) {
      const v = values[j];
      min = Math.min(min, v);
      max = Math.max(max, v);
      restMin = Number.isNaN(restMin) ? v : Math.min(restMin, v);
      restMax = Number.isNaN(restMax) ? v : Math.max(restMax, v);
      sum += v;
      last = v;
      count++;
    }
    out.timestamps[k] = start;
    out.min[k] = min;
    out.max[k] = max;
    out.sum[k] = sum;
    out.count[k] = count;
    out.last[k] = last;
    if (out.head) {
      out.head[k] = headed ? values[i] : NaN;
      out.restMin![k] = restMin;
      out.restMax![k] = restMax;
    }
    k++;
    i = j;
  }
  return truncate(out, k);
}

/**
 * Combines sub-bucket rows into buckets of `stepMs` (rows whose starts share a bucket of
 * `stepMs`) and answers `fn` for each. Rows are taken in time order: `sum` adds the
 * sub-bucket sums left to right, `min`/`max` follow `Math.min`/`Math.max`, `count` adds,
 * `last` is the latest sub-bucket's last, `avg` = sum / count. With one row per bucket
 * the result equals {@link rollup} over the raw points exactly; with several, `sum` and
 * `avg` may differ from a point-by-point sum in the last bits (floating-point addition is
 * not associative), while min, max, count and last are exact.
 */
export function foldRollupStats(stats: RollupStats, stepMs: number, fn: RollupFunction): RolledColumns {
  checkStep(stepMs);
  const n = stats.timestamps.length;
  const outTimes = new Float64Array(n);
  const outValues = new Float64Array(n);
  let k = 0;
  let i = 0;
  while (i < n) {
    const start = bucketStart(stats.timestamps[i], stepMs);
    const end = start + stepMs;
    let min = stats.min[i];
    let max = stats.max[i];
    let sum = stats.sum[i];
    let count = stats.count[i];
    let last = stats.last[i];
    let j = i + 1;
    for (; j < n && stats.timestamps[j] < end; j++) {
      min = Math.min(min, stats.min[j]);
      max = Math.max(max, stats.max[j]);
      sum += stats.sum[j];
      count += stats.count[j];
      last = stats.last[j];
    }
    outTimes[k] = start;
    outValues[k] = pick(fn, min, max, sum, count, last);
    k++;
    i = j;
  }
  return { timestamps: outTimes.slice(0, k), values: outValues.slice(0, k) };
}

function pick(fn: RollupFunction, min: number, max: number, sum: number, count: number, last: number): number {
  switch (fn) {
    case 'avg':
      return sum / count;
    case 'min':
      return min;
    case 'max':
      return max;
    case 'sum':
      return sum;
    case 'count':
      return count;
    case 'last':
      return last;
  }
}

/** Rows of `stats` whose bucket start lies in [fromMs, toMs), as copies. */
export function sliceRollupStats(stats: RollupStats, fromMs: number, toMs: number): RollupStats {
  let lo = 0;
  while (lo < stats.timestamps.length && stats.timestamps[lo] < fromMs) lo++;
  let hi = lo;
  while (hi < stats.timestamps.length && stats.timestamps[hi] < toMs) hi++;
  return mapColumns(stats, (c) => c.slice(lo, hi));
}

/** Rows for which `keep(bucketStart)` holds, in order. */
export function filterRollupStats(stats: RollupStats, keep: (bucketStartMs: number) => boolean): RollupStats {
  const index: number[] = [];
  for (let i = 0; i < stats.timestamps.length; i++) if (keep(stats.timestamps[i])) index.push(i);
  if (index.length === stats.timestamps.length) return stats;
  return mapColumns(stats, (c) => Float64Array.from(index, (i) => c[i]));
}

/**
 * Joins row sets of disjoint time ranges given in any order into one, sorted by bucket
 * start. Where two sets hold the same bucket start, the one given first wins.
 */
export function concatRollupStats(parts: readonly RollupStats[]): RollupStats {
  const nonEmpty = parts.filter((p) => p.timestamps.length > 0);
  if (nonEmpty.length === 0) return EMPTY_ROLLUP_STATS;
  if (nonEmpty.length === 1) return nonEmpty[0];
  const rows: Array<[number, number, number]> = [];
  nonEmpty.forEach((p, part) => {
    for (let i = 0; i < p.timestamps.length; i++) rows.push([p.timestamps[i], part, i]);
  });
  rows.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  // Heads survive only when every part has them: a row without one cannot say.
  const out = allocateRollupStats(rows.length, nonEmpty.every((p) => p.head !== undefined));
  let k = 0;
  for (const [t, part, i] of rows) {
    if (k > 0 && out.timestamps[k - 1] === t) continue;
    const p = nonEmpty[part];
    out.timestamps[k] = t;
    for (const column of ROLLUP_STAT_COLUMNS) out[column][k] = p[column][i];
    if (out.head) for (const column of ROLLUP_HEAD_COLUMNS) out[column]![k] = p[column]![i];
    k++;
  }
  return truncate(out, k);
}

/** Rollup stats whose columns can be filled in (decoders). */
export interface MutableRollupStats {
  timestamps: Float64Array;
  min: Float64Array;
  max: Float64Array;
  sum: Float64Array;
  count: Float64Array;
  last: Float64Array;
  head?: Float64Array;
  restMin?: Float64Array;
  restMax?: Float64Array;
}

/** Zeroed columns for `n` rows, with a head column when `heads`. */
export function allocateRollupStats(n: number, heads = false): MutableRollupStats {
  return {
    timestamps: new Float64Array(n),
    min: new Float64Array(n),
    max: new Float64Array(n),
    sum: new Float64Array(n),
    count: new Float64Array(n),
    last: new Float64Array(n),
    ...(heads && { head: new Float64Array(n), restMin: new Float64Array(n), restMax: new Float64Array(n) }),
  };
}

function truncate(stats: MutableRollupStats, n: number): RollupStats {
  if (n === stats.timestamps.length) return stats;
  return mapColumns(stats, (c) => c.slice(0, n));
}

function mapColumns(stats: RollupStats, f: (column: Float64Array) => Float64Array): RollupStats {
  return {
    timestamps: f(stats.timestamps),
    min: f(stats.min),
    max: f(stats.max),
    sum: f(stats.sum),
    count: f(stats.count),
    last: f(stats.last),
    ...(stats.head && { head: f(stats.head), restMin: f(stats.restMin!), restMax: f(stats.restMax!) }),
  };
}
