import type { Logger } from '@strata/runtime';
import type { CatalogUpdate, Redis, RedisCluster, RedisSeriesCatalog } from '@strata/storage/hot';
import type { DayIndexEntry, DynamoWarmStore } from '@strata/storage/warm';
import type { Counter } from 'prom-client';

/** Present while the series catalogues are whole: Redis lost it, or never had it, when absent. */
export const CATALOG_RESTORED_KEY = 'c:{catalog}:restored';
/** Held by the one writer restoring the catalogues. */
export const CATALOG_RESTORING_KEY = 'c:{catalog}:restoring';

export interface CatalogRestoreDeps {
  readonly redis: Redis | RedisCluster;
  readonly catalog: Pick<RedisSeriesCatalog, 'record'>;
  readonly warm: Pick<DynamoWarmStore, 'dayIndexEntries'>;
  /** STRATA_DAY_INDEX_SHARDS. */
  readonly shards: number;
  /** STRATA_WARM_SPAN_DAYS: days younger than this (and a margin) may still be in DynamoDB only. */
  readonly warmSpanDays: number;
  /** How long one writer may hold the restore before another may take it over. @default 600000 */
  readonly leaseMs?: number;
  /** Counts the series recorded by restores. */
  readonly restored?: Pick<Counter, 'inc'>;
  readonly owner: string;
  readonly logger: Logger;
  readonly now: () => number;
}

const DAY_MS = 86_400_000;

/**
 * Puts back into the Redis series catalogues the series whose points are only in DynamoDB,
 * after Redis lost the catalogues. The log's rebuild brings back the series of the records it
 * replays and the reader finds archived series in the cold tier; between the two are series
 * sealed into DynamoDB before the rebuild's start and not archived yet (up to the warm span).
 * The warm table's day index lists exactly those, per UTC day.
 *
 * `check` (every few seconds, on every writer) does nothing while `c:{catalog}:restored` is
 * set. When it is missing (an emptied Redis, a new install, or `markLost` after a detected
 * loss), one writer takes the lease, reads the day index of every day that may still be in
 * DynamoDB (all shards), records each entry's series with that day, and sets the mark.
 * Recording is idempotent and only widens a series' days, so racing the projector, or a
 * second restore after a lease expired, changes nothing.
 */
export class CatalogRestore {
  constructor(private readonly deps: CatalogRestoreDeps) {}

  /** Redis was found to have lost data: restore the catalogues again. */
  async markLost(): Promise<void> {
    await this.deps.redis.del(CATALOG_RESTORED_KEY);
  }

  /** Restores if needed and not being done elsewhere; resolves with the series recorded (0 when nothing was to do). */
  async check(): Promise<number> {
    const { redis, logger } = this.deps;
    if ((await redis.exists(CATALOG_RESTORED_KEY)) === 1) return 0;
    const lease = await redis.set(CATALOG_RESTORING_KEY, this.deps.owner, 'PX', this.deps.leaseMs ?? 600_000, 'NX');
    if (lease !== 'OK') return 0;
    const began = this.deps.now();
    try {
      const today = Math.floor(began / DAY_MS);
      // The archiver takes a day once it ended warmSpanDays ago: older days are in S3, or
      // about to be (a margin of two days for a run in progress and clock skew).
      let recorded = 0;
      for (let day = today - this.deps.warmSpanDays - 2; day <= today + 1; day++) {
        for (let shard = 0; shard < this.deps.shards; shard++) {
          recorded += await this.record(await this.deps.warm.dayIndexEntries(day, shard));
        }
      }
      await redis.set(CATALOG_RESTORED_KEY, String(began));
      this.deps.restored?.inc(recorded);
      logger.info({ series: recorded, ms: this.deps.now() - began }, 'series catalogues restored from the warm day index');
      return recorded;
    } finally {
      // Only our own lease: a restore that outlived it must not release another writer's.
      if ((await redis.get(CATALOG_RESTORING_KEY)) === this.deps.owner) await redis.del(CATALOG_RESTORING_KEY);
    }
  }

  private async record(entries: readonly DayIndexEntry[]): Promise<number> {
    const byTenant = new Map<string, CatalogUpdate[]>();
    for (const e of entries) {
      const updates = byTenant.get(e.tenant) ?? [];
      updates.push({ seriesKey: e.seriesKey, oldestDay: e.day, newestDay: e.day });
      byTenant.set(e.tenant, updates);
    }
    for (const [tenant, updates] of byTenant) await this.deps.catalog.record(tenant, updates);
    return entries.length;
  }
}
