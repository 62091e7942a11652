import type { Cluster, Redis } from 'ioredis';
import type { EnvReader } from '@strata/runtime';
import { createRedis } from './redis-client';
import { createRedisCluster } from './redis-cluster';

export type HotRedisConfig =
  | { readonly mode: 'single'; readonly url: string }
  | { readonly mode: 'cluster'; readonly nodes: readonly string[]; readonly password?: string; readonly tls: boolean };

/**
 * Reads where the hot tier lives: `STRATA_REDIS_CLUSTER_NODES` (comma-separated host:port,
 * with `STRATA_REDIS_PASSWORD` and `STRATA_REDIS_TLS`) selects Redis Cluster; otherwise
 * `STRATA_REDIS_URL` names a single node (default the local stack's).
 */
export function readHotRedisEnv(reader: EnvReader): HotRedisConfig {
  const nodes = reader.list('STRATA_REDIS_CLUSTER_NODES', []);
  if (nodes.length > 0) {
    return {
      mode: 'cluster',
      nodes,
      password: reader.optionalString('STRATA_REDIS_PASSWORD'),
      tls: reader.bool('STRATA_REDIS_TLS', false),
    };
  }
  return { mode: 'single', url: reader.url('STRATA_REDIS_URL', 'redis://127.0.0.1:6379')! };
}

export function createHotRedis(config: HotRedisConfig): Redis | Cluster {
  return config.mode === 'cluster'
    ? createRedisCluster({ nodes: config.nodes, password: config.password, tls: config.tls })
    : createRedis({ url: config.url, maxRetriesPerRequest: 2 });
}
