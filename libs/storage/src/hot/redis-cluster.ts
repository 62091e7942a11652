import Redis, { type Cluster } from 'ioredis';
import { StorageConfigError } from '../errors';

export interface RedisClusterConfig {
  /** Seed nodes as `host:port`; the client discovers the rest of the cluster from them. */
  readonly nodes: readonly string[];
  /** Password (AUTH) for every node; ElastiCache with auth tokens. */
  readonly password?: string;
  /** TLS to every node (ElastiCache in-transit encryption). @default false */
  readonly tls?: boolean;
  /** @default 3000 */
  readonly connectTimeoutMs?: number;
}

/**
 * A Redis Cluster client. Every key Strata writes carries a hash tag (`{sid}` per series,
 * `{partition}` per partition), so a series' keys share a slot and its Lua scripts stay
 * valid; commands to different slots are batched per node by auto-pipelining.
 */
export function createRedisCluster(config: RedisClusterConfig): Cluster {
  if (config.nodes.length === 0) throw new StorageConfigError('nodes', 'at least one host:port is required');
  const nodes = config.nodes.map((node) => {
    const match = /^(.+):(\d{1,5})$/.exec(node);
    if (!match) throw new StorageConfigError('nodes', `"${node}" is not host:port`);
    return { host: match[1], port: Number(match[2]) };
  });
  return new Redis.Cluster(nodes, {
    enableAutoPipelining: true,
    slotsRefreshTimeout: config.connectTimeoutMs ?? 3000,
    redisOptions: {
      connectTimeout: config.connectTimeoutMs ?? 3000,
      maxRetriesPerRequest: 2,
      ...(config.password !== undefined && { password: config.password }),
      ...(config.tls && { tls: {} }),
    },
  });
}
