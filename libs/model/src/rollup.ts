/** How the raw points of one bucket become one value (avg = sum / count). */
export type RollupFunction = 'avg' | 'min' | 'max' | 'sum' | 'count' | 'last';

export const ROLLUP_FUNCTIONS: readonly RollupFunction[] = ['avg', 'min', 'max', 'sum', 'count', 'last'];

/** Points as parallel columns, sorted by strictly increasing timestamp. */
export interface PointColumns {
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/** One point per non-empty bucket, stamped with the bucket start; the arrays are the caller's. */
export interface RolledColumns {
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

/**
 * Start of the bucket holding `timestampMs`: the largest multiple of `stepMs` (counted
 * from the epoch) not after it. Floored, so it holds for negative timestamps too.
 */
export function bucketStart(timestampMs: number, stepMs: number): number {
  return timestampMs - (((timestampMs % stepMs) + stepMs) % stepMs);
}

/**
 * Rolls sorted points up to one point per bucket of `stepMs` (docs/api.md,
 * "QueryService.Read"): buckets are aligned to multiples of `stepMs` since the epoch, stamped with
 * their start, and an empty bucket is absent. Pure.
 *
 * Arithmetic is fixed so results are reproducible: `sum` adds the bucket's values in time
 * order starting from the first (`((v0 + v1) + v2) ...`), `avg` is that sum divided by
 * the count, `min`/`max` follow `Math.min`/`Math.max` (so -0 < 0), `last` is the value
 * of the latest timestamp.
 *
 * Contract: `stepMs` is a positive safe integer (RangeError otherwise); timestamps are
 * sorted ascending (not checked: an unsorted input splits a bucket in two).
 */
export function rollup(points: PointColumns, stepMs: number, fn: RollupFunction): RolledColumns {
  if (!Number.isSafeInteger(stepMs) || stepMs <= 0) throw new RangeError(`step ${stepMs} ms must be a positive integer`);
  const { timestamps, values } = points;
  const n = timestamps.length;
  const outTimes = new Float64Array(n);
  const outValues = new Float64Array(n);
  let out = 0;
  let i = 0;
  while (i < n) {
    const start = bucketStart(timestamps[i], stepMs);
    const end = start + stepMs;
    let acc = values[i];
    let count = 1;
    let j = i + 1;
    for (; j < n && timestamps[j] < end; j++) {
      const v = values[j];
      switch (fn) {
        case 'avg':
        case 'sum':
          acc += v;
          break;
        case 'min':
          acc = Math.min(acc, v);
          break;
        case 'max':
          acc = Math.max(acc, v);
          break;
        case 'last':
          acc = v;
          break;
        case 'count':
          break;
      }
      count++;
    }
    outTimes[out] = start;
    outValues[out] = fn === 'count' ? count : fn === 'avg' ? acc / count : acc;
    out++;
    i = j;
  }
  return { timestamps: outTimes.slice(0, out), values: outValues.slice(0, out) };
}
