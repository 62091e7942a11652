import type { Cluster, Redis } from 'ioredis';

/** What Redis's own settings mean for the hot tier (docs/operations.md, "Redis settings"). */
export interface RedisSettingsReport {
  /** Settings under which Redis drops points the log cannot bring back in time: refuse to run. */
  readonly problems: readonly string[];
  /** Settings that cost a rebuild or weaken a guarantee: say so at start-up. */
  readonly warnings: readonly string[];
  /** Could CONFIG GET be used at all (managed services may rename or forbid it)? */
  readonly checked: boolean;
}

/**
 * Reads maxmemory-policy and the persistence settings with CONFIG GET and judges them.
 *
 * - An `allkeys-*` eviction policy may evict open windows: unsealed points vanish while the
 *   projected offset (a key like any other) may stay, so the loss could go unnoticed.
 *   Refused.
 * - A `volatile-*` policy evicts only keys with a TTL: packed copies of sealed windows
 *   (DynamoDB holds them), but also sealing leases, which fence stale sealers. Warned.
 * - No persistence (no AOF, no RDB snapshots): every restart empties Redis, and the writer
 *   rebuilds the unsealed part from the log. Allowed, and said.
 */
export async function checkRedisSettings(redis: Redis | Cluster): Promise<RedisSettingsReport> {
  let entries: Map<string, string>;
  try {
    const reply = (await (redis as Redis).call('CONFIG', 'GET', 'maxmemory-policy', 'appendonly', 'save')) as string[];
    entries = new Map();
    for (let i = 0; i + 1 < reply.length; i += 2) entries.set(reply[i], reply[i + 1]);
  } catch (error) {
    return {
      problems: [],
      warnings: [`could not read Redis settings with CONFIG GET (${error instanceof Error ? error.message : String(error)}); make sure maxmemory-policy is noeviction`],
      checked: false,
    };
  }
  const problems: string[] = [];
  const warnings: string[] = [];
  const policy = entries.get('maxmemory-policy') ?? 'noeviction';
  if (policy.startsWith('allkeys-')) {
    problems.push(`Redis maxmemory-policy is ${policy}: it may evict unsealed points; set maxmemory-policy noeviction`);
  } else if (policy !== 'noeviction') {
    warnings.push(`Redis maxmemory-policy is ${policy}: it may evict sealing leases and packed windows; noeviction is recommended`);
  }
  if (entries.get('appendonly') !== 'yes' && (entries.get('save') ?? '') === '') {
    warnings.push('Redis keeps no AOF and no snapshots: after each restart the writer rebuilds the unsealed points from the log');
  }
  return { problems, warnings, checked: true };
}
