import type { Cluster, Redis } from 'ioredis';

/** Hash of a tenant's metric metadata: field = metric family name, value = JSON {type, help, unit}. */
export const metricMetadataKey = (tenant: string): string => `t:{${tenant}}:metadata`;

/** Type, help and unit of a metric family, as its sender described it. */
export interface MetricMetadataEntry {
  readonly type: string;
  readonly help: string;
  readonly unit: string;
}

export interface MetricMetadataOptions {
  /** Families kept per tenant; a new one past it is not stored. */
  readonly maxPerTenant: number;
  /** The hash expires this long after its last write. */
  readonly ttlMs: number;
}

/**
 * KEYS: the tenant's hash. ARGV: limit, ttl ms, then name, value pairs. Sets each pair
 * whose name the hash holds or while it holds fewer than `limit`; returns how many new
 * names it refused. Atomic, so replicas cannot push a tenant past its limit between them.
 */
const PUT_METADATA = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local count = redis.call('HLEN', key)
local refused = 0
for i = 3, #ARGV, 2 do
  if redis.call('HEXISTS', key, ARGV[i]) == 1 then
    redis.call('HSET', key, ARGV[i], ARGV[i + 1])
  elseif count < limit then
    redis.call('HSET', key, ARGV[i], ARGV[i + 1])
    count = count + 1
  else
    refused = refused + 1
  end
end
redis.call('PEXPIRE', key, ARGV[2])
return refused
`;

/**
 * Metric metadata per tenant and metric family name, in the hot tier's Redis. It is state
 * the senders keep sending (Prometheus remote write 1.0 every minute, 2.0 with every
 * series), not data from the log: a Redis that lost it has it back within a minute.
 */
export class RedisMetricMetadataStore {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly options: MetricMetadataOptions,
  ) {}

  /** Stores the entries; resolves to the number of new names refused over the tenant's limit. */
  async put(tenant: string, entries: ReadonlyMap<string, MetricMetadataEntry>): Promise<number> {
    if (entries.size === 0) return 0;
    const args: string[] = [String(this.options.maxPerTenant), String(this.options.ttlMs)];
    for (const [name, { type, help, unit }] of entries) args.push(name, JSON.stringify({ type, help, unit }));
    return (await this.redis.eval(PUT_METADATA, 1, metricMetadataKey(tenant), ...args)) as number;
  }

  /** The tenant's metadata, all of it or for the given names (absent ones are left out). */
  async get(tenant: string, names?: readonly string[]): Promise<Map<string, MetricMetadataEntry>> {
    const key = metricMetadataKey(tenant);
    const found = new Map<string, MetricMetadataEntry>();
    if (names === undefined) {
      for (const [name, json] of Object.entries(await this.redis.hgetall(key))) found.set(name, JSON.parse(json) as MetricMetadataEntry);
    } else if (names.length > 0) {
      const values = await this.redis.hmget(key, ...names);
      values.forEach((json, i) => json !== null && found.set(names[i], JSON.parse(json) as MetricMetadataEntry));
    }
    return found;
  }
}
