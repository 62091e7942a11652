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

// The main group and a `--replay-from` group projecting the same partition: the replay's
// old records arrive after newer ones were projected, sealed, or lost with Redis. Last
// write in log (offset) order must win in every tier.
describe('replay group next to the main group (real Redis and DynamoDB Local)', () => {
  const redis = createRedis({ url: process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
  const dynamo = createDynamoDb({ endpoint: process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000', region: 'us-east-1' });
  const table = `strata_spec_${randomUUID().slice(0, 8)}`;
  const tenant = `t${randomUUID().slice(0, 8)}`;
  const partition = 3_000_000 + Math.floor(Math.random() * 1_000_000);
  const hot = new RedisHotStore(redis, { windowMs: W, sealGraceMs: 60_000, retentionMs: 26 * HOUR });
  const warm = new DynamoWarmStore(dynamo, { tableName: table });
  const metrics = new WriterMetrics(new Registry());
  const logger = createLogger({ service: 'spec', level: 'silent' });
  const start = Date.UTC(2026, 10, 23, 8, 0, 0);
  const now = start + W + HOUR; // every window of the spec is due
  const deps = { hot, metrics, utilisation: new UtilisationTracker(), logger, now: () => now };
  const main = new Projector({ ...deps, cache: new SeriesCache(100, 60_000) });
  const replay = new Projector({ ...deps, cache: new SeriesCache(100, 60_000), replay: true });
  const sealer = new Sealer({ hot, warm, ledger: new LateWriteLedger(redis), partitions: () => [partition], owner: 'spec', metrics, logger, now: () => now, intervalMs: 1_000, batchSize: 100 });
  const seriesKey = 'cpu{host="a"}';
  const sid = seriesId(tenant, seriesKey);

  /** A batch of one record per [offset, [window ms, value][]]. */
  const batch = (records: Array<[number, Array<[number, number]>]>): ConsumedBatch => ({
    partition,
    offsets: records.map(([offset]) => String(offset)),
    records: records.length,
    lastOffset: String(records.at(-1)![0]),
    highWatermark: String(records.at(-1)![0] + 1),
    firstTimestampMs: now,
    events: records.map(([, points]) => ({
      tenant,
      acceptedAtMs: now,
      series: { name: 'cpu', labels: [{ name: 'host', value: 'a' }], points: points.map(([t, value]) => ({ timestampMs: start + t, value })) },
    })),
  });
  const warmPoints = async () => {
    const sealed = await warm.getSealedChunk(tenant, seriesKey, start);
    if (!sealed) return undefined;
    const decoded = decodeChunk(sealed.chunk);
    const own = [...sealed.seal.points].map(([t, offset]) => [t - start, offset]).sort((a, b) => a[0] - b[0]);
    return { points: Array.from(decoded.timestamps, (t, i) => [t - start, decoded.values[i]]), base: sealed.seal.base, own };
  };
  const loseRedis = () => redis.del(hotKeys.open(sid, start), hotKeys.sealing(sid, start), hotKeys.packed(sid, start), hotKeys.replayed(sid, start));

  beforeAll(() => ensureWarmTable(dynamo, table));
  afterAll(async () => {
    await redis.del(hotKeys.due(partition), hotKeys.lease(partition), ...catalogKeyList(tenant));
    await loseRedis();
    await dropWarmTable(dynamo, table);
    redis.disconnect();
    dynamo.destroy();
  });

  it('a replayed record older than an unsealed rewrite leaves the rewrite', async () => {
    await main.project(batch([[10, [[0, 1], [60_000, 1]]], [20, [[0, 2]]]]));
    await replay.project(batch([[10, [[0, 1], [60_000, 1]]]]));
    expect(await sealer.sealRound()).toBe(1);
    expect(await warmPoints()).toEqual({ points: [[0, 2], [60_000, 1]], base: 20, own: [] });
  });

  it('a replayed record older than a sealed rewrite changes nothing, not even the DynamoDB item', async () => {
    await replay.project(batch([[10, [[0, 1], [60_000, 1]]]]));
    expect(await sealer.sealRound()).toBe(0); // Redis gets its packed copy back; no warm write
    expect(await warmPoints()).toEqual({ points: [[0, 2], [60_000, 1]], base: 20, own: [] });
    expect(await hot.backlog(partition)).toBe(0);
  });

  it('after Redis lost everything, the sealed-only item still beats older replayed records', async () => {
    await loseRedis();
    await replay.project(batch([[10, [[0, 1], [60_000, 1]]], [20, [[0, 2]]]]));
    expect(await sealer.sealRound()).toBe(0);
    expect(await warmPoints()).toEqual({ points: [[0, 2], [60_000, 1]], base: 20, own: [] });
  });

  it('a replayed record newer than the seal (lost with Redis before it was sealed) comes back', async () => {
    await main.project(batch([[30, [[0, 3], [120_000, 3]]]]));
    await loseRedis(); // offset 30 was only in Redis
    await replay.project(batch([[30, [[0, 3], [120_000, 3]]]]));
    expect(await sealer.sealRound()).toBe(1);
    // A re-seal keeps the base and gives the points it took their own offsets.
    expect(await warmPoints()).toEqual({ points: [[0, 3], [60_000, 1], [120_000, 3]], base: 20, own: [[0, 30], [120_000, 30]] });
  });

  it('a point the seal lacks is filled in even from an old record', async () => {
    await loseRedis();
    await replay.project(batch([[5, [[180_000, 0.5]]]]));
    expect(await sealer.sealRound()).toBe(1);
    expect(await warmPoints()).toEqual({ points: [[0, 3], [60_000, 1], [120_000, 3], [180_000, 0.5]], base: 20, own: [[0, 30], [120_000, 30], [180_000, 5]] });
  });

  // Redis loses a rewrite (offset 40) before it is sealed; a later write of another point
  // (offset 50) re-seals the window over the DynamoDB item. The replay must still bring the
  // lost rewrite back: the re-seal did not claim to hold every record up to 50.
  it('a rewrite lost before its seal comes back by replay after a re-seal with a later write', async () => {
    await sealer.sealRound();
    await main.project(batch([[40, [[0, 4], [60_000, 4]]]]));
    await loseRedis();
    await main.project(batch([[50, [[120_000, 5]]]]));
    expect(await sealer.sealRound()).toBe(1);
    await replay.project(batch([[40, [[0, 4], [60_000, 4]]], [50, [[120_000, 5]]]]));
    expect(await sealer.sealRound()).toBe(1);
    expect((await warmPoints())?.points).toEqual([[0, 4], [60_000, 4], [120_000, 5], [180_000, 0.5]]);
  });
});
