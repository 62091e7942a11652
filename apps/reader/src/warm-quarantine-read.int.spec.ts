import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { encodeChunk } from '@strata/storage/codec';
import { createRedis, RedisHotReader } from '@strata/storage/hot';
import { dropWarmTable } from '@strata/storage/testing';
import { createDynamoDb, DynamoWarmStore, ensureWarmTable } from '@strata/storage/warm';
import { ChunkDecoderSwitch } from './chunk-decoder';
import { Fetcher } from './fetcher';
import { planRead } from './planner';
import { ReaderMetrics } from './reader-metrics';
import { HotTierSource, WarmTierSource } from './tier-sources';

const HOUR = 3_600_000;
const W = 4 * HOUR;

// Issue 14: a window quarantined because DynamoDB refused it for a reason other than its
// key length (here: what the sealer does after such a refusal) is read by the reader's
// warm path once Redis no longer holds it, exactly and in order with its neighbours.
describe("the reader's warm path over a quarantined window (Redis + DynamoDB Local)", () => {
  const redis = createRedis({ url: process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
  const client = createDynamoDb({ endpoint: process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000', region: 'us-east-1' });
  const tableName = `strata_spec_${randomUUID().slice(0, 8)}`;
  const warm = new DynamoWarmStore(client, { tableName });
  const tenant = `t${randomUUID().slice(0, 8)}`;
  const seriesKey = 'disk_used{mount="/var"}';
  const start = Date.UTC(2026, 10, 20, 8);
  const now = start + 3 * 24 * HOUR; // long past the hot span: Redis holds nothing of it

  beforeAll(() => ensureWarmTable(client, tableName));
  afterAll(async () => {
    await dropWarmTable(client, tableName);
    client.destroy();
    redis.disconnect();
  });

  it('returns the points of a sealed, a quarantined and a sealed window, exactly, without a warning', async () => {
    const points = (from: number, values: number[]) => values.map((value, i) => ({ timestampMs: from + i * 60_000, value }));
    const before = points(start - W, [1, 2]);
    const refused = points(start, [3.25, -0, Number.MAX_VALUE, 5e-324]);
    const after = points(start + W, [6]);
    await warm.putChunks([
      { tenant, seriesKey, start: start - W, chunk: encodeChunk(before), count: 2 },
      { tenant, seriesKey, start: start + W, chunk: encodeChunk(after), count: 1 },
    ]);
    await warm.quarantineWindow({ tenant, seriesKey, start, chunk: encodeChunk(refused), count: refused.length, sealOffset: 12 }, new Error('ValidationException (refused for good)'));

    const fetcher = new Fetcher({
      sources: [new HotTierSource(new RedisHotReader(redis, { windowMs: W })), new WarmTierSource(warm)],
      decoder: new ChunkDecoderSwitch(undefined, 64),
      tierTimeoutMs: 10_000,
      metrics: new ReaderMetrics(new Registry()),
    });
    const plan = planRead(start - W, start + 2 * W, { windowMs: W, hotRetentionMs: 26 * HOUR, futureGraceMs: 600_000 }, now);
    expect(plan.tiers.map((t) => t.tier)).toEqual(['warm']);
    const result = await fetcher.fetchSeries(tenant, { key: seriesKey, name: 'disk_used', labels: [{ name: 'mount', value: '/var' }] }, plan);
    expect(result.failures).toEqual([]);
    const expected = [...before, ...refused, ...after];
    expect(Array.from(result.columns.timestamps)).toEqual(expected.map((p) => p.timestampMs));
    expect(Array.from(result.columns.values)).toEqual(expected.map((p) => p.value));
  });
});
