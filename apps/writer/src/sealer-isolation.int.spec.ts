import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { createLogger } from '@strata/runtime';
import { seriesKey as keyOf } from '@strata/model';
import { decodeChunk, encodeChunk } from '@strata/storage/codec';
import { catalogKeyList, createRedis, hotKeys, LateWriteLedger, RedisHotReader, RedisHotStore, seriesId } from '@strata/storage/hot';
import { dropWarmTable } from '@strata/storage/testing';
import { createDynamoDb, DynamoWarmStore, ensureWarmTable, WARM_ITEM_PAYLOAD_BYTES } from '@strata/storage/warm';
import type { ConsumedBatch } from '@strata/stream';
import { Projector } from './projector';
import { redriveQuarantined } from './quarantine';
import { Sealer } from './sealer';
import { SeriesCache } from './series-cache';
import { UtilisationTracker } from './utilisation';
import { WriterMetrics } from './writer-metrics';

const HOUR = 3_600_000;
const W = 4 * HOUR;

type Label = { name: string; value: string };

// Issue 14: one window DynamoDB refuses for good must not stop the sealing of the others,
// and a window of any size ingest accepted is sealed.
describe('sealer isolation and big windows against real Redis and DynamoDB Local', () => {
  const redis = createRedis({ url: process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
  const dynamo = createDynamoDb({ endpoint: process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000', region: 'us-east-1' });
  const table = `strata_spec_${randomUUID().slice(0, 8)}`;
  const tenant = `t${randomUUID().slice(0, 8)}`;
  const partition = 3_000_000 + Math.floor(Math.random() * 1_000_000);
  const hot = new RedisHotStore(redis, { windowMs: W, sealGraceMs: 60_000, retentionMs: 26 * HOUR });
  const warm = new DynamoWarmStore(dynamo, { tableName: table });
  const registry = new Registry();
  const metrics = new WriterMetrics(registry);
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ service: 'spec', level: 'silent' });
  logger.error = ((obj: Record<string, unknown>, msg?: string) => void lines.push({ ...obj, msg })) as typeof logger.error;
  const start = Date.UTC(2026, 10, 23, 8, 0, 0);
  let now = start + 60_000;
  const projector = new Projector({ hot, cache: new SeriesCache(1_000, 60_000), metrics, utilisation: new UtilisationTracker(), logger, now: () => now });
  const sealer = new Sealer({ hot, warm, ledger: new LateWriteLedger(redis), partitions: () => [partition], owner: 'spec', metrics, logger, now: () => now, intervalMs: 1_000, batchSize: 1_000 });
  const written = new Set<string>();
  let offset = 0;

  const write = async (name: string, labels: Label[], points: Array<{ timestampMs: number; value: number }>) => {
    written.add(keyOf(name, labels));
    const batch: ConsumedBatch = {
      partition,
      offsets: [String(offset)],
      records: 1,
      lastOffset: String(offset++),
      highWatermark: String(offset),
      firstTimestampMs: now,
      events: [{ tenant, acceptedAtMs: now, series: { name, labels, points } }],
    };
    await projector.project(batch);
  };
  const metric = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;

  // Two label values of 1,500 bytes: the warm item's key is over DynamoDB's 2,048 bytes.
  const poisonLabels: Label[] = [
    { name: 'a', value: 'x'.repeat(1_500) },
    { name: 'b', value: 'y'.repeat(1_500) },
  ];
  const poisonKey = keyOf('poison', poisonLabels);

  beforeAll(() => ensureWarmTable(dynamo, table));
  afterAll(async () => {
    await redis.del(hotKeys.due(partition), hotKeys.lease(partition), hotKeys.unsealedFrom(partition), ...catalogKeyList(tenant));
    for (const key of written) {
      const sid = seriesId(tenant, key);
      await redis.del(hotKeys.open(sid, start), hotKeys.sealing(sid, start), hotKeys.packed(sid, start), hotKeys.replayed(sid, start));
    }
    await dropWarmTable(dynamo, table);
    redis.disconnect();
    dynamo.destroy();
  });

  it('quarantines the window DynamoDB refuses, keeps it readable, and seals the 40 canaries of the same round', async () => {
    expect(Buffer.byteLength(`${tenant}#${poisonKey}`)).toBeGreaterThan(2_048);
    await write('poison', poisonLabels, [{ timestampMs: start + 1_000, value: 1 }, { timestampMs: start + 2_000, value: 2 }]);
    for (let i = 0; i < 40; i++) await write('canary', [{ name: 'i', value: String(i) }], [{ timestampMs: start + 5_000, value: i }]);
    now = start + W + 60_000;

    expect(await sealer.sealRound()).toBe(40);
    for (let i = 0; i < 40; i++) {
      const [chunk] = await warm.queryChunks(tenant, keyOf('canary', [{ name: 'i', value: String(i) }]), start, start);
      expect(Array.from(decodeChunk(chunk.chunk).values)).toEqual([i]);
    }
    expect(await hot.backlog(partition)).toBe(0);

    // Durable in the quarantine and read like any warm window, so it outlives the hot TTL.
    const [quarantined] = await warm.queryChunks(tenant, poisonKey, start, start);
    expect(Array.from(decodeChunk(quarantined.chunk).values)).toEqual([1, 2]);
    expect(await warm.quarantinedWindows()).toEqual([expect.objectContaining({ tenant, seriesKey: poisonKey, start })]);
    // Still readable from the hot tier as a packed window while Redis holds it.
    const [hotWindow] = await new RedisHotReader(redis, { windowMs: W }).fetchWindows(tenant, poisonKey, [start]);
    expect(hotWindow.packed).toBeDefined();

    expect(await metric('strata_writer_quarantined_windows_total')).toBe(1);
    expect(await metric('strata_writer_quarantine_windows')).toBe(1);
    const logged = lines.filter((l) => String(l['msg']).startsWith('window quarantined'));
    expect(logged).toEqual([expect.objectContaining({ tenant, start, seriesKeyBytes: Buffer.byteLength(poisonKey), err: expect.objectContaining({ retriable: false }) })]);

    // A late point of the poisoned window merges with its quarantined copy and is quarantined again.
    await write('poison', poisonLabels, [{ timestampMs: start + 3_000, value: 3 }]);
    expect(await sealer.sealRound()).toBe(0);
    const [again] = await warm.queryChunks(tenant, poisonKey, start, start);
    expect(Array.from(decodeChunk(again.chunk).values)).toEqual([1, 2, 3]);
    expect(await hot.backlog(partition)).toBe(0);
    expect(await metric('strata_writer_quarantined_windows_total')).toBe(2);
    expect(await metric('strata_writer_quarantine_windows')).toBe(1); // the same window, still one
  });

  it('seals a window of 4 h of noisy 100 ms data (144,000 points) over several items; it reads back exactly', async () => {
    const points = Array.from({ length: 144_000 }, (_, i) => ({ timestampMs: start + i * 100, value: Math.sin(i) * 1e6 + Math.random() }));
    for (let i = 0; i < points.length; i += 10_000) await write('noise', [{ name: 'res', value: '100ms' }], points.slice(i, i + 10_000));
    expect(await sealer.sealRound()).toBe(1);
    const [chunk] = await warm.queryChunks(tenant, keyOf('noise', [{ name: 'res', value: '100ms' }]), start, start);
    expect(chunk.chunk.length).toBeGreaterThan(3 * WARM_ITEM_PAYLOAD_BYTES);
    const decoded = decodeChunk(chunk.chunk);
    expect(Array.from(decoded.timestamps)).toEqual(points.map((p) => p.timestampMs));
    expect(Array.from(decoded.values)).toEqual(points.map((p) => p.value));
    expect(await metric('strata_writer_quarantined_windows_total')).toBe(2); // the poison's two, earlier
  });

  it('re-drives a quarantined window to its own partition once DynamoDB takes it; a key too long stays', async () => {
    expect(await redriveQuarantined(warm, { tenant, seriesKey: poisonKey, start })).toBe('key-too-long');
    const seriesKey = keyOf('healed', [{ name: 'host', value: 'a' }]);
    const chunk = { tenant, seriesKey, start, chunk: encodeChunk([{ timestampMs: start, value: 1 }, { timestampMs: start + 1, value: 2 }]), count: 2, sealOffset: 3 };
    await warm.quarantineWindow(chunk, new Error('refused while the table was misconfigured'));
    // A later seal reached the series' own partition with a newer value for one timestamp.
    await warm.putChunks([{ tenant, seriesKey, start, chunk: encodeChunk([{ timestampMs: start + 1, value: 20 }]), count: 1, sealOffset: 9 }]);
    expect(await redriveQuarantined(warm, { tenant, seriesKey, start })).toBe('redriven');
    const [merged] = await warm.queryChunks(tenant, seriesKey, start, start);
    expect(Array.from(decodeChunk(merged.chunk).values)).toEqual([1, 20]);
    expect((await warm.quarantinedWindows()).map((e) => e.seriesKey)).toEqual([poisonKey]);
  });
});
