import { randomUUID } from 'node:crypto';
import { createRedis } from './redis-client';
import { activeSeriesKey, RedisSeriesRegistry } from './series-registry';

const HOUR = 3_600_000;
const NOW = 1_763_856_000_000;
const url = process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('RedisSeriesRegistry against a real Redis', () => {
  const redis = createRedis({ url });
  const other = createRedis({ url });
  const tenants: string[] = [];
  const newTenant = () => {
    const tenant = `reg-${randomUUID().slice(0, 8)}`;
    tenants.push(tenant);
    return tenant;
  };
  const registry = new RedisSeriesRegistry(redis, { activeMs: 26 * HOUR });
  const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}{host="h${i}"}`);

  beforeAll(async () => {
    await Promise.all([redis.ping(), other.ping()]);
  });

  afterAll(async () => {
    if (tenants.length > 0) await redis.del(...tenants.map(activeSeriesKey));
    redis.disconnect();
    other.disconnect();
  });

  it('admits new series up to the limit, refuses the rest, and keeps admitting the ones it holds', async () => {
    const tenant = newTenant();
    const first = await registry.admit(tenant, { refresh: [], candidates: keys('cpu', 5) }, 3, NOW);
    expect(first).toEqual({ admitted: [true, true, true, false, false], active: 3, calls: 1 });
    const again = await registry.admit(tenant, { refresh: [], candidates: ['cpu{host="h4"}', 'cpu{host="h1"}'] }, 3, NOW + 1);
    expect(again).toEqual({ admitted: [false, true], active: 3, calls: 1 });
    expect(await registry.count(tenant)).toBe(3);
  });

  it('re-marks a refresh even at the limit (what it admitted before survives a Redis that lost the set)', async () => {
    const tenant = newTenant();
    await registry.admit(tenant, { refresh: [], candidates: keys('mem', 2) }, 2, NOW);
    const result = await registry.admit(tenant, { refresh: ['disk{host="x"}'], candidates: ['net{host="y"}'] }, 2, NOW);
    expect(result).toEqual({ admitted: [false], active: 3, calls: 1 });
  });

  it('stops counting series not confirmed within the active span, which frees their places', async () => {
    const tenant = newTenant();
    const short = new RedisSeriesRegistry(redis, { activeMs: 10_000 });
    await short.admit(tenant, { refresh: [], candidates: ['old.a', 'old.b'] }, 2, NOW);
    await short.admit(tenant, { refresh: ['old.b'], candidates: [] }, 2, NOW + 8_000);
    expect((await short.admit(tenant, { refresh: [], candidates: ['new.c'] }, 2, NOW + 9_000)).admitted).toEqual([false]);
    // At NOW + 12 s, old.a (confirmed at NOW) is idle; old.b (NOW + 8 s) is not.
    expect(await short.admit(tenant, { refresh: [], candidates: ['new.c', 'new.d'] }, 2, NOW + 12_000)).toEqual({
      admitted: [true, false],
      active: 2,
      calls: 1,
    });
    expect((await redis.zrange(activeSeriesKey(tenant), 0, -1)).sort()).toEqual(['new.c', 'old.b']);
    const ttl = await redis.pttl(activeSeriesKey(tenant));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });

  it('splits a large request into several calls with the same outcome', async () => {
    const tenant = newTenant();
    const batched = new RedisSeriesRegistry(redis, { activeMs: HOUR, batchSize: 2 });
    const result = await batched.admit(tenant, { refresh: ['r0'], candidates: keys('io', 5) }, 4, NOW);
    expect(result).toEqual({ admitted: [true, true, true, false, false], active: 4, calls: 3 });
  });

  it('never lets two clients racing for the last places exceed the limit between them', async () => {
    const tenant = newTenant();
    const a = new RedisSeriesRegistry(redis, { activeMs: HOUR });
    const b = new RedisSeriesRegistry(other, { activeMs: HOUR });
    const attempts = Array.from({ length: 40 }, (_, i) =>
      (i % 2 === 0 ? a : b).admit(tenant, { refresh: [], candidates: [`race{i="${i}"}`, `race{i="${i}b"}`] }, 25, NOW),
    );
    const results = await Promise.all(attempts);
    expect(results.flatMap((r) => r.admitted).filter(Boolean)).toHaveLength(25);
    expect(await redis.zcard(activeSeriesKey(tenant))).toBe(25);
  });
});
