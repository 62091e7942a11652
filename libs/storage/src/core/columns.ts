/**
 * Pure merging of sorted point columns: the one rule every read applies, within a hot
 * window (open over sealing over packed) and across tiers (hot over warm over cold).
 */

/** Points as parallel columns, timestamps strictly increasing. */
export interface SortedColumns {
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

export const EMPTY_COLUMNS: SortedColumns = Object.freeze({ timestamps: new Float64Array(0), values: new Float64Array(0) });

/**
 * Merges two sorted runs into one; where both hold a timestamp, `newer` wins. Linear.
 * Returns one of the inputs unchanged when the other is empty.
 */
export function mergeNewerOver(newer: SortedColumns, older: SortedColumns): SortedColumns {
  if (older.timestamps.length === 0) return newer;
  if (newer.timestamps.length === 0) return older;
  const a = newer.timestamps;
  const b = older.timestamps;
  const timestamps = new Float64Array(a.length + b.length);
  const values = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    if (a[i] < b[j]) {
      timestamps[k] = a[i];
      values[k++] = newer.values[i++];
    } else if (a[i] > b[j]) {
      timestamps[k] = b[j];
      values[k++] = older.values[j++];
    } else {
      timestamps[k] = a[i];
      values[k++] = newer.values[i++];
      j++;
    }
  }
  for (; i < a.length; i++, k++) {
    timestamps[k] = a[i];
    values[k] = newer.values[i];
  }
  for (; j < b.length; j++, k++) {
    timestamps[k] = b[j];
    values[k] = older.values[j];
  }
  return k === timestamps.length ? { timestamps, values } : { timestamps: timestamps.slice(0, k), values: values.slice(0, k) };
}

/** Merges runs given newest first: `runs[0]` wins over `runs[1]`, and so on. */
export function mergeNewestFirst(runs: readonly SortedColumns[]): SortedColumns {
  let merged = EMPTY_COLUMNS;
  for (let r = runs.length - 1; r >= 0; r--) merged = mergeNewerOver(runs[r], merged);
  return merged;
}

/**
 * Joins runs of disjoint, consecutive time ranges (e.g. windows, oldest first) into one.
 * Falls back to a newest-first merge if a run starts before the previous one ends, so a
 * malformed input costs time, never order.
 */
export function concatRuns(runs: readonly SortedColumns[]): SortedColumns {
  const nonEmpty = runs.filter((r) => r.timestamps.length > 0);
  if (nonEmpty.length === 0) return EMPTY_COLUMNS;
  if (nonEmpty.length === 1) return nonEmpty[0];
  let total = 0;
  let last = -Infinity;
  for (const run of nonEmpty) {
    if (run.timestamps[0] <= last) return mergeNewestFirst([...nonEmpty].reverse());
    last = run.timestamps[run.timestamps.length - 1];
    total += run.timestamps.length;
  }
  const timestamps = new Float64Array(total);
  const values = new Float64Array(total);
  let offset = 0;
  for (const run of nonEmpty) {
    timestamps.set(run.timestamps, offset);
    values.set(run.values, offset);
    offset += run.timestamps.length;
  }
  return { timestamps, values };
}

/** The points with fromMs <= t < toMs, as views (no copy). */
export function clipColumns(columns: SortedColumns, fromMs: number, toMs: number): SortedColumns {
  const lo = lowerBound(columns.timestamps, fromMs);
  const hi = lowerBound(columns.timestamps, toMs);
  if (lo === 0 && hi === columns.timestamps.length) return columns;
  return { timestamps: columns.timestamps.subarray(lo, hi), values: columns.values.subarray(lo, hi) };
}

/** First index whose timestamp is >= t. */
function lowerBound(a: Float64Array, t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
