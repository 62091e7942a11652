import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { createLogger } from '@strata/runtime';
import { decodeChunk } from '@strata/storage/codec';
import { catalogKeyList, createRedis, hotKeys, LateWriteLedger, RedisHotStore, seriesId } from '@strata/storage/hot';
import { dropWarmTable } from '@strata/storage/testing';
import { createDynamoDb, DynamoWarmStore, ensureWarmTable } from '@strata/storage/warm';
import type { ConsumedBatch } from '@strata/stream';
import { Projector } from './projector';
import { Sealer } from './sealer';
import { SeriesCache } from './series-cache';
import { UtilisationTracker } from './utilisation';
import { WriterMetrics } from './writer-metrics';

const HOUR = 3_600_000;
const W = 2 * HOUR;

describe('projector and sealer against real Redis and DynamoDB Local', () => {
  const redis = createRedis({ url: process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
  const dynamo = createDynamoDb({ endpoint: process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000', region: 'us-east-1' });
  const table = `strata_spec_${randomUUID().slice(0, 8)}`;
  const tenant = `t${randomUUID().slice(0, 8)}`;
  const partition = 2_000_000 + Math.floor(Math.random() * 1_000_000);
  const hot = new RedisHotStore(redis, { windowMs: W, sealGraceMs: 60_000, retentionMs: 26 * HOUR });
  const warm = new DynamoWarmStore(dynamo, { tableName: table });
  const metrics = new WriterMetrics(new Registry());
  const logger = createLogger({ service: 'spec', level: 'silent' });
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  const projector = new Projector({ hot, cache: new SeriesCache(100, 60_000), metrics, utilisation: new UtilisationTracker(), logger, now: () => now });
  const ledger = new LateWriteLedger(redis);
  const day = Math.floor(Date.UTC(2026, 10, 23) / 86_400_000);
  const sealer = new Sealer({ hot, warm, ledger, partitions: () => [partition], owner: 'spec', metrics, logger, now: () => now, intervalMs: 1_000, batchSize: 100 });
  const start = Date.UTC(2026, 10, 23, 8, 0, 0);
  let offset = 0;

  const batch = (points: Array<[number, number]>, name = 'cpu'): ConsumedBatch => ({
    partition,
    offsets: [String(offset)],
    records: 1,
    lastOffset: String(offset++),
    highWatermark: String(offset),
    firstTimestampMs: now,
    events: [{ tenant, acceptedAtMs: now, series: { name, labels: [{ name: 'host', value: 'a' }], points: points.map(([t, v]) => ({ timestampMs: t, value: v })) } }],
  });

  const stored = async (name = 'cpu') => {
    const chunk = await warm.getChunk(tenant, `${name}{host="a"}`, start);
    if (!chunk) return undefined;
    const decoded = decodeChunk(chunk);
    return Array.from(decoded.timestamps, (t, i) => [t - start, decoded.values[i]]);
  };

  beforeAll(() => ensureWarmTable(dynamo, table));
  afterAll(async () => {
    await redis.del(hotKeys.due(partition), hotKeys.lease(partition), ...catalogKeyList(tenant));
    await redis.hdel(hotKeys.lateLedger(day), `w:${tenant}`, `v:${tenant}`);
    for (const name of ['cpu', 'mem']) {
      const sid = seriesId(tenant, `${name}{host="a"}`);
      await redis.del(hotKeys.open(sid, start), hotKeys.sealing(sid, start), hotKeys.packed(sid, start));
    }
    await dropWarmTable(dynamo, table);
    redis.disconnect();
    dynamo.destroy();
  });

  it('seals a window only once it is due, with the last written value of each timestamp', async () => {
    await projector.project(batch([[start, 1], [start + 60_000, 2], [start + 120_000, 3]]));
    await projector.project(batch([[start + 60_000, 2.5]])); // overwrite
    now = start + W + 59_999;
    expect(await sealer.sealRound()).toBe(0);
    now = start + W + 60_000;
    expect(await sealer.sealRound()).toBe(1);
    expect(await stored()).toEqual([[0, 1], [60_000, 2.5], [120_000, 3]]);
    expect(await hot.backlog(partition)).toBe(0);
    // A window of today is counted too: readers check the count before they trust chunks they cached.
    expect((await ledger.writeCounts(day)).get(tenant)).toBe(1);
  });

  it('re-seals a window when a late point arrives, merging with the first seal', async () => {
    await projector.project(batch([[start + 180_000, 4], [start, 0.5]]));
    expect(await sealer.sealRound()).toBe(1);
    expect(await stored()).toEqual([[0, 0.5], [60_000, 2.5], [120_000, 3], [180_000, 4]]);
  });

  it('keeps the sealed points when Redis lost the packed copy of a recent window', async () => {
    await redis.del(hotKeys.packed(seriesId(tenant, 'cpu{host="a"}'), start)); // Redis restarted empty
    await projector.project(batch([[start + 200_000, 4.5]]));
    expect(await sealer.sealRound()).toBe(1);
    expect(await stored()).toEqual([[0, 0.5], [60_000, 2.5], [120_000, 3], [180_000, 4], [200_000, 4.5]]);
  });

  it('merges a point older than the hot retention with the chunk in DynamoDB (read-modify-write)', async () => {
    now = start + W + 27 * HOUR;
    await redis.del(hotKeys.packed(seriesId(tenant, 'cpu{host="a"}'), start)); // as if it expired
    await projector.project(batch([[start + 240_000, 5]]));
    const before = (await ledger.writeCounts(day)).get(tenant)!;
    expect(await sealer.sealRound()).toBe(1);
    expect(await stored()).toEqual([[0, 0.5], [60_000, 2.5], [120_000, 3], [180_000, 4], [200_000, 4.5], [240_000, 5]]);
    // A chunk of a past day may land after the archiver took that day: the ledger counts it.
    expect((await ledger.writeCounts(day)).get(tenant)).toBe(before + 1);
  });

  it('abandons a round whose lease another writer took meanwhile, leaving the window due', async () => {
    await projector.project(batch([[start + 300_000, 8]]));
    await redis.del(hotKeys.lease(partition));
    const overtaken = new Sealer({
      hot,
      warm: {
        getSealedChunk: warm.getSealedChunk.bind(warm),
        getSealedChunks: warm.getSealedChunks.bind(warm),
        quarantineWindow: warm.quarantineWindow.bind(warm),
        countQuarantined: warm.countQuarantined.bind(warm),
        putChunks: async () => {
          await redis.set(hotKeys.lease(partition), 'another-writer'); // our lease expired and was taken
        },
      },
      ledger: new LateWriteLedger(redis),
      partitions: () => [partition],
      owner: 'slow-writer',
      metrics,
      logger,
      now: () => now,
      intervalMs: 1_000,
      batchSize: 100,
    });
    await expect(overtaken.sealRound()).rejects.toThrow(/lease of partition \d+ lost/);
    expect(await hot.backlog(partition)).toBe(1);
    await redis.del(hotKeys.lease(partition));
    expect(await sealer.sealRound()).toBe(1);
    expect((await stored())?.at(-1)).toEqual([300_000, 8]);
  });

  it('leaves everything due when DynamoDB refuses, and seals on the next round', async () => {
    await projector.project(batch([[start, 7]], 'mem'));
    const broken = new Sealer({
      hot,
      warm: {
        getSealedChunk: warm.getSealedChunk.bind(warm),
        getSealedChunks: warm.getSealedChunks.bind(warm),
        quarantineWindow: warm.quarantineWindow.bind(warm),
        countQuarantined: warm.countQuarantined.bind(warm),
        putChunks: async () => Promise.reject(new Error('table is gone')),
      },
      ledger: new LateWriteLedger(redis),
      partitions: () => [partition],
      owner: 'spec',
      metrics,
      logger,
      now: () => now,
      intervalMs: 1_000,
      batchSize: 100,
    });
    await expect(broken.sealRound()).rejects.toThrow('table is gone');
    expect(await hot.backlog(partition)).toBe(1);
    expect(await broken.reportBacklog()).toBe(1);
    expect(await sealer.sealRound()).toBe(1);
    expect(await stored('mem')).toEqual([[0, 7]]);
  });
});
