import { HotReadError, type HotTierState, type HotTierStatus } from '@strata/storage/hot';
import { TIER_LABEL } from './planner';

/** Where the state comes from: libs/storage HotTierState (hash `h:{state}`, kept by the writers). */
export type HotTierStatusSource = Pick<HotTierState, 'status'>;

export interface HotTierWatchOptions {
  /** How long one reading of the state is trusted. @default 1000 */
  readonly ttlMs?: number;
  readonly now?: () => number;
  /** Told of each fresh reading (a gauge). */
  readonly onStatus?: (status: HotTierStatus) => void;
}

/**
 * Tells reads whether the hot tier may lack points because the writer is rebuilding it
 * from the Kafka log (Redis restarted empty, failed over, or was flushed). The state is
 * read at most once per `ttlMs` however many reads ask (one in-flight lookup is shared),
 * so a busy reader adds about one HGETALL a second to Redis.
 *
 * A failed lookup is the hot tier failing: it throws HotReadError, which fails the read
 * UNAVAILABLE as any other Redis error in a read does, and is not cached.
 */
export class HotTierWatch {
  private cached?: { status: HotTierStatus; at: number };
  private inFlight?: Promise<HotTierStatus>;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: HotTierStatusSource,
    private readonly options: HotTierWatchOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  /** The warning a read of the hot span carries now, or undefined when the hot tier is whole. */
  async warning(): Promise<string | undefined> {
    const status = await this.status();
    if (status.complete) return undefined;
    const why = !status.initialised
      ? 'has not been checked by a writer since it may have lost its data (the writers are starting, or rebuilding it from the log)'
      : `is being rebuilt from the log after it lost its data (partition${status.rebuildingPartitions.length === 1 ? '' : 's'} ${status.rebuildingPartitions.join(', ')})`;
    return `${TIER_LABEL.hot} ${why}; points of the last hours not yet sealed to the warm tier may be missing from this answer until it finishes`;
  }

  private async status(): Promise<HotTierStatus> {
    if (this.cached && this.now() - this.cached.at < this.ttlMs) return this.cached.status;
    this.inFlight ??= this.source
      .status()
      .then(
        (status) => {
          this.cached = { status, at: this.now() };
          this.options.onStatus?.(status);
          return status;
        },
        (error: unknown) => {
          throw new HotReadError('*', '(hot tier state h:{state})', error instanceof Error ? error.message : String(error), error);
        },
      )
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
