import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { createLogger } from '@strata/runtime';
import { seriesKey as keyOf } from '@strata/model';
import { decodeChunk } from '@strata/storage/codec';
import { catalogKeyList, createRedis, hotKeys, LateWriteLedger, RedisHotStore, seriesId } from '@strata/storage/hot';
import { dropWarmTable } from '@strata/storage/testing';
import { createDynamoDb, DynamoWarmStore, ensureWarmTable, warmPartitionKey, type DynamoDBClient } from '@strata/storage/warm';
import type { ConsumedBatch } from '@strata/stream';
import { Projector } from './projector';
import { Sealer } from './sealer';
import { SeriesCache } from './series-cache';
import { UtilisationTracker } from './utilisation';
import { WriterMetrics } from './writer-metrics';

const HOUR = 3_600_000;
const W = 4 * HOUR;

type AttributeValue = { S?: string; B?: Uint8Array };
type WriteInput = { RequestItems?: Record<string, Array<{ PutRequest?: { Item?: Record<string, AttributeValue> } }>>; Item?: Record<string, AttributeValue> };

/**
 * A DynamoDB client that refuses, for good, any write carrying a whole window (an item
 * with a chunk `c`) under one of `refused` partition keys: DynamoDB's ValidationException,
 * as it answers a request it will never take. Anything else (the quarantine, the pointer,
 * the day index, other series) goes through to DynamoDB Local.
 */
