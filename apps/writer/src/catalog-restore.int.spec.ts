import { randomUUID } from 'node:crypto';
import { createLogger } from '@strata/runtime';
import { encodeChunk } from '@strata/storage/codec';
import { catalogKeyList, createRedis, RedisSeriesCatalog } from '@strata/storage/hot';
import { dropWarmTable } from '@strata/storage/testing';
import { createDynamoDb, DynamoWarmStore, ensureWarmTable } from '@strata/storage/warm';
import { CATALOG_RESTORED_KEY, CATALOG_RESTORING_KEY, CatalogRestore } from './catalog-restore';

const DAY = 86_400_000;

describe('CatalogRestore against real Redis and DynamoDB Local', () => {
  // A database of its own: the restore's marks are global to a Redis.
  const redis = createRedis({ url: `${process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379'}/6` });
  const dynamo = createDynamoDb({ endpoint: process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000', region: 'us-east-1' });
  const table = `strata_spec_${randomUUID().slice(0, 8)}`;
  const tenant = `t${randomUUID().slice(0, 8)}`;
  const other = `t${randomUUID().slice(0, 8)}`;
  const warm = new DynamoWarmStore(dynamo, { tableName: table, dayIndex: { shards: 4, cacheSeries: 0, trustedDays: 2 } });
  const catalog = new RedisSeriesCatalog(redis);
  const now = Date.UTC(2026, 10, 23, 12, 0, 0);
  const today = Math.floor(now / DAY);
  const restore = (owner = 'spec') =>
    new CatalogRestore({ redis, catalog, warm, shards: 4, warmSpanDays: 14, owner, logger: createLogger({ service: 'spec', level: 'silent' }), now: () => now });
  const chunk = (t: string, seriesKey: string, day: number) => ({ tenant: t, seriesKey, start: day * DAY, chunk: encodeChunk([{ timestampMs: day * DAY, value: 1 }]), count: 1 });
  const all = async (t: string) => (await catalog.changes(t, 0, 1_000)).entries.sort((a, b) => a.seriesKey.localeCompare(b.seriesKey));

  beforeAll(async () => {
    await ensureWarmTable(dynamo, table);
    await redis.del(CATALOG_RESTORED_KEY, CATALOG_RESTORING_KEY);
    await warm.putChunks([
      chunk(tenant, 'cpu{host="a"}', today),
      chunk(tenant, 'cpu{host="a"}', today - 3),
      chunk(tenant, 'gone{host="b"}', today - 10),
      // Older than the warm span and its margin: archived (or about to be), found in S3.
      chunk(tenant, 'old{host="c"}', today - 30),
      chunk(other, 'mem', today - 1),
    ]);
  });
  afterAll(async () => {
    await redis.del(CATALOG_RESTORED_KEY, CATALOG_RESTORING_KEY, ...catalogKeyList(tenant), ...catalogKeyList(other));
    redis.disconnect();
    await dropWarmTable(dynamo, table);
    dynamo.destroy();
  });

  it('puts back the series of every day DynamoDB may still hold, per tenant with their days, once, and again after a loss', async () => {
    expect(await restore().check()).toBe(4);
    expect(await all(tenant)).toEqual([
      { seriesKey: 'cpu{host="a"}', oldestDay: today - 3, newestDay: today },
      { seriesKey: 'gone{host="b"}', oldestDay: today - 10, newestDay: today - 10 },
    ]);
    expect(await all(other)).toEqual([{ seriesKey: 'mem', oldestDay: today - 1, newestDay: today - 1 }]);
    // Marked whole: nothing more to do, on any writer.
    expect(await restore('another').check()).toBe(0);
    // A loss the writer detected (or Redis emptied): restored again, changing nothing it already had.
    await restore().markLost();
    await redis.del(...catalogKeyList(tenant));
    expect(await restore().check()).toBe(4);
    expect((await all(tenant)).map((e) => e.seriesKey)).toEqual(['cpu{host="a"}', 'gone{host="b"}']);
  });

  it('leaves the restore to the writer holding the lease', async () => {
    await redis.del(CATALOG_RESTORED_KEY);
    await redis.set(CATALOG_RESTORING_KEY, 'elsewhere', 'PX', 60_000);
    expect(await restore().check()).toBe(0);
    expect(await redis.exists(CATALOG_RESTORED_KEY)).toBe(0);
    await redis.del(CATALOG_RESTORING_KEY);
    expect(await restore().check()).toBe(4);
    expect(await redis.get(CATALOG_RESTORING_KEY)).toBeNull();
  });
});
