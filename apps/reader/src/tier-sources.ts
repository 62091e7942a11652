import type { SortedColumns } from '@strata/storage';
import type { RedisHotReader } from '@strata/storage/hot';
import type { DynamoWarmStore } from '@strata/storage/warm';
import type { ColdBucketPlan, RollupWindow } from './cold-plan';
import { windowStarts, type TierName, type TierRange } from './planner';
import type { TenantCredits } from './tenant-credits';
import type { WarmChunkCache } from './warm-cache';

/** RedisHotReader.fetchWindows: the open and sealing hashes and the packed chunk of each window. */
export const HOT_COMMANDS_PER_WINDOW = 3;

/** One window of one tier: its layers newest first, packed chunks still encoded. */
export interface TierWindow {
  readonly start: number;
  readonly layers: ReadonlyArray<SortedColumns | Uint8Array>;
}

/** What the fanout asks one tier for, for one series. */
export interface TierRequest {
  /** The tier's part of the plan. */
  readonly range: TierRange;
  /** The plan's window length (the unit of the hot and warm tiers). */
  readonly windowMs: number;
  /**
   * Once it aborts, no new storage request starts (one in flight may finish; the fanout
   * stops waiting for it).
   */
  readonly signal?: AbortSignal;
  /**
   * Set for a rollup read: a source that stores rollup rows may answer whole buckets from
   * them ({@link TierAnswer.rollups}); any other source answers raw points as usual.
   */
  readonly rollup?: { readonly window: RollupWindow; readonly resolutionMs: number };
  /**
   * The second round of a rollup read, sent only to the source that answered with rows:
   * raw points of exactly these days, nothing else (buckets a hotter tier made dirty).
   */
  readonly rawDays?: readonly number[];
}

/** An undecoded part of stored rollup rows for one series, over whole days. */
export interface StoredRollupPart {
  /** The days it covers: [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
  /** The part's bytes (splitRollupPart); decoded with the other chunks of the read. */
  readonly bytes: Uint8Array;
}

/** The buckets of a rollup read that a source answers from its stored rows. */
export interface StoredRollups {
  /** Days of the range the source holds, ascending. */
  readonly archivedDays: readonly number[];
  /** Which buckets the rows answer, before hotter tiers are checked for dirty buckets. */
  readonly plan: ColdBucketPlan;
  readonly parts: readonly StoredRollupPart[];
  /**
   * Days of the plan's rollup days whose block stores no rows of the plan's resolution for
   * the series (the 5 m rows of a sparse series): the answer holds their raw points instead,
   * ascending.
   */
  readonly unrolledDays: readonly number[];
}

/** One tier's answer for one series. */
export interface TierAnswer {
  /** The windows of the range that hold anything, in any order. */
  readonly windows: readonly TierWindow[];
  /** Rollup reads only, from a source that stores rows (see {@link TierRequest.rollup}). */
  readonly rollups?: StoredRollups;
}

/** How one window of a tier is named in warnings, and how long it is. */
export interface WindowUnit {
  readonly name: string;
  readonly ms: number;
}

/**
 * One storage tier as the fanout sees it (fanout.ts). Another source (Prometheus
 * remote_read, say) is one more implementation of this and a range for it in the planner.
 */
export interface TierSource {
  readonly tier: TierName;
  /**
   * The unit its windows come in, given the plan's window length: a chunk that fails to
   * decode leaves that much of the range unanswered.
   */
  windowUnit(windowMs: number): WindowUnit;
  /** One series' part of the tier's range. Rejects with the storage error when the tier fails. */
  fetch(tenant: string, seriesKey: string, request: TierRequest): Promise<TierAnswer>;
}

/** The unit of the tiers that store the plan's windows (hot and warm). */
function planWindow(windowMs: number): WindowUnit {
  return { name: 'window', ms: windowMs };
}

/** Redis: open, sealing and packed layers per window, one pipeline per series. */
export class HotTierSource implements TierSource {
  readonly tier = 'hot' as const;
  readonly windowUnit = planWindow;

  /**
   * @param credits Redis commands one tenant may have in flight (STRATA_READ_TENANT_HOT_COMMANDS):
   *   every Read shares one connection and Redis answers in order, so without a bound one
   *   tenant's pipelines queue everyone's calls behind them.
   */
  constructor(
    private readonly reader: Pick<RedisHotReader, 'fetchWindows'>,
    private readonly credits?: TenantCredits,
  ) {}

  async fetch(tenant: string, seriesKey: string, { range, windowMs, signal }: TierRequest): Promise<TierAnswer> {
    const starts = windowStarts(range, windowMs);
    const release = await this.credits?.acquire(tenant, starts.length * HOT_COMMANDS_PER_WINDOW, signal);
    try {
      // One pipeline: ioredis cannot take it back once sent, so the check is before it.
      signal?.throwIfAborted();
      const windows = await this.reader.fetchWindows(tenant, seriesKey, starts);
      return { windows: windows.map((w) => ({ start: w.start, layers: w.packed ? [w.open, w.sealing, w.packed] : [w.open, w.sealing] })) };
    } finally {
      release?.();
    }
  }
}

/** DynamoDB: one chunk per sealed window, one Query per series (none when `cache` holds the range). */
export class WarmTierSource implements TierSource {
  readonly tier = 'warm' as const;
  readonly windowUnit = planWindow;

  constructor(
    private readonly store: Pick<DynamoWarmStore, 'queryChunks'>,
    private readonly cache?: Pick<WarmChunkCache, 'queryChunks'>,
  ) {}

  async fetch(tenant: string, seriesKey: string, { range, windowMs, signal }: TierRequest): Promise<TierAnswer> {
    signal?.throwIfAborted();
    // The signal aborts the Query in flight and stops further pages: a read's time limit
    // ends its DynamoDB work, not only the wait for it.
    const chunks = this.cache
      ? await this.cache.queryChunks(tenant, seriesKey, range.fromStart, range.toStart, windowMs, signal)
      : await this.store.queryChunks(tenant, seriesKey, range.fromStart, range.toStart, signal ? { signal } : undefined);
    return { windows: chunks.map((c) => ({ start: c.start, layers: [c.chunk] })) };
  }
}
