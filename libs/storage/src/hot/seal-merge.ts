import { laterOffset, unsealedWins } from './hot-value';
import type { SortedColumns } from '../core/columns';
import { newestSealedOffset, NO_POINT_OFFSETS, sealedPointOffset, type SealOffsets } from './seal-offsets';

/** Unsealed points of one window (open over sealing), each with the offset that wrote it. */
export interface UnsealedColumns extends SortedColumns {
  /** Parallel to `timestamps`; undefined where the value predates offsets. */
  readonly offsets: ReadonlyArray<number | undefined>;
}

export interface SealMerge {
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  /** What the merged window knows about its records' offsets. */
  readonly seal: SealOffsets;
  /** Unsealed points that made it into the result; 0 means the result is `sealed` itself. */
  readonly taken: number;
}

export interface MergeOptions {
  /**
   * The replay group wrote into the window since its last seal. Then a first seal keeps
   * an offset per point: the replay applies a point's records one after another, so the
   * highest offset in the window says nothing about points whose newer records it has not
   * reached yet.
   * @default false
   */
  readonly replayed?: boolean;
}

/**
 * Merges a window's unsealed points over its previous seal (`previous` undefined: the
 * window was never sealed). A point replaces a sealed value only if its record is newer
 * than the one behind that value ({@link unsealedWins} with the point's sealed offset).
 *
 * Offsets of the result:
 * - a first seal: base = the highest offset, no per-point offsets: Redis held every record
 *   of the window up to there. With `replayed`, base = the lowest offset and every point
 *   above it keeps its own.
 * - a re-seal: the base stays, and every point taken keeps its own offset. Raising the base
 *   would claim the window holds every record up to the new one, and after Redis lost
 *   unsealed writes it does not: their replay must still win.
 * - over a legacy seal (no base): base = the highest offset, the old rule.
 *
 * Linear in both inputs (plus the per-point offsets); `sealed` may be empty.
 */
export function mergeOverSealed(unsealed: UnsealedColumns, sealed: SortedColumns, previous: SealOffsets | undefined, options: MergeOptions = {}): SealMerge {
  const a = unsealed.timestamps;
  const b = sealed.timestamps;
  const timestamps = new Float64Array(a.length + b.length);
  const values = new Float64Array(a.length + b.length);
  const keepPerPoint = previous ? previous.base !== undefined : options.replayed === true;
  const points = new Map(previous?.points ?? NO_POINT_OFFSETS);
  let highest = previous?.base;
  let lowest: number | undefined;
  let taken = 0;
  const take = (timestampMs: number, offset: number | undefined) => {
    taken++;
    highest = laterOffset(highest, offset);
    if (offset !== undefined && (lowest === undefined || offset < lowest)) lowest = offset;
    if (offset === undefined) points.delete(timestampMs);
    else points.set(timestampMs, offset);
  };
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) {
      take(a[i], unsealed.offsets[i]);
      timestamps[k] = a[i];
      values[k++] = unsealed.values[i++];
    } else if (i >= a.length || a[i] > b[j]) {
      timestamps[k] = b[j];
      values[k++] = sealed.values[j++];
    } else {
      const offset = unsealed.offsets[i];
      const wins = previous === undefined || unsealedWins(offset, sealedPointOffset(previous, a[i]), true);
      if (wins) take(a[i], offset);
      timestamps[k] = a[i];
      values[k++] = wins ? unsealed.values[i] : sealed.values[j];
      i++;
      j++;
    }
  }
  let seal: SealOffsets;
  if (!keepPerPoint) {
    seal = { base: highest, points: NO_POINT_OFFSETS };
  } else {
    const base = previous?.base ?? lowest;
    // Offsets equal to the base say nothing the base does not.
    for (const [t, offset] of points) if (offset === base) points.delete(t);
    seal = { base, points: base === undefined || points.size === 0 ? NO_POINT_OFFSETS : points };
  }
  return { timestamps: timestamps.slice(0, k), values: values.slice(0, k), seal, taken };
}

/**
 * The unsealed points that would survive a merge over `sealed` (see {@link mergeOverSealed}),
 * i.e. drops the ones a seal already saw or superseded. Returns the input itself when none
 * is dropped.
 */
export function withoutSuperseded(unsealed: UnsealedColumns, sealed: SortedColumns, seal: SealOffsets): UnsealedColumns {
  if (!mayBeSuperseded(unsealed.offsets, seal)) return unsealed;
  const sealedTimes = new Set(sealed.timestamps);
  const keep: number[] = [];
  unsealed.offsets.forEach((offset, i) => {
    const t = unsealed.timestamps[i];
    if (unsealedWins(offset, sealedPointOffset(seal, t), sealedTimes.has(t))) keep.push(i);
  });
  if (keep.length === unsealed.timestamps.length) return unsealed;
  return {
    timestamps: Float64Array.from(keep, (i) => unsealed.timestamps[i]),
    values: Float64Array.from(keep, (i) => unsealed.values[i]),
    offsets: keep.map((i) => unsealed.offsets[i]),
  };
}

/** Whether any unsealed point may come from a record the seal already reflects (cheap pre-check). */
export function mayBeSuperseded(offsets: ReadonlyArray<number | undefined>, seal: SealOffsets): boolean {
  const newest = newestSealedOffset(seal);
  if (newest === undefined) return false;
  return offsets.some((offset) => offset !== undefined && offset <= newest);
}

/** Points as {@link SealInput} hands them over (sorted, distinct timestamps) in column form. */
export function unsealedColumns(points: ReadonlyArray<{ readonly timestampMs: number; readonly value: number; readonly offset?: number }>): UnsealedColumns {
  return {
    timestamps: Float64Array.from(points, (p) => p.timestampMs),
    values: Float64Array.from(points, (p) => p.value),
    offsets: points.map((p) => p.offset),
  };
}
