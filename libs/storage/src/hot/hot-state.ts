import type { Cluster, Redis } from 'ioredis';
import { hotKeys } from './hot-keys';
import { TAKE_STOCK } from './lua-scripts';

type Client = Redis | Cluster;

/** Whether the hot tier holds everything the log says it should (docs/write-path.md, "Rebuilding the hot tier"). */
export interface HotTierStatus {
  /** A writer has taken stock of this Redis since it was last empty. */
  readonly initialised: boolean;
  /** Partitions whose points are being rebuilt from the log (or not yet checked). */
  readonly rebuildingPartitions: readonly number[];
  /** initialised and nothing rebuilding: the hot tier is whole. */
  readonly complete: boolean;
}

const PARTITION_FIELD = /^p:(\d+)$/;

/**
 * The hot tier's own account of its completeness, kept in Redis itself (hash `h:{state}`),
 * so that losing Redis's data also loses the account: an empty Redis reads as "not
 * initialised", never as whole. Writers mark partitions while they rebuild them; readers
 * warn while any is marked.
 */
export class HotTierState {
  constructor(private readonly redis: Client) {
    redis.defineCommand('strataTakeStock', { numberOfKeys: 1, lua: TAKE_STOCK });
  }

  async status(): Promise<HotTierStatus> {
    const fields = await this.redis.hgetall(hotKeys.state);
    const initialised = fields['initialised'] !== undefined;
    const rebuildingPartitions = Object.keys(fields)
      .flatMap((field) => {
        const match = PARTITION_FIELD.exec(field);
        return match ? [Number(match[1])] : [];
      })
      .sort((a, b) => a - b);
    return { initialised, rebuildingPartitions, complete: initialised && rebuildingPartitions.length === 0 };
  }

  /**
   * Marks every partition of the topic unchecked if the hot tier is not initialised (a new
   * or emptied Redis). True when it did: each partition's owner must then compare Redis
   * with the log. Atomic, so of several writers noticing at once exactly one marks.
   */
  async takeStock(partitionCount: number, now: number): Promise<boolean> {
    return (await (this.redis as unknown as StateCommands).strataTakeStock(hotKeys.state, partitionCount, String(now))) === 1;
  }

  /** Whether a partition is marked as not yet whole. */
  async isMarked(partition: number): Promise<boolean> {
    return (await this.redis.hexists(hotKeys.state, `p:${partition}`)) === 1;
  }

  async markRebuilding(partition: number, now: number): Promise<void> {
    await this.redis.hset(hotKeys.state, `p:${partition}`, String(now));
  }

  /** The partition is whole again. Does nothing to a hash that is gone (Redis lost it meanwhile). */
  async markRebuilt(partition: number): Promise<void> {
    await this.redis.hdel(hotKeys.state, `p:${partition}`);
  }
}

interface StateCommands {
  strataTakeStock(key: string, partitions: number, now: string): Promise<number>;
}
