import { randomUUID } from 'node:crypto';
import { createRedis } from './redis-client';
import { hotKeys, seriesId } from './hot-keys';
import { catalogKeyList } from './series-catalog';
import { RedisHotStore, type HotSeriesWrite } from './hot-store';
import { decodeHotValue } from './hot-value';

const HOUR = 3_600_000;

// The replay group's conditional write (Lua) against a real Redis: a record is applied only
// where Redis holds no write of its point from a later record.
describe('RedisHotStore.append with ifNewer (replay) against a real Redis', () => {
  const redis = createRedis({ url: process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
  const store = new RedisHotStore(redis, { windowMs: 2 * HOUR, sealGraceMs: 60_000, retentionMs: 26 * HOUR });
  const tenant = `t${randomUUID().slice(0, 8)}`;
  const partition = 1000 + Math.floor(Math.random() * 1_000_000);
  const start = 1_763_856_000_000; // a multiple of 2 h
  const seriesKey = 'disk{host="b"}';
  const sid = seriesId(tenant, seriesKey);
  const write = (offset: number | undefined, points: Array<[number, number]>): HotSeriesWrite => ({
    tenant,
    seriesKey,
    
    points: points.map(([t, value]) => ({ timestampMs: start + t, value })),
    ...(offset === undefined ? {} : { offset }),
  });
  const open = async (s = start) => {
    const hash = await redis.hgetallBuffer(hotKeys.open(sid, s));
    return Object.fromEntries(Object.entries(hash).map(([field, bytes]) => [field, decodeHotValue(bytes)]));
  };

  afterAll(async () => {
    await redis.del(hotKeys.due(partition), hotKeys.lease(partition), ...catalogKeyList(tenant));
    for (const s of [start, start + 2 * HOUR]) await redis.del(hotKeys.open(sid, s), hotKeys.sealing(sid, s), hotKeys.packed(sid, s));
    redis.disconnect();
  });

  it('keeps a newer value, fills a missing one, and marks the windows due', async () => {
    await store.append(partition, [write(100, [[0, 1], [60_000, 2]])]);
    // A replayed batch: an old record of two points (one rewritten since), plus a point in the next window.
    await store.append(partition, [write(50, [[0, -1], [120_000, 3], [2 * HOUR, 4]])], { ifNewer: true });
    expect(await open()).toEqual({ '0': { value: 1, offset: 100 }, '60000': { value: 2, offset: 100 }, '120000': { value: 3, offset: 50 } });
    expect(await open(start + 2 * HOUR)).toEqual({ '0': { value: 4, offset: 50 } });
    expect((await store.dueWindows(partition, start + 5 * HOUR, 10)).map((w) => w.start)).toEqual([start, start + 2 * HOUR]);
  });

  it('applies a replayed record newer than what Redis holds; the same record again changes nothing', async () => {
    await store.append(partition, [write(150, [[0, 1.5]])], { ifNewer: true });
    await store.append(partition, [write(150, [[0, 99]])], { ifNewer: true }); // same offset: already applied
    expect((await open())['0']).toEqual({ value: 1.5, offset: 150 });
  });

  it('replaces a value written before offsets were kept (unknown order: the log record wins)', async () => {
    await store.append(partition, [write(undefined, [[180_000, 7]])]);
    expect((await open())['180000']).toEqual({ value: 7, offset: undefined });
    await store.append(partition, [write(1, [[180_000, 8]])], { ifNewer: true });
    expect((await open())['180000']).toEqual({ value: 8, offset: 1 });
  });

  it('compares with points a seal in progress took (the sealing hash)', async () => {
    const taken = await store.beginSeal({ tenant, seriesKey, start });
    expect(taken.points.find((p) => p.timestampMs === start)).toEqual({ timestampMs: start, value: 1.5, offset: 150 });
    await store.append(partition, [write(120, [[0, -5]]), write(99, [[60_000, -6]])], { ifNewer: true });
    expect(await open()).toEqual({});
    await store.append(partition, [write(160, [[0, 5]])], { ifNewer: true });
    expect(await open()).toEqual({ '0': { value: 5, offset: 160 } });
  });

  it('orders offsets of any size (7-byte offsets, byte-wise different lengths)', async () => {
    const big = 2 ** 50 + 3;
    await store.append(partition, [write(big, [[240_000, 1]])]);
    await store.append(partition, [write(big - 1, [[240_000, 2]]), write(255, [[240_000, 3]])], { ifNewer: true });
    expect((await open())['240000']).toEqual({ value: 1, offset: big });
    await store.append(partition, [write(big + 1, [[240_000, 4]])], { ifNewer: true });
    expect((await open())['240000']).toEqual({ value: 4, offset: big + 1 });
  });

  it('applies records of one batch in order, so the last of several writes of a point stays', async () => {
    await store.append(partition, [write(300, [[300_000, 1]]), write(301, [[300_000, 2]]), write(299, [[300_000, 3]])], { ifNewer: true });
    expect((await open())['300000']).toEqual({ value: 2, offset: 301 });
  });

  it('keeps the later of two points of one timestamp within one record', async () => {
    await store.append(partition, [write(400, [[420_000, -1], [420_000, 1]])], { ifNewer: true });
    expect((await open())['420000']).toEqual({ value: 1, offset: 400 });
  });

  it('refuses a conditional write without a record offset, writing nothing', async () => {
    await expect(store.append(partition, [write(undefined, [[360_000, 1]])], { ifNewer: true })).rejects.toThrow(/needs its record offset/);
    expect((await open())['360000']).toBeUndefined();
  });

  it('keeps the seal offsets with the packed copy', async () => {
    const window = { tenant, seriesKey, start: start + 2 * HOUR };
    await store.beginSeal(window);
    const points = new Map([[start + 2 * HOUR + 60_000, 77_800]]);
    await store.finishSeal(window, partition, Uint8Array.from([2, 1, 2, 3]), start + 5 * HOUR, { base: 77_777, points });
    const next = await store.beginSeal(window);
    expect(next.packed?.sealOffset).toBe(77_777);
    expect([...next.packed!.pointOffsets]).toEqual([...points]);
    expect(Array.from(next.packed!.chunk)).toEqual([2, 1, 2, 3]);
  });

  it('tells the seal whether the replay wrote into the window since the last seal', async () => {
    const window = { tenant, seriesKey, start: start + 4 * HOUR };
    await store.append(partition, [write(500, [[4 * HOUR, 1]])]);
    await store.append(partition, [write(400, [[4 * HOUR, 2]])], { ifNewer: true }); // older: not written
    expect((await store.beginSeal(window)).replayed).toBe(false);
    await store.append(partition, [write(450, [[4 * HOUR + 60_000, 2]])], { ifNewer: true });
    expect((await store.beginSeal(window)).replayed).toBe(true);
    await store.finishSeal(window, partition, Uint8Array.from([2, 1]), start + 7 * HOUR, { base: 500, points: new Map() });
    expect((await store.beginSeal(window)).replayed).toBe(false);
    await redis.del(hotKeys.open(sid, window.start), hotKeys.sealing(sid, window.start), hotKeys.packed(sid, window.start), hotKeys.replayed(sid, window.start));
  });
});
