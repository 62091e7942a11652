import type { SortedColumns } from '@strata/storage';
import type { RedisHotReader } from '@strata/storage/hot';
import type { DynamoWarmStore } from '@strata/storage/warm';
import { windowStarts, type TierName, type TierRange } from './planner';
import type { TenantCredits } from './tenant-credits';

/** RedisHotReader.fetchWindows: the open and sealing hashes and the packed chunk of each window. */
export const HOT_COMMANDS_PER_WINDOW = 3;

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
  /**
   * The windows of one series in `range` that hold anything, in any order. Once `signal`
   * aborts, no new storage request starts (one in flight may finish; the fetcher stops
   * waiting for it).
   */
  fetch(tenant: string, seriesKey: string, range: TierRange, windowMs: number, signal?: AbortSignal): Promise<TierWindow[]>;
}

/** Redis: open, sealing and packed layers per window, one pipeline per series. */
export class HotTierSource implements TierSource {
  readonly tier = 'hot' as const;

  /**
   * @param credits Redis commands one tenant may have in flight (STRATA_READ_TENANT_HOT_COMMANDS):
   *   every Read shares one connection and Redis answers in order, so without a bound one
   *   tenant's pipelines queue everyone's calls behind them.
   */
  constructor(
    private readonly reader: Pick<RedisHotReader, 'fetchWindows'>,
    private readonly credits?: TenantCredits,
  ) {}

  async fetch(tenant: string, seriesKey: string, range: TierRange, windowMs: number, signal?: AbortSignal): Promise<TierWindow[]> {
    const starts = windowStarts(range, windowMs);
    const release = await this.credits?.acquire(tenant, starts.length * HOT_COMMANDS_PER_WINDOW, signal);
    try {
      // One pipeline: ioredis cannot take it back once sent, so the check is before it.
      signal?.throwIfAborted();
      const windows = await this.reader.fetchWindows(tenant, seriesKey, starts);
      return windows.map((w) => ({ start: w.start, layers: w.packed ? [w.open, w.sealing, w.packed] : [w.open, w.sealing] }));
    } finally {
      release?.();
    }
  }
}

/** DynamoDB: one chunk per sealed window, one Query per series. */
export class WarmTierSource implements TierSource {
  readonly tier = 'warm' as const;

  constructor(private readonly store: Pick<DynamoWarmStore, 'queryChunks'>) {}

  async fetch(tenant: string, seriesKey: string, range: TierRange, _windowMs?: number, signal?: AbortSignal): Promise<TierWindow[]> {
    signal?.throwIfAborted();
    // The signal aborts the Query in flight and stops further pages: a read's time limit
    // ends its DynamoDB work, not only the wait for it.
    const chunks = await this.store.queryChunks(tenant, seriesKey, range.fromStart, range.toStart, signal ? { signal } : undefined);
    return chunks.map((c) => ({ start: c.start, layers: [c.chunk] }));
  }
}
