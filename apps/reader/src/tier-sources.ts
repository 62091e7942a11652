import type { DynamoWarmStore, RedisHotReader, SortedColumns } from '@strata/storage';
import { windowStarts, type TierName, type TierRange } from './planner';

/** One window of one tier: its layers newest first, packed chunks still encoded. */
export interface TierWindow {
  readonly start: number;
  readonly layers: ReadonlyArray<SortedColumns | Uint8Array>;
}

/**
 * One storage tier as the fetcher sees it. Adding the cold tier (S3) means one more
 * implementation of this and a range for it in the planner.
 */
export interface TierSource {
  readonly tier: TierName;
  /** The windows of one series in `range` that hold anything, in any order. */
  fetch(tenant: string, seriesKey: string, range: TierRange, windowMs: number): Promise<TierWindow[]>;
}

/** Redis: open, sealing and packed layers per window, one pipeline per series. */
export class HotTierSource implements TierSource {
  readonly tier = 'hot' as const;

  constructor(private readonly reader: Pick<RedisHotReader, 'fetchWindows'>) {}

  async fetch(tenant: string, seriesKey: string, range: TierRange, windowMs: number): Promise<TierWindow[]> {
    const windows = await this.reader.fetchWindows(tenant, seriesKey, windowStarts(range, windowMs));
    return windows.map((w) => ({ start: w.start, layers: w.packed ? [w.open, w.sealing, w.packed] : [w.open, w.sealing] }));
  }
}

/** DynamoDB: one chunk per sealed window, one Query per series. */
export class WarmTierSource implements TierSource {
  readonly tier = 'warm' as const;

  constructor(private readonly store: Pick<DynamoWarmStore, 'queryChunks'>) {}

  async fetch(tenant: string, seriesKey: string, range: TierRange): Promise<TierWindow[]> {
    const chunks = await this.store.queryChunks(tenant, seriesKey, range.fromStart, range.toStart);
    return chunks.map((c) => ({ start: c.start, layers: [c.chunk] }));
  }
}
