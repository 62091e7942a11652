import { clipColumns, concatRuns, mergeNewestFirst, type SortedColumns } from '@strata/storage';

/** One window of one tier, its layers decoded, newest layer first (hot: open, sealing, packed). */
export interface DecodedWindow {
  readonly start: number;
  readonly layers: readonly SortedColumns[];
}

/**
 * One tier's points for a series: each window's layers merged (newer layer wins a
 * timestamp), then the windows, which cover disjoint time ranges, joined in time order.
 */
export function mergeTierWindows(windows: readonly DecodedWindow[]): SortedColumns {
  const ordered = [...windows].sort((a, b) => a.start - b.start);
  return concatRuns(ordered.map((w) => mergeNewestFirst(w.layers)));
}

/**
 * A series' points in [fromMs, toMs) from every tier, hottest tier first: where tiers
 * disagree on a timestamp, the hotter tier's value wins, because it holds the newer write
 * (a late point lands in Redis first and reaches DynamoDB only with the next seal).
 */
export function mergeTiers(tiers: readonly SortedColumns[], fromMs: number, toMs: number): SortedColumns {
  return clipColumns(mergeNewestFirst(tiers), fromMs, toMs);
}
