import { randomUUID } from 'node:crypto';
import { encodeChunk } from '../codec/chunk';
import { createRedis } from './redis-client';
import { hotKeys, seriesId } from './hot-keys';
import { HotChunkCorruptError, HotReadError, RedisHotReader } from './hot-reader';
import { RedisHotStore } from './hot-store';

const HOUR = 3_600_000;
const W = 2 * HOUR;

describe('RedisHotReader against a real Redis', () => {
  const redis = createRedis({ url: process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
  const store = new RedisHotStore(redis, { windowMs: W, sealGraceMs: 60_000, retentionMs: 26 * HOUR });
  const reader = new RedisHotReader(redis, { windowMs: W });
  const tenant = `t${randomUUID().slice(0, 8)}`;
  const other = `t${randomUUID().slice(0, 8)}`;
  const partition = 3_000_000 + Math.floor(Math.random() * 1_000_000);
  const start = Date.UTC(2026, 10, 23, 8, 0, 0);
  const key = 'cpu{host="a"}';
  const touched: string[] = [];

  const append = (points: Array<[number, number]>, seriesKey = key, t = tenant) =>
    store.append(partition, [{ tenant: t, seriesKey, index: true, points: points.map(([timestampMs, value]) => ({ timestampMs, value })) }]);

  beforeAll(async () => {
    // Window 1 (start): sealed once with [0 -> 1, 1m -> 2], then 1m overwritten to 20 and
    // 2m added, and that second seal interrupted after beginSeal (points left in `f`);
    // then 2m overwritten again to 200 in `o`.
    await append([[start, 1], [start + 60_000, 2]]);
    const first = await store.beginSeal({ tenant, seriesKey: key, start });
    await store.finishSeal(first.window, partition, encodeChunk(first.points), start + W + 60_000);
    await append([[start + 60_000, 20], [start + 120_000, 30]]);
    await store.beginSeal({ tenant, seriesKey: key, start });
    await append([[start + 120_000, 200]]);
    // Window 2 (start + W): open only. Window 3 is empty.
    await append([[start + W + 5, 5], [start + W + 1, -0]]);
    // Another series of the same tenant and one of another tenant.
    await append([[start, 7]], 'mem{host="a"}');
    await append([[start, 9]], key, other);
    touched.push(hotKeys.due(partition), hotKeys.seriesIndex(tenant), hotKeys.seriesIndex(other));
    for (const [t, k] of [[tenant, key], [tenant, 'mem{host="a"}'], [other, key]]) {
      for (const s of [start, start + W]) {
        const id = seriesId(t, k);
        touched.push(hotKeys.open(id, s), hotKeys.sealing(id, s), hotKeys.packed(id, s));
      }
    }
  });

  afterAll(async () => {
    await redis.del(...touched);
    redis.disconnect();
  });

  it('returns each window’s layers separately, leaving out windows with nothing', async () => {
    const windows = await reader.fetchWindows(tenant, key, [start, start + W, start + 2 * W]);
    expect(windows.map((w) => w.start)).toEqual([start, start + W]);
    expect(Array.from(windows[0].open.timestamps)).toEqual([start + 120_000]);
    expect(Array.from(windows[0].sealing.values)).toEqual([20, 30]);
    expect(windows[0].packed).not.toBeNull();
    expect(Array.from(windows[1].open.timestamps)).toEqual([start + W + 1, start + W + 5]);
    expect(windows[1].packed).toBeNull();
  });

  it('merges open over sealing over packed, per timestamp, and clips to the range', async () => {
    const all = await reader.read(tenant, key, start, start + 3 * W);
    expect(Array.from(all.timestamps)).toEqual([start, start + 60_000, start + 120_000, start + W + 1, start + W + 5]);
    expect(Array.from(all.values)).toEqual([1, 20, 200, -0, 5]);
    expect(Object.is(all.values[3], -0)).toBe(true);
    const clipped = await reader.read(tenant, key, start + 60_000, start + W + 5);
    expect(Array.from(clipped.values)).toEqual([20, 200, -0]);
  });

  it('keeps tenants apart: the same series key under another tenant is another series', async () => {
    expect(Array.from((await reader.read(other, key, start, start + W)).values)).toEqual([9]);
    expect((await reader.read(`t${randomUUID().slice(0, 8)}`, key, start, start + W)).timestamps.length).toBe(0);
  });

  it('lists a tenant’s series, filtered and limited', async () => {
    expect(await reader.listSeries(tenant)).toEqual({ keys: [key, 'mem{host="a"}'], truncated: false });
    expect(await reader.listSeries(tenant, { match: (k) => k.startsWith('mem') })).toEqual({ keys: ['mem{host="a"}'], truncated: false });
    expect(await reader.listSeries(tenant, { limit: 1 })).toMatchObject({ truncated: true });
    expect(await reader.listSeries(other)).toEqual({ keys: [key], truncated: false });
    expect(await reader.listSeries(`t${randomUUID().slice(0, 8)}`)).toEqual({ keys: [], truncated: false });
  });

  it('scans a series index larger than one SSCAN page', async () => {
    const big = `t${randomUUID().slice(0, 8)}`;
    const keys = Array.from({ length: 2_500 }, (_, i) => `m${String(i).padStart(5, '0')}`);
    await redis.sadd(hotKeys.seriesIndex(big), ...keys);
    try {
      expect((await reader.listSeries(big)).keys).toEqual(keys);
    } finally {
      await redis.del(hotKeys.seriesIndex(big));
    }
  });

  it('names the series and window of a corrupt packed chunk', async () => {
    const bad = `bad{x="${randomUUID().slice(0, 8)}"}`;
    const badKey = hotKeys.packed(seriesId(tenant, bad), start);
    await redis.set(badKey, Buffer.from('not a chunk'), 'PX', 60_000);
    try {
      const error = await reader.read(tenant, bad, start, start + W).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HotChunkCorruptError);
      expect((error as Error).message).toContain(`window at ${start}`);
    } finally {
      await redis.del(badKey);
    }
  });

  it('fails with a retriable HotReadError when Redis is unreachable', async () => {
    const down = createRedis({ url: 'redis://127.0.0.1:1', reconnect: false, maxRetriesPerRequest: 0 });
    down.on('error', () => undefined);
    const error = await new RedisHotReader(down, { windowMs: W }).read(tenant, key, start, start + W).catch((e: unknown) => e);
    down.disconnect();
    expect(error).toBeInstanceOf(HotReadError);
    expect((error as HotReadError).retriable).toBe(true);
    expect((error as Error).message).toContain(key);
  });
});