function refusingClient(real: DynamoDBClient, refused: Set<string>): DynamoDBClient {
  const carriesRefused = (item: Record<string, AttributeValue> | undefined) => item !== undefined && item['c'] !== undefined && refused.has(item['pk']?.S ?? '');
  const client = Object.create(real) as DynamoDBClient;
  client.send = (async (command: { input: WriteInput }, ...rest: unknown[]) => {
    // BatchWriteItem carries RequestItems, PutItem an Item (apps do not import the SDK).
    const { RequestItems, Item } = command.input;
    const items = RequestItems ? Object.values(RequestItems).flatMap((requests) => requests.map((r) => r.PutRequest?.Item)) : [Item];
    if (items.some(carriesRefused)) {
      throw Object.assign(new Error('One or more parameter values were invalid (injected refusal)'), {
        name: 'ValidationException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    }
    return (real.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
  }) as DynamoDBClient['send'];
  return client;
}

// Issue 14, "Isolation in the sealer": a window quarantined because DynamoDB refused it
// for a reason other than its key length stays readable through the warm tier once Redis
// dropped its copy (26 h after the window's end), and a late point merges into it.
describe('a window DynamoDB refuses for good, after Redis dropped it (Redis + DynamoDB Local)', () => {
  const redis = createRedis({ url: process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
  const real = createDynamoDb({ endpoint: process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000', region: 'us-east-1' });
  const table = `strata_spec_${randomUUID().slice(0, 8)}`;
  const tenant = `t${randomUUID().slice(0, 8)}`;
  const partition = 4_000_000 + Math.floor(Math.random() * 1_000_000);
  const refused = new Set<string>();
  const hot = new RedisHotStore(redis, { windowMs: W, sealGraceMs: 60_000, retentionMs: 26 * HOUR });
  const warm = new DynamoWarmStore(refusingClient(real, refused), { tableName: table });
  /** What the reader's warm source uses: a store of its own, no fault. */
  const readerWarm = new DynamoWarmStore(real, { tableName: table });
  const registry = new Registry();
  const metrics = new WriterMetrics(registry);
  const logger = createLogger({ service: 'spec', level: 'silent' });
  const start = Date.UTC(2026, 10, 23, 8, 0, 0);
  let now = start + 60_000;
  const projector = new Projector({ hot, cache: new SeriesCache(1_000, 60_000), metrics, utilisation: new UtilisationTracker(), logger, now: () => now });
  const sealer = new Sealer({ hot, warm, ledger: new LateWriteLedger(redis), partitions: () => [partition], owner: 'spec', metrics, logger, now: () => now, intervalMs: 1_000, batchSize: 1_000 });
  const labels = [{ name: 'host', value: 'db-1' }];
  const key = keyOf('refused', labels);
  const canaryKey = keyOf('canary', labels);
  let offset = 0;

  const write = async (name: string, points: Array<[number, number]>) => {
    const batch: ConsumedBatch = {
      partition,
      offsets: [String(offset)],
      records: 1,
      lastOffset: String(offset++),
      highWatermark: String(offset),
      firstTimestampMs: now,
      events: [{ tenant, acceptedAtMs: now, series: { name, labels, points: points.map(([t, value]) => ({ timestampMs: start + t, value })) } }],
    };
    await projector.project(batch);
  };
  /** Everything Redis holds of the window: as if its hot TTL (26 h after its end) ran out. */
  const dropFromRedis = async (series: string) => {
    const sid = seriesId(tenant, series);
    await redis.del(hotKeys.open(sid, start), hotKeys.sealing(sid, start), hotKeys.packed(sid, start), hotKeys.replayed(sid, start));
  };
  /** The window as the reader's warm source sees it (WarmTierSource.fetch is queryChunks). */
  const readWarm = async (series: string) => {
    const chunks = await readerWarm.queryChunks(tenant, series, start - W, start + W);
    return chunks.map((c) => {
      const { timestamps, values } = decodeChunk(c.chunk);
      return { start: c.start, points: Array.from(timestamps, (t, i) => [t - start, values[i]]) };
    });
  };
  const metric = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;

  beforeAll(() => ensureWarmTable(real, table));
  afterAll(async () => {
    await redis.del(hotKeys.due(partition), hotKeys.lease(partition), hotKeys.unsealedFrom(partition), ...catalogKeyList(tenant));
    for (const series of [key, canaryKey]) await dropFromRedis(series);
    await dropWarmTable(real, table);
    redis.disconnect();
    real.destroy();
  });

  it('reads its points exactly from the warm tier, merges a late point into it, and heals once DynamoDB takes it', async () => {
    refused.add(warmPartitionKey(tenant, key));
    await write('refused', [[1_000, 1.5], [2_000, -2], [3_000, 1e300]]);
    await write('canary', [[5_000, 7]]);
    now = start + W + 60_000;
    expect(await sealer.sealRound()).toBe(1); // the canary; the refused window is quarantined
    expect(await metric('strata_writer_quarantined_windows_total')).toBe(1);
    expect(await hot.backlog(partition)).toBe(0);

    // 26 h after the window's end Redis drops its packed copy; the warm tier still has it.
    now = start + W + 27 * HOUR;
    await dropFromRedis(key);
    expect(await readWarm(key)).toEqual([{ start, points: [[1_000, 1.5], [2_000, -2], [3_000, 1e300]] }]);
    expect(await readWarm(canaryKey)).toEqual([{ start, points: [[5_000, 7]] }]);

    // A very late point: the sealer merges it with the quarantined copy (DynamoDB still
    // refuses the window, so the merged window is quarantined again), never replacing it.
    await write('refused', [[2_000, 20], [4_000, 4]]);
    expect(await sealer.sealRound()).toBe(0);
    expect(await metric('strata_writer_quarantined_windows_total')).toBe(2);
    await dropFromRedis(key);
    expect(await readWarm(key)).toEqual([{ start, points: [[1_000, 1.5], [2_000, 20], [3_000, 1e300], [4_000, 4]] }]);
    expect(await readerWarm.quarantinedWindows()).toEqual([expect.objectContaining({ tenant, seriesKey: key, start })]);

    // The cause is gone: the next late point seals the whole window at the series' own key,
    // and the quarantined copy, merged into it, leaves the quarantine.
    refused.clear();
    await write('refused', [[5_000, 5]]);
    expect(await sealer.sealRound()).toBe(1);
    await dropFromRedis(key);
    expect(await readWarm(key)).toEqual([{ start, points: [[1_000, 1.5], [2_000, 20], [3_000, 1e300], [4_000, 4], [5_000, 5]] }]);
    expect(await readerWarm.quarantinedWindows()).toEqual([]);
  });
});
