import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { seriesKey, type Label } from '@strata/model';
import { Aggregation, QueryServiceClient, QueryServiceService, type ReadRequest, type ReadResponse } from '@strata/proto';
import { ApiKeyStore, createLogger, GrpcServer, tolerateMalformedRequests, workerEntry } from '@strata/runtime';
import { encodeChunk } from '@strata/storage/codec';
import { catalogDays, catalogKeyList, createRedis, hotKeys, RedisHotReader, RedisHotStore, RedisSeriesCatalog, seriesId, type Redis } from '@strata/storage/hot';
import { dropWarmTable } from '@strata/storage/testing';
import { createDynamoDb, DynamoWarmStore, ensureWarmTable, type DynamoDBClient } from '@strata/storage/warm';
import { Registry } from 'prom-client';
import { prng } from '@strata/testing';
import { ChunkDecoderSwitch } from './chunk-decoder';
import { DecodePool } from './decode-pool';
import { Fetcher } from './fetcher';
import { createQueryService } from './query-service';
import { ReadHandler } from './read-handler';
import { ReaderMetrics } from './reader-metrics';
import { ReadLimiter } from './read-limits';
import { LabelIndex } from './label-index';
import { SeriesLister } from './series-lister';
import { TEST_ADMISSION, TEST_LISTING } from '../test/reader-harness';
import { HotTierSource, WarmTierSource } from './tier-sources';

// The read path against the real local stack: data written with the writer's own
// storage API so that some points are only in Redis, some only in DynamoDB and some in
// both with different values; then many random Reads compared with an in-memory model.

const HOUR = 3_600_000;
const W = 2 * HOUR;
const RETENTION = 26 * HOUR;
const DAY0 = Date.UTC(2026, 10, 23);
const NOW = DAY0 + 12.5 * HOUR; // open window [12:00, 14:00)
const at = (hours: number) => DAY0 + hours * HOUR;
/** The first window the reader asks Redis for at NOW (end + 26 h + 1 h > now). */
const OLDEST_HOT = at(-16);
const FIRST_WINDOW = at(-48);
const SEED = Number(process.env['STRATA_SPEC_SEED'] ?? 20_261_123);

type Layer = Map<number, number>;
interface SeriesSpec {
  readonly name: string;
  readonly labels: Label[];
  readonly key: string;
}

const tenant = `ra${randomUUID().slice(0, 8)}`;
const otherTenant = `rb${randomUUID().slice(0, 8)}`;
const table = `strata_spec_${randomUUID().slice(0, 8)}`;
const partition = 4_000_000 + Math.floor(Math.random() * 1_000_000);
const SERIES: SeriesSpec[] = [
  { name: 'cpu.user', labels: [{ name: 'host', value: 'a' }] },
  { name: 'cpu.user', labels: [{ name: 'host', value: 'b' }, { name: 'dc', value: 'eu' }] },
  { name: 'mem.free', labels: [] },
].map((s) => ({ ...s, key: seriesKey(s.name, s.labels) }));

function readerStack(redis: Redis, dynamo: DynamoDBClient, pool: DecodePool | undefined, registry = new Registry()) {
  const metrics = new ReaderMetrics(registry);
  const logger = createLogger({ service: 'spec', level: 'silent' });
  const hot = new RedisHotReader(redis, { windowMs: W });
  const fetcher = new Fetcher({
    sources: [new HotTierSource(hot), new WarmTierSource(new DynamoWarmStore(dynamo, { tableName: table }))],
    // A low inline limit sends every wider read through the worker threads.
    decoder: new ChunkDecoderSwitch(pool, 8, metrics, 0),
    tierTimeoutMs: 10_000,
    metrics,
  });
  const limiter = new ReadLimiter(TEST_ADMISSION, metrics.admission);
  const reads = new ReadHandler({
    fetcher,
    limiter,
    settings: {
      limits: { maxSeriesPerRequest: 100, maxRangeMs: 30 * 24 * HOUR, maxPointsPerRequest: 1_000_000, pointsPerSeriesDay: 1_440, maxPointsPerMessage: 97, maxListSeries: 100 },
      concurrency: 2,
      planner: { windowMs: W, hotRetentionMs: RETENTION, futureGraceMs: 600_000 },
    },
    metrics,
    logger,
    now: () => NOW,
  });
  const lister = new SeriesLister({ index: new LabelIndex({ catalog: new RedisSeriesCatalog(redis), firstKeptDay: () => -Infinity }), limiter, limits: { maxResults: 100, ...TEST_LISTING }, metrics });
  return { metrics, registry, service: createQueryService({ keys: ApiKeyStore.parse(`key-a-secret:${tenant},key-b-secret:${otherTenant}`), reads, lister, metrics, logger }) };
}

