import { randomUUID } from 'node:crypto';
import { metricMetadataKey, RedisMetricMetadataStore } from './metric-metadata';
import { createRedis } from './redis-client';

const url = process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('RedisMetricMetadataStore against a real Redis', () => {
  const redis = createRedis({ url });
  const store = new RedisMetricMetadataStore(redis, { maxPerTenant: 3, ttlMs: 60_000 });
  const tenants: string[] = [];
  const newTenant = () => {
    const tenant = `meta-${randomUUID().slice(0, 8)}`;
    tenants.push(tenant);
    return tenant;
  };

  afterAll(async () => {
    if (tenants.length > 0) await redis.del(...tenants.map(metricMetadataKey));
    redis.disconnect();
  });

  it('keeps the last description per family, per tenant', async () => {
    const [a, b] = [newTenant(), newTenant()];
    await store.put(a, new Map([['node_load1', { type: 'gauge', help: '1m load', unit: '' }]]));
    await store.put(a, new Map([['node_load1', { type: 'gauge', help: '1m load average.', unit: '' }]]));
    await store.put(b, new Map([['node_load1', { type: 'counter', help: 'other', unit: 'x' }]]));
    expect(await store.get(a)).toEqual(new Map([['node_load1', { type: 'gauge', help: '1m load average.', unit: '' }]]));
    expect(await store.get(b, ['node_load1', 'absent'])).toEqual(new Map([['node_load1', { type: 'counter', help: 'other', unit: 'x' }]]));
    expect(await redis.pttl(metricMetadataKey(a))).toBeGreaterThan(50_000);
  });

  it('refuses new families past the tenant limit and still updates the ones it holds', async () => {
    const tenant = newTenant();
    const entry = (help: string) => ({ type: 'gauge', help, unit: '' });
    expect(await store.put(tenant, new Map(['a', 'b', 'c', 'd', 'e'].map((n) => [n, entry(n)])))).toBe(2);
    expect(await store.put(tenant, new Map([['a', entry('updated')], ['z', entry('z')]]))).toBe(1);
    const held = await store.get(tenant);
    expect([...held.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(held.get('a')?.help).toBe('updated');
    // Another tenant is not held back by this one's full hash.
    const other = newTenant();
    expect(await store.put(other, new Map(['p', 'q', 'r'].map((n) => [n, entry(n)])))).toBe(0);
    expect((await store.get(other)).size).toBe(3);
  });
});
