import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { checkRedis, createRedis } from './redis-client';

// Runs against the local stack (`stack.sh up`) or STRATA_REDIS_URL.
const url = process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('ioredis round trip against a real Redis', () => {
  let redis: Redis;
  const run = randomUUID();
  // A hash tag on tenant and series: in Redis Cluster every key of one series shares a slot.
  const tagged = (suffix: string) => `strata:test:{tenant-${run}:cpu.user}:${suffix}`;

  beforeAll(async () => {
    redis = createRedis({ url });
    await checkRedis(redis);
  });

  afterAll(async () => {
    const keys = await redis.keys(`strata:test:{tenant-${run}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('stores and reads back a value with a TTL under a hash-tagged key', async () => {
    const key = tagged('open');
    expect(await redis.set(key, 'v1', 'EX', 60)).toBe('OK');
    expect(await redis.get(key)).toBe('v1');
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    // The braces are part of the key as stored: nothing rewrote them.
    expect(await redis.keys(`strata:test:{tenant-${run}:cpu.user}:*`)).toEqual([key]);
  });

  it('lets a key expire by itself', async () => {
    const key = tagged('short');
    await redis.set(key, 'gone soon', 'PX', 150);
    expect(await redis.get(key)).toBe('gone soon');
    await new Promise((r) => setTimeout(r, 300));
    expect(await redis.get(key)).toBeNull();
    expect(await redis.exists(key)).toBe(0);
  });

  it('overwrites a point in place in a hash, keeping the key TTL', async () => {
    const key = tagged('window');
    await redis.hset(key, '1700000000000', '1.5', '1700000060000', '2.5');
    await redis.pexpire(key, 60_000);
    await redis.hset(key, '1700000000000', '9.75'); // the same timestamp again: last write wins
    expect(await redis.hgetall(key)).toEqual({ '1700000000000': '9.75', '1700000060000': '2.5' });
    expect(await redis.pttl(key)).toBeGreaterThan(0);
  });
});
