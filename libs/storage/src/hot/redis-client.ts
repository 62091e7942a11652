import Redis, { type Cluster } from 'ioredis';
import { StorageConfigError, StorageError } from '../errors';

export interface RedisConfig {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  /** @default 3000 */
  connectTimeoutMs?: number;
  /** Retries of a command while the connection is down; `null` waits forever. @default 2 */
  maxRetriesPerRequest?: number | null;
  /** Reconnect after a drop. Off for one-shot probes. @default true */
  reconnect?: boolean;
  /** Connect on first command instead of at construction. @default false */
  lazyConnect?: boolean;
}

/**
 * A single-node client. Redis Cluster (ElastiCache cluster mode) comes later, behind the
 * same factory: keys are already hash-tagged on the series (`{tenant:series}`), so one
 * series' keys will share a slot when it does.
 */
export function createRedis(config: RedisConfig): Redis {
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    throw new StorageConfigError('url', `"${config.url}" is not a URL`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new StorageConfigError('url', `"${config.url}" must start with redis:// or rediss://`);
  }
  const reconnect = config.reconnect ?? true;
  return new Redis(config.url, {
    connectTimeout: config.connectTimeoutMs ?? 3000,
    maxRetriesPerRequest: config.maxRetriesPerRequest === undefined ? 2 : config.maxRetriesPerRequest,
    lazyConnect: config.lazyConnect ?? false,
    enableOfflineQueue: reconnect,
    retryStrategy: reconnect ? (attempt) => Math.min(50 * 2 ** attempt, 2000) : () => null,
  });
}

/** Resolves when the server answers PING; the readiness check of the hot tier. */
export async function checkRedis(redis: Redis | Cluster): Promise<void> {
  const reply = await redis.ping();
  if (reply !== 'PONG') throw new StorageError(`redis answered PING with ${reply}`, true);
}
