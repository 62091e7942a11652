import { randomUUID } from 'node:crypto';
import { encodeChunk } from '../codec/chunk';
import { createRedis } from './redis-client';
import { hotKeys, seriesId } from './hot-keys';
import { HotChunkCorruptError, HotReadError, RedisHotReader } from './hot-reader';
import { RedisHotStore } from './hot-store';
import type { UnsealedColumns } from './seal-merge';
import { catalogKeyList } from './series-catalog';

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
    store.append(partition, [{ tenant: t, seriesKey, points: points.map(([timestampMs, value]) => ({ timestampMs, value })) }]);

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
    touched.push(hotKeys.due(partition), ...catalogKeyList(tenant), ...catalogKeyList(other));
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

  it('reads a window of 100,000 points in time order with their values and record offsets', async () => {
    const big = `big{x="${randomUUID().slice(0, 8)}"}`;
    const sid = seriesId(tenant, big);
    touched.push(hotKeys.open(sid, start), hotKeys.sealing(sid, start), hotKeys.packed(sid, start));
    // Written in three records out of time order, the last overwriting some points of the first.
    const points = (from: number, count: number, step: number, value: (i: number) => number) =>
      Array.from({ length: count }, (_, i) => ({ timestampMs: start + from + i * step, value: value(i) }));
    await store.append(partition, [{ tenant, seriesKey: big, points: points(50_000, 50_000, 7, (i) => i + 0.5), offset: 11 }]);
    await store.append(partition, [{ tenant, seriesKey: big, points: points(0, 50_000, 1, (i) => -i), offset: 12 }]);
    await store.append(partition, [{ tenant, seriesKey: big, points: points(50_000, 10, 7, () => 1e300), offset: 300_000 }]);
    const [window] = await reader.fetchWindows(tenant, big, [start]);
    const { timestamps, values, offsets } = window.open as UnsealedColumns;
    expect(timestamps.length).toBe(100_000);
    for (let i = 1; i < timestamps.length; i++) if (!(timestamps[i] > timestamps[i - 1])) throw new Error(`not in time order at ${i}`);
    expect([timestamps[0], values[0], offsets[0]]).toEqual([start, -0, 12]);
    expect([timestamps[49_999], values[49_999], offsets[49_999]]).toEqual([start + 49_999, -49_999, 12]);
    expect([timestamps[50_000], values[50_000], offsets[50_000]]).toEqual([start + 50_000, 1e300, 300_000]);
    expect([timestamps[50_010], values[50_010], offsets[50_010]]).toEqual([start + 50_070, 10.5, 11]);
    expect([timestamps[99_999], values[99_999]]).toEqual([start + 50_000 + 49_999 * 7, 49_999.5]);
  });

  it.each([
    ['a field that is not a number', 'x12'],
    ['a field past the longest window', String(2 ** 24)],
    ['an empty field', ''],
  ])('names the series and window of an open window with %s', async (_, field) => {
    const bad = `bad{x="${randomUUID().slice(0, 8)}"}`;
    const badKey = hotKeys.open(seriesId(tenant, bad), start);
    await redis.hset(badKey, '5', Buffer.alloc(9), field, Buffer.alloc(9));
    try {
      const error = await reader.read(tenant, bad, start, start + W).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HotChunkCorruptError);
      expect((error as Error).message).toContain(`window at ${start}`);
      expect((error as Error).message).toContain('not a millisecond offset');
    } finally {
      await redis.del(badKey);
    }
  });

  it('names the field of a value of the wrong size', async () => {
    const bad = `bad{x="${randomUUID().slice(0, 8)}"}`;
    const badKey = hotKeys.open(seriesId(tenant, bad), start);
    await redis.hset(badKey, '5', Buffer.alloc(9), '17', Buffer.alloc(3));
    try {
      const error = await reader.read(tenant, bad, start, start + W).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HotChunkCorruptError);
      expect((error as Error).message).toMatch(/field 17: hot value of 3 bytes/);
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
