import { randomUUID } from 'node:crypto';
import { createRedis } from './redis-client';
import { hotKeys } from './hot-keys';
import { HotTierState } from './hot-state';
import { RedisHotStore } from './hot-store';
import { catalogKeyList } from './series-catalog';

const HOUR = 3_600_000;
const url = process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('what a rebuild of the hot tier starts from, against a real Redis', () => {
  const redis = createRedis({ url });
  const store = new RedisHotStore(redis, { windowMs: 2 * HOUR, sealGraceMs: 60_000, retentionMs: 26 * HOUR });
  const partition = 2_000_000 + Math.floor(Math.random() * 1_000_000);
  const tenant = `t${randomUUID().slice(0, 8)}`;
  const start = 1_763_856_000_000;
  const write = (seriesKey: string, offset: number, at = start) => ({ tenant, seriesKey, offset, points: [{ timestampMs: at, value: offset }] });

  afterAll(async () => {
    await redis.del(hotKeys.due(partition), hotKeys.unsealedFrom(partition), hotKeys.projected(partition), ...catalogKeyList(tenant));
    redis.disconnect();
  });

  it('advances the projected offset only from the value it was last set to', async () => {
    expect(await store.projectedOffset(partition)).toBeNull();
    expect(await store.append(partition, [write('a', 10)], { projected: { expect: null, next: 11 } })).toEqual({ projectedAdvanced: true });
    expect(await store.projectedOffset(partition)).toBe(11);
    expect(await store.append(partition, [write('a', 11)], { projected: { expect: 11, next: 12 } })).toEqual({ projectedAdvanced: true });
    // Redis lost the key (a restart, a flush): the points still land, but the offset does not
    // move, and the writer learns that Redis no longer holds what it counted on.
    await redis.del(hotKeys.projected(partition));
    expect(await store.append(partition, [write('a', 12)], { projected: { expect: 12, next: 13 } })).toEqual({ projectedAdvanced: false });
    expect(await store.projectedOffset(partition)).toBeNull();
    // A rolled-back Redis (an older snapshot) holds a lower offset: also refused.
    await redis.set(hotKeys.projected(partition), '5');
    expect((await store.append(partition, [write('a', 13)], { projected: { expect: 13, next: 14 } })).projectedAdvanced).toBe(false);
    expect(await store.projectedOffset(partition)).toBe(5);
    // Appends without the option (the replay group) report nothing and touch nothing.
    expect(await store.append(partition, [write('a', 14)], { ifNewer: true })).toEqual({});
    expect(await store.projectedOffset(partition)).toBe(5);
  });

  it('keeps the lowest unsealed offset per window and forgets a window once it is settled', async () => {
    await redis.del(hotKeys.due(partition), hotKeys.unsealedFrom(partition));
    await store.append(partition, [write('b', 30), write('c', 31), write('b', 32)]);
    expect(await store.lowestUnsealedOffset(partition)).toBe(30);
    // An older record applied later (the replay group) lowers it; a newer one does not raise it.
    await store.append(partition, [write('c', 20)], { ifNewer: true });
    await store.append(partition, [write('b', 40)]);
    expect(await store.lowestUnsealedOffset(partition)).toBe(20);

    const b = { tenant, seriesKey: 'b', start };
    const c = { tenant, seriesKey: 'c', start };
    await store.beginSeal(c);
    await store.finishSeal(c, partition, Buffer.from('c'), start + 3 * HOUR);
    expect(await store.lowestUnsealedOffset(partition)).toBe(30);
    // A point of b arrives during b's seal: b stays, with its old (lower) offset.
    await store.beginSeal(b);
    await store.append(partition, [write('b', 50)]);
    await store.finishSeal(b, partition, Buffer.from('b'), start + 3 * HOUR);
    expect(await store.lowestUnsealedOffset(partition)).toBe(30);
    await store.beginSeal(b);
    await store.finishSeal(b, partition, Buffer.from('b2'), start + 3 * HOUR);
    expect(await store.lowestUnsealedOffset(partition)).toBeNull();
  });
});

describe('HotTierState against a real Redis', () => {
  const redis = createRedis({ url });
  const state = new HotTierState(redis);
  // The state hash is one key for the whole tier: kept aside and put back, so a writer
  // using the same Redis is not disturbed for longer than this spec.
  let saved: Record<string, string> = {};

  beforeAll(async () => {
    saved = await redis.hgetall(hotKeys.state);
    await redis.del(hotKeys.state);
  });
  afterAll(async () => {
    await redis.del(hotKeys.state);
    if (Object.keys(saved).length > 0) await redis.hset(hotKeys.state, saved);
    redis.disconnect();
  });

  it('reads an empty Redis as not initialised, marks every partition once, and is whole when all are rebuilt', async () => {
    expect(await state.status()).toEqual({ initialised: false, rebuildingPartitions: [], complete: false });
    const [first, second] = await Promise.all([state.takeStock(3, 1_000), state.takeStock(3, 1_001)]);
    expect([first, second].sort()).toEqual([false, true]);
    expect(await state.status()).toEqual({ initialised: true, rebuildingPartitions: [0, 1, 2], complete: false });
    expect(await state.isMarked(1)).toBe(true);
    for (const p of [2, 0]) await state.markRebuilt(p);
    expect((await state.status()).rebuildingPartitions).toEqual([1]);
    await state.markRebuilt(1);
    expect(await state.status()).toEqual({ initialised: true, rebuildingPartitions: [], complete: true });
    expect(await state.takeStock(3, 2_000)).toBe(false);
    await state.markRebuilding(2, 3_000);
    expect(await state.status()).toEqual({ initialised: true, rebuildingPartitions: [2], complete: false });
    // Losing Redis's data loses the account too: never read as whole.
    await redis.del(hotKeys.state);
    await state.markRebuilding(0, 4_000);
    expect((await state.status()).complete).toBe(false);
  });
});
