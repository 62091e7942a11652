import { laterOffset, unsealedWins } from './hot-value';
import type { SortedColumns } from './hot-reader-merge';

/** Unsealed points of one window (open over sealing), each with the offset that wrote it. */
export interface UnsealedColumns extends SortedColumns {
  /** Parallel to `timestamps`; undefined where the value predates offsets. */
  readonly offsets: ReadonlyArray<number | undefined>;
}

export interface SealMerge {
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  /** Highest record offset the merged window reflects (undefined when none is known). */
  readonly sealOffset: number | undefined;
  /** Unsealed points that made it into the result; 0 means the result is `sealed` itself. */
  readonly taken: number;
}

/**
 * Merges a window's unsealed points over its previous seal by {@link unsealedWins}: a point
 * replaces the sealed value only if it comes from a record above the seal offset. Linear
 * in both inputs; `sealed` may be empty (never sealed).
 */
export function mergeOverSealed(unsealed: UnsealedColumns, sealed: SortedColumns, sealOffset: number | undefined): SealMerge {
  const a = unsealed.timestamps;
  const b = sealed.timestamps;
  const timestamps = new Float64Array(a.length + b.length);
  const values = new Float64Array(a.length + b.length);
  let merged = sealOffset;
  let taken = 0;
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) {
      merged = laterOffset(merged, unsealed.offsets[i]);
      taken++;
      timestamps[k] = a[i];
      values[k++] = unsealed.values[i++];
    } else if (i >= a.length || a[i] > b[j]) {
      timestamps[k] = b[j];
      values[k++] = sealed.values[j++];
    } else {
      const offset = unsealed.offsets[i];
      merged = laterOffset(merged, offset);
      timestamps[k] = a[i];
      const wins = unsealedWins(offset, sealOffset, true);
      if (wins) taken++;
      values[k++] = wins ? unsealed.values[i] : sealed.values[j];
      i++;
      j++;
    }
  }
  return { timestamps: timestamps.slice(0, k), values: values.slice(0, k), sealOffset: merged, taken };
}

/**
 * The unsealed points that would survive a merge over `sealed` (see {@link mergeOverSealed}),
 * i.e. drops the ones a seal already saw or superseded. Returns the input itself when none
 * is dropped.
 */
export function withoutSuperseded(unsealed: UnsealedColumns, sealed: SortedColumns, sealOffset: number | undefined): UnsealedColumns {
  if (sealOffset === undefined) return unsealed;
  const sealedTimes = new Set(sealed.timestamps);
  const keep: number[] = [];
  unsealed.offsets.forEach((offset, i) => {
    if (unsealedWins(offset, sealOffset, sealedTimes.has(unsealed.timestamps[i]))) keep.push(i);
  });
  if (keep.length === unsealed.timestamps.length) return unsealed;
  return {
    timestamps: Float64Array.from(keep, (i) => unsealed.timestamps[i]),
    values: Float64Array.from(keep, (i) => unsealed.values[i]),
    offsets: keep.map((i) => unsealed.offsets[i]),
  };
}

/** Whether any unsealed point comes from a record at or below the seal offset (cheap pre-check). */
export function mayBeSuperseded(offsets: ReadonlyArray<number | undefined>, sealOffset: number | undefined): boolean {
  if (sealOffset === undefined) return false;
  return offsets.some((offset) => offset !== undefined && offset <= sealOffset);
}

/** Points as {@link SealInput} hands them over (sorted, distinct timestamps) in column form. */
export function unsealedColumns(points: ReadonlyArray<{ readonly timestampMs: number; readonly value: number; readonly offset?: number }>): UnsealedColumns {
  return {
    timestamps: Float64Array.from(points, (p) => p.timestampMs),
    values: Float64Array.from(points, (p) => p.value),
    offsets: points.map((p) => p.offset),
  };
}