async function serve(implementation: ReturnType<typeof createQueryService>) {
  const server = new GrpcServer({
    host: '127.0.0.1',
    port: 0,
    logger: createLogger({ service: 'spec', level: 'silent' }),
    services: [{ name: 'strata.v1.QueryService', definition: tolerateMalformedRequests(QueryServiceService), implementation }],
  });
  await server.start();
  const client = new QueryServiceClient(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  return {
    client,
    close: async () => {
      client.close();
      await server.stop(100);
    },
  };
}

function read(client: QueryServiceClient, request: Partial<ReadRequest>, key = 'key-a-secret') {
  return new Promise<{ messages: ReadResponse[]; error?: grpc.ServiceError }>((resolve) => {
    const metadata = new grpc.Metadata();
    metadata.set('x-api-key', key);
    const messages: ReadResponse[] = [];
    const stream = client.read({ matchers: [], series: [], fromMs: 0, toMs: 0, stepMs: 0, aggregation: Aggregation.AVG, ...request }, metadata);
    stream.on('data', (m: ReadResponse) => messages.push(m));
    stream.on('error', (error: grpc.ServiceError) => resolve({ messages, error }));
    stream.on('end', () => resolve({ messages }));
  });
}

/** Points per series key, reassembled from every message, checking each part continues in time order. */
function collect(messages: ReadResponse[]): Map<string, Array<[number, number]>> {
  const bySeries = new Map<string, Array<[number, number]>>();
  for (const message of messages) {
    for (const s of message.series) {
      const key = seriesKey(s.name, s.labels);
      const points = bySeries.get(key) ?? [];
      for (const p of s.points) {
        if (points.length > 0 && p.timestampMs <= points[points.length - 1][0]) throw new Error(`${key}: parts out of time order at ${p.timestampMs}`);
        points.push([p.timestampMs, p.value]);
      }
      bySeries.set(key, points);
    }
  }
  return bySeries;
}

/**
 * -0 arrives as 0: proto3 leaves out a double equal to the default (and -0 === 0), so
 * the sign of a zero cannot cross the wire. The model applies the same loss.
 */
const wire = (v: number) => (v === 0 ? 0 : v);

/** The model's answer: visible points in [from, to), rolled up naively (sum in time order). */
function expected(visible: Layer, from: number, to: number, step: number, aggregation: Aggregation): Array<[number, number]> {
  const points = [...visible].filter(([t]) => t >= from && t < to).sort((a, b) => a[0] - b[0]);
  if (step === 0) return points.map(([t, v]) => [t, wire(v)]);
  const buckets = new Map<number, number[]>();
  for (const [t, v] of points) {
    const b = Math.floor(t / step) * step;
    buckets.set(b, [...(buckets.get(b) ?? []), v]);
  }
  return [...buckets].map(([b, vs]) => {
    let sum = vs[0];
    for (let i = 1; i < vs.length; i++) sum += vs[i];
    const value = {
      [Aggregation.AVG]: sum / vs.length,
      [Aggregation.SUM]: sum,
      [Aggregation.MIN]: vs.reduce((a, v) => Math.min(a, v)),
      [Aggregation.MAX]: vs.reduce((a, v) => Math.max(a, v)),
      [Aggregation.COUNT]: vs.length,
      [Aggregation.LAST]: vs[vs.length - 1],
    }[aggregation as 0 | 1 | 2 | 3 | 4 | 5];
    return [b, wire(value)];
  });
}

describe('the read path against real Redis and DynamoDB Local', () => {
  const redis = createRedis({ url: process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
  const dynamo = createDynamoDb({ endpoint: process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000', region: 'us-east-1' });
  const store = new RedisHotStore(redis, { windowMs: W, sealGraceMs: 60_000, retentionMs: RETENTION });
  const warm = new DynamoWarmStore(dynamo, { tableName: table });
  const pool = new DecodePool({
    entry: workerEntry(__dirname, 'decode'),
    size: 2,
    maxQueue: 64,
    logger: createLogger({ service: 'spec', level: 'silent' }),
  });
  /** What a correct reader shows, per series key. */
  const visible = new Map<string, Layer>();
  const random = prng(SEED);
  let stack: ReturnType<typeof readerStack>;
  let server: Awaited<ReturnType<typeof serve>>;

  const points = (start: number, n: number): Layer => {
    const layer: Layer = new Map();
    while (layer.size < n) {
      const t = start + Math.floor(random() * W);
      // Mostly 2-decimal gauges (decimal encoding), some arbitrary floats (XOR encoding), an occasional -0.
      const r = random();
      layer.set(t, r < 0.7 ? Math.round((random() - 0.3) * 10_000) / 100 : r < 0.98 ? (random() - 0.5) * 1e6 : -0);
    }
    return layer;
  };
  const sorted = (layer: Layer) => [...layer].sort((a, b) => a[0] - b[0]).map(([timestampMs, value]) => ({ timestampMs, value }));
  const append = (s: SeriesSpec, layer: Layer, t = tenant) => store.append(partition, [{ tenant: t, seriesKey: s.key, index: catalogDays(sorted(layer)), points: sorted(layer) }]);
  const toWarm = (s: SeriesSpec, start: number, layer: Layer) =>
    warm.putChunks([{ tenant, seriesKey: s.key, start, chunk: encodeChunk(sorted(layer)), count: layer.size }]);
  /** Seals the open window the way the writer does, with `chunk` as the packed result. */
  const seal = async (s: SeriesSpec, start: number, chunk: Layer) => {
    const window = { tenant, seriesKey: s.key, start };
    await store.beginSeal(window);
    await store.finishSeal(window, partition, encodeChunk(sorted(chunk)), NOW);
  };
  const overlay = (...layers: Layer[]) => {
    const out: Layer = new Map();
    for (const layer of layers) for (const [t, v] of layer) out.set(t, v);
    return out;
  };
  const withDifferentValues = (layer: Layer, extra: Layer) => {
    const out: Layer = new Map([...layer].map(([t, v]) => [t, random() < 0.5 ? v + 1000 : v]));
    for (const [t, v] of extra) out.set(t, v);
    return out;
  };

  beforeAll(async () => {
    await ensureWarmTable(dynamo, table);
    for (const s of SERIES) {
      const model: Layer = new Map();
      for (let start = FIRST_WINDOW; start <= at(12); start += W) {
        const roll = random();
        let shown: Layer;
        if (start < OLDEST_HOT) {
          // Older than the hot retention: DynamoDB only.
          shown = points(start, 1 + Math.floor(random() * 60));
          await toWarm(s, start, shown);
        } else if (start === at(12) || roll < 0.15) {
          // Open, never sealed (the current window, or a writer behind): Redis only.
          shown = points(start, 1 + Math.floor(random() * 60));
          await append(s, shown);
        } else if (roll < 0.3) {
          // Redis lost the window (a restart without persistence): DynamoDB only.
          shown = points(start, 1 + Math.floor(random() * 60));
          await toWarm(s, start, shown);
        } else if (roll < 0.65) {
          // Sealed; DynamoDB holds an older seal (other values, and points Redis no longer
          // has); late points since then, some overwriting, wait in the open hash.
          const packed = points(start, 1 + Math.floor(random() * 60));
          await append(s, packed);
          await seal(s, start, packed);
          const warmOnly = points(start, Math.floor(random() * 10));
          for (const t of packed.keys()) warmOnly.delete(t);
          const inWarm = withDifferentValues(packed, warmOnly);
          await toWarm(s, start, inWarm);
          const late = overlay(points(start, Math.floor(random() * 10)), new Map([...packed].filter(() => random() < 0.2).map(([t]) => [t, random()])));
          if (late.size > 0) await append(s, late);
          shown = overlay(inWarm, packed, late);
        } else {
          // A seal interrupted half-way: points in the sealing hash, newer ones in the open hash.
          const packed = points(start, 1 + Math.floor(random() * 40));
          await append(s, packed);
          await seal(s, start, packed);
          const inWarm = withDifferentValues(packed, new Map());
          await toWarm(s, start, inWarm);
          const sealing = overlay(points(start, 1 + Math.floor(random() * 10)), new Map([...packed].filter(() => random() < 0.3).map(([t]) => [t, random() * 7])));
          await append(s, sealing);
          await store.beginSeal({ tenant, seriesKey: s.key, start });
          const open = overlay(points(start, Math.floor(random() * 5)), new Map([...sealing].filter(() => random() < 0.3).map(([t]) => [t, -random()])));
          if (open.size > 0) await append(s, open);
          shown = overlay(inWarm, packed, sealing, open);
        }
        for (const [t, v] of shown) model.set(t, v);
      }
      visible.set(s.key, model);
    }
    await pool.start();
    stack = readerStack(redis, dynamo, pool);
    server = await serve(stack.service);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await pool.stop();
    const keys = [hotKeys.due(partition), ...catalogKeyList(tenant), ...catalogKeyList(otherTenant)];
    for (const s of SERIES) {
      for (const t of [tenant, otherTenant]) {
        const sid = seriesId(t, s.key);
        for (let start = FIRST_WINDOW; start <= at(12); start += W) keys.push(hotKeys.open(sid, start), hotKeys.sealing(sid, start), hotKeys.packed(sid, start));
      }
    }
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    await dropWarmTable(dynamo, table);
    redis.disconnect();
    dynamo.destroy();
  });

  it('agrees exactly with the model for random ranges, steps and aggregations', async () => {
    const steps = [0, 0, 0, 1, 1_000, 60_000, 300_000, 420_000, HOUR, 5 * HOUR, 86_400_000];
    const aggregations = [Aggregation.AVG, Aggregation.MIN, Aggregation.MAX, Aggregation.SUM, Aggregation.COUNT, Aggregation.LAST];
    for (let i = 0; i < 80; i++) {
      const from = i % 10 === 0 ? FIRST_WINDOW + Math.floor(random() * 30) * W : at(-50) + Math.floor(random() * 64 * HOUR);
      const to = i % 7 === 0 ? Math.max(from + 1, at(14)) : from + 1 + Math.floor(random() * (random() < 0.3 ? 64 * HOUR : 4 * HOUR));
      const step = random() < 0.1 ? 1 + Math.floor(random() * 10_000_000) : steps[Math.floor(random() * steps.length)];
      const aggregation = aggregations[Math.floor(random() * aggregations.length)];
      const chosen = SERIES.filter(() => random() < 0.6);
      const selected = chosen.length > 0 ? chosen : [SERIES[0]];
      const request = { series: selected.map((s) => ({ name: s.name, labels: [...s.labels].reverse() })), fromMs: from, toMs: to, stepMs: step, aggregation };
      const { messages, error } = await read(server.client, request);
      const context = `seed ${SEED}, read ${i}: ${JSON.stringify({ ...request, series: selected.map((s) => s.key) })}`;
      if (error) throw new Error(`${context}: ${error.message}`);
      expect({ context, warnings: messages.flatMap((m) => m.warnings) }).toEqual({ context, warnings: [] });
      expect(messages.every((m) => m.series.reduce((n, s) => n + s.points.length, 0) <= 97)).toBe(true);
      const got = collect(messages);
      for (const s of selected) {
        const want = expected(visible.get(s.key)!, from, to, step, aggregation);
        expect({ context, series: s.key, points: got.get(s.key) ?? [] }).toEqual({ context, series: s.key, points: want });
      }
    }
  });

  it('decoded the wider reads in worker threads', async () => {
    const values = (await stack.metrics.chunksDecoded.get()).values;
    expect(values.find((v) => v.labels.where === 'worker')?.value ?? 0).toBeGreaterThan(0);
    expect(values.find((v) => v.labels.where === 'inline')?.value ?? 0).toBeGreaterThan(0);
  });

  it('keeps tenants apart: another tenant’s key reads and lists nothing of this tenant', async () => {
    const request = { series: SERIES.map((s) => ({ name: s.name, labels: s.labels })), fromMs: FIRST_WINDOW, toMs: at(14) };
    const mine = await read(server.client, request);
    expect(collect(mine.messages).size).toBe(SERIES.length);
    const theirs = await read(server.client, request, 'key-b-secret');
    expect(theirs.error).toBeUndefined();
    expect(theirs.messages.flatMap((m) => m.series)).toEqual([]);
    const list = (key: string) =>
      new Promise<string[]>((resolve, reject) => {
        const metadata = new grpc.Metadata();
        metadata.set('x-api-key', key);
        server.client.listSeries({ match: '*', matchers: [], fromMs: 0, toMs: 0 }, metadata, (error, response) => (error ? reject(error) : resolve(response.series.map((s) => seriesKey(s.name, s.labels)))));
      });
    expect(await list('key-a-secret')).toEqual(SERIES.map((s) => s.key).sort());
    expect(await list('key-b-secret')).toEqual([]);
  });

  it('returns what Redis has, with a warning naming the missing range, when DynamoDB is unreachable', async () => {
    const deadDynamo = createDynamoDb({ endpoint: 'http://127.0.0.1:1', region: 'us-east-1' });
    const broken = await serve(readerStack(redis, deadDynamo, undefined).service);
    try {
      const s = SERIES[0];
      const { messages, error } = await read(broken.client, { series: [{ name: s.name, labels: s.labels }], fromMs: at(-24), toMs: at(14) });
      expect(error).toBeUndefined();
      const warnings = messages.flatMap((m) => m.warnings);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`warm tier (DynamoDB) failed for 1 of 1 series (${s.key})`);
      expect(warnings[0]).toContain(`points in [${new Date(at(-24)).toISOString()}, ${new Date(OLDEST_HOT).toISOString()})`);
      // Every point returned is one Redis holds; none of DynamoDB's.
      const got = collect(messages).get(s.key) ?? [];
      const hotOnly = await new RedisHotReader(redis, { windowMs: W }).read(tenant, s.key, OLDEST_HOT, at(14));
      expect(got).toEqual(Array.from(hotOnly.timestamps, (t, i) => [t, wire(hotOnly.values[i])]));
      expect(got.length).toBeGreaterThan(0);
    } finally {
      await broken.close();
      deadDynamo.destroy();
    }
  });

  it('fails UNAVAILABLE, naming the series, when Redis is unreachable', async () => {
    const deadRedis = createRedis({ url: 'redis://127.0.0.1:1', maxRetriesPerRequest: 1 });
    deadRedis.on('error', () => undefined);
    const broken = await serve(readerStack(deadRedis, dynamo, undefined).service);
    try {
      const s = SERIES[1];
      const { messages, error } = await read(broken.client, { series: [{ name: s.name, labels: s.labels }], fromMs: at(-24), toMs: at(14) });
      expect(messages.flatMap((m) => m.series)).toEqual([]);
      expect(error?.code).toBe(grpc.status.UNAVAILABLE);
      expect(error?.details).toContain(`hot tier (Redis) failed reading ${s.key}`);
    } finally {
      await broken.close();
      deadRedis.disconnect();
      // ioredis arms a 2 s "destroy the socket" timer on disconnect even when the socket is
      // already closed; let it fire so no timer outlives the spec.
      await new Promise((resolve) => setTimeout(resolve, 2_100));
    }
  });
});
