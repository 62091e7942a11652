import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { seriesKey, type Label } from '@strata/model';
import { Aggregation, QueryServiceClient, QueryServiceService, type ReadRequest, type ReadResponse } from '@strata/proto';
import { ApiKeyStore, createLogger, GrpcServer, tolerateMalformedRequests, workerEntry } from '@strata/runtime';
import { DAY_MS } from '@strata/storage';
import { encodeChunk } from '@strata/storage/codec';
import { BlockKind, ColdReader, createColdS3, dayIso, dayNumber, monthFirstDay, monthOfDay, S3ObjectStore, createS3, type ColdReaderEvents } from '@strata/storage/cold';
import { createRedis, LateWriteLedger, RedisHotReader, RedisSeriesCatalog } from '@strata/storage/hot';
import { dropBucket, dropWarmTable } from '@strata/storage/testing';
import { createDynamoDb, DynamoWarmStore, ensureWarmTable } from '@strata/storage/warm';
import { Registry } from 'prom-client';
import { prng } from '@strata/testing';
import { ChunkDecoderSwitch } from './chunk-decoder';
import { ColdTierSource } from './cold-source';
import { DecodePool } from './decode-pool';
import { Fetcher } from './fetcher';
import { createQueryService } from './query-service';
import { ReadHandler } from './read-handler';
import { ReaderMetrics } from './reader-metrics';
import { ReadLimiter } from './read-limits';
import { LabelIndex } from './label-index';
import { SeriesLister } from './series-lister';
import { TEST_ADMISSION, TEST_LISTING } from '../test/reader-harness';
import { ColdArchivedSeries } from './archived-series';
import { PromqlQueries } from './promql-queries';
import { evaluate, parsePromql, PUSHED_DOWN, type QueryValue, type StoredSeries } from '@strata/promql';
import { prometheusLabels } from '@strata/prometheus';
import { HotTierSource, WarmTierSource } from './tier-sources';
import { WarmPruner } from './warm-pruner';

// The cold read path end to end: chunks written to DynamoDB Local, moved to S3 (moto) by
// the archiver bundle itself, late points left in DynamoDB on top, then many random Reads
// through the in-process QueryService compared exactly with an in-memory model, rollups
// included; and S3 going away mid-read. Chunks are recorded in the late-write ledger as the
// writer records them, so reads of archived days skip DynamoDB where the archiver marked
// them clean.

const HOUR = 3_600_000;
const W = 2 * HOUR;
const DAY = DAY_MS;
const NOW = Date.now();
const TODAY = dayNumber(NOW);
// Five days across the boundary of two complete months, older than the default 14-day warm span.
const BOUNDARY = monthFirstDay(monthOfDay(TODAY - 50));
const ARCHIVED = [BOUNDARY - 2, BOUNDARY - 1, BOUNDARY, BOUNDARY + 1, BOUNDARY + 2];
/** Archived, then late points arrive and the day is archived again. */
const REARCHIVED = ARCHIVED[1];
/** Archived, then late points arrive and stay in DynamoDB: its buckets fall back to raw. */
const DIRTY = ARCHIVED[3];
/** Never archived (an archiver behind): DynamoDB only. */
const WARM_ONLY = ARCHIVED[4] + 1;
const ALL_DAYS = [...ARCHIVED, WARM_ONLY];
const SEED = Number(process.env['STRATA_SPEC_SEED'] ?? 20_261_124);
const BUNDLE = join(__dirname, '../../../dist/apps/archiver/main.js');
const DYNAMO = process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000';
const S3 = process.env['STRATA_S3_ENDPOINT'] ?? 'http://127.0.0.1:8333';
const STORED_RESOLUTIONS = [DAY, HOUR, 300_000];

type Layer = Map<number, number>;
interface SeriesSpec {
  readonly name: string;
  readonly labels: Label[];
  readonly key: string;
}

const id = randomUUID().slice(0, 8);
const tenant = `cr${id}`;
const table = `strata_cold_${id}`;
const bucket = `strata-cold-spec-${id}`;
const SERIES: SeriesSpec[] = [
  { name: 'cpu.user', labels: [{ name: 'host', value: 'a' }] },
  { name: 'cpu.user', labels: [{ name: 'host', value: 'b' }, { name: 'dc', value: 'eu' }] },
  { name: 'mem.free', labels: [] },
  { name: 'sparse', labels: [{ name: 'k', value: 'v' }] },
  { name: 'dense', labels: [{ name: 'k', value: 'v' }] },
].map((s) => ({ ...s, key: seriesKey(s.name, s.labels) }));

const wire = (v: number) => (v === 0 ? 0 : v);
/** Served buckets whose folded sum differs from the point-by-point sum: proof that rows, not raw points, answered them. */
let foldedDiffers = 0;

function runArchiver(args: string[]): Promise<{ code: number | null; output: string }> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: build it first (npx nx build archiver)`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BUNDLE, ...args], {
      env: {
        ...process.env,
        STRATA_DYNAMODB_ENDPOINT: DYNAMO,
        STRATA_DYNAMODB_TABLE: table,
        STRATA_S3_ENDPOINT: S3,
        STRATA_S3_BUCKET: bucket,
        STRATA_ARCHIVE_LOOKBACK_DAYS: String(TODAY - ARCHIVED[0] + 1),
        STRATA_ARCHIVE_DELETE_DELAY_MS: '0',
        STRATA_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/**
 * The expected answer. Raw reads: the visible points. Rollup reads: one point per
 * non-empty bucket; a bucket inside [from, to) whose days are all archived and in which
 * DynamoDB holds no point is answered from the stored rows of the largest stored
 * resolution dividing the step, folded in time order (sum of sub-bucket sums); every other
 * bucket adds its points one by one in time order.
 */
function expected(
  visible: Layer,
  warmTimes: readonly number[],
  from: number,
  to: number,
  step: number,
  aggregation: Aggregation,
  /** Archived days whose block stores no 5 m rows for the series: their buckets are raw at 5 m resolution. */
  withoutM5: ReadonlySet<number> = new Set(),
): Array<[number, number]> {
  const points = [...visible].filter(([t]) => t >= from && t < to).sort((a, b) => a[0] - b[0]);
  if (step === 0) return points.map(([t, v]) => [t, wire(v)]);
  const resolution = STORED_RESOLUTIONS.find((r) => step % r === 0);
  const archived = new Set(ARCHIVED);
  const buckets = new Map<number, Array<[number, number]>>();
  for (const [t, v] of points) {
    const b = Math.floor(t / step) * step;
    const bucket = buckets.get(b);
    if (bucket) bucket.push([t, v]);
    else buckets.set(b, [[t, v]]);
  }
  const stats = (vs: number[]) => {
    let sum = vs[0];
    for (let i = 1; i < vs.length; i++) sum += vs[i];
    return { min: vs.reduce((a, v) => Math.min(a, v)), max: vs.reduce((a, v) => Math.max(a, v)), sum, count: vs.length, last: vs[vs.length - 1] };
  };
  return [...buckets].map(([b, inBucket]) => {
    let served = resolution !== undefined && b >= from && b + step <= to && !warmTimes.some((t) => t >= b && t < b + step);
    for (let d = Math.floor(b / DAY); served && d <= Math.floor((b + step - 1) / DAY); d++) served = archived.has(d) && !(resolution === 300_000 && withoutM5.has(d));
    let s: { min: number; max: number; sum: number; count: number; last: number };
    if (served) {
      const rows = new Map<number, number[]>();
      for (const [t, v] of inBucket) {
        const row = Math.floor(t / resolution!) * resolution!;
        const values = rows.get(row);
        if (values) values.push(v);
        else rows.set(row, [v]);
      }
      const parts = [...rows].sort((x, y) => x[0] - y[0]).map(([, vs]) => stats(vs));
      s = parts.reduce((acc, p) => ({ min: Math.min(acc.min, p.min), max: Math.max(acc.max, p.max), sum: acc.sum + p.sum, count: acc.count + p.count, last: p.last }));
      if (s.sum !== stats(inBucket.map(([, v]) => v)).sum) foldedDiffers++;
    } else {
      s = stats(inBucket.map(([, v]) => v));
    }
    const value = { [Aggregation.AVG]: s.sum / s.count, [Aggregation.SUM]: s.sum, [Aggregation.MIN]: s.min, [Aggregation.MAX]: s.max, [Aggregation.COUNT]: s.count, [Aggregation.LAST]: s.last }[
      aggregation as 0 | 1 | 2 | 3 | 4 | 5
    ];
    return [b, wire(value)];
  });
}

function read(client: QueryServiceClient, request: Partial<ReadRequest>) {
  return new Promise<{ messages: ReadResponse[]; error?: grpc.ServiceError }>((resolve) => {
    const metadata = new grpc.Metadata();
    metadata.set('x-api-key', 'key-cold-secret');
    const messages: ReadResponse[] = [];
    const stream = client.read({ matchers: [], series: [], fromMs: 0, toMs: 0, stepMs: 0, aggregation: Aggregation.AVG, ...request }, metadata);
    stream.on('data', (m: ReadResponse) => messages.push(m));
    stream.on('error', (error: grpc.ServiceError) => resolve({ messages, error }));
    stream.on('end', () => resolve({ messages }));
  });
}

function collect(messages: ReadResponse[]): Map<string, Array<[number, number]>> {
  const bySeries = new Map<string, Array<[number, number]>>();
  for (const message of messages) {
    for (const s of message.series) {
      const key = seriesKey(s.name, s.labels);
      const points = bySeries.get(key) ?? [];
      for (const p of s.points) points.push([p.timestampMs, p.value]);
      bySeries.set(key, points);
    }
  }
  return bySeries;
}

describe('reading archived days back through the cold tier (archiver bundle, DynamoDB Local, moto)', () => {
  const redis = createRedis({ url: process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
  const dynamo = createDynamoDb({ endpoint: DYNAMO, region: 'us-east-1' });
  const warm = new DynamoWarmStore(dynamo, { tableName: table });
  const ledger = new LateWriteLedger(redis);
  const s3 = createColdS3({ endpoint: S3, region: 'us-east-1', bucket, forcePathStyle: true, prefix: '' });
  const logger = createLogger({ service: 'spec', level: 'silent' });
  const pool = new DecodePool({ entry: workerEntry(__dirname, 'decode'), size: 2, maxQueue: 64, logger });
  const random = prng(SEED);
  const visible = new Map<string, Layer>();
  /** Timestamps of points DynamoDB still holds (late points, the unarchived day), per series. */
  const warmTimes = new Map<string, number[]>();
  const servers: Array<{ close(): Promise<void> }> = [];

  const serve = async (cold: ColdReader | undefined) => {
    const metrics = new ReaderMetrics(new Registry());
    const coldSource = cold && new ColdTierSource(cold);
    const fetcher = new Fetcher({
      sources: [new HotTierSource(new RedisHotReader(redis, { windowMs: W })), new WarmTierSource(warm), ...(coldSource ? [coldSource] : [])],
      decoder: new ChunkDecoderSwitch(pool, 8, metrics, 0),
      tierTimeoutMs: 10_000,
      metrics,
    });
    const limiter = new ReadLimiter(TEST_ADMISSION, metrics.admission);
    const reads = new ReadHandler({
      fetcher,
      limiter,
      ...(coldSource && { warmPruner: new WarmPruner({ ledger, cold: coldSource, metrics, logger }) }),
      settings: {
        limits: { maxSeriesPerRequest: 100, maxRangeMs: 500 * DAY, maxPointsPerRequest: 5_000_000, pointsPerSeriesDay: 1_440, maxPointsPerMessage: 997, maxListSeries: 100 },
        concurrency: 2,
        planner: { windowMs: W, hotRetentionMs: 26 * HOUR, futureGraceMs: 600_000, cold: cold !== undefined },
      },
      metrics,
      logger,
      now: () => NOW,
    });
    const service = createQueryService({
      keys: ApiKeyStore.parse(`key-cold-secret:${tenant}`),
      reads,
      lister: new SeriesLister({ index: new LabelIndex({ catalog: new RedisSeriesCatalog(redis), firstKeptDay: () => -Infinity }), limiter, limits: { maxResults: 100, ...TEST_LISTING }, metrics }),
      metrics,
      logger,
    });
    const server = new GrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger,
      services: [{ name: 'strata.v1.QueryService', definition: tolerateMalformedRequests(QueryServiceService), implementation: service }],
    });
    await server.start();
    const client = new QueryServiceClient(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    const pruned = async (result: string) => (await metrics.warmPruning.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
    // Selectors find the archived series through the cold tier's block indexes.
    const index = new LabelIndex({ catalog: new RedisSeriesCatalog(redis), ...(cold && { archived: new ColdArchivedSeries(cold, () => NOW) }), firstKeptDay: () => -Infinity, now: () => NOW });
    const promql = new PromqlQueries({
      lister: new SeriesLister({ index, limiter, limits: { maxResults: 100, ...TEST_LISTING }, metrics }),
      reads,
      limits: { maxSamples: 50_000_000, timeoutMs: 60_000, lookbackMs: 300_000 },
    });
    const handle = {
      client,
      pruned,
      promql,
      close: async () => {
        client.close();
        await server.stop(100);
      },
    };
    servers.push(handle);
    return handle;
  };
  const coldReader = (events?: ColdReaderEvents, store = s3.store) => new ColdReader(store, { keys: s3.keys, manifestTtlMs: 60_000, ...(events && { events }) });
  /**
   * Points of a day: most windows hold 1 to `perWindow` random points, mostly 2-decimal
   * gauges, some full floats, an occasional -0. At the default 50, a day's 5 m rows would
   * cost more than its points and are not stored; `dense` series (300) keep theirs.
   */
  const dayPoints = (day: number, perWindow = 50): Layer => {
    const layer: Layer = new Map();
    for (let w = 0; w < 12; w++) {
      if (random() < 0.15) continue;
      for (let n = 1 + Math.floor(random() * perWindow); n > 0; n--) {
        const r = random();
        layer.set(day * DAY + w * W + Math.floor(random() * W), r < 0.75 ? Math.round((random() - 0.3) * 10_000) / 100 : r < 0.98 ? (random() - 0.5) * 1e6 : -0);
      }
    }
    return layer;
  };
  const put = async (s: SeriesSpec, layer: Layer) => {
    const byWindow = new Map<number, Array<[number, number]>>();
    for (const [t, v] of layer) byWindow.set(Math.floor(t / W) * W, [...(byWindow.get(Math.floor(t / W) * W) ?? []), [t, v]]);
    await warm.putChunks(
      [...byWindow].map(([start, points]) => {
        const sorted = points.sort((a, b) => a[0] - b[0]);
        return { tenant, seriesKey: s.key, start, chunk: encodeChunk(sorted.map(([timestampMs, value]) => ({ timestampMs, value }))), count: sorted.length };
      }),
    );
    // As the writer does once chunks of past days are durable.
    await ledger.recordWrites([...byWindow.keys()].map((start) => ({ tenant, day: dayNumber(start) })));
  };
  /** Late points for a day: new timestamps and new values for some archived ones. */
  const latePoints = (s: SeriesSpec, day: number): Layer => {
    const late: Layer = new Map();
    for (let i = 0; i < 6; i++) late.set(day * DAY + Math.floor(random() * DAY), Math.round(random() * 10_000) / 100);
    for (const [t] of [...visible.get(s.key)!].filter(([t]) => t >= day * DAY && t < (day + 1) * DAY && random() < 0.05)) late.set(t, -Math.round(random() * 100) / 10);
    return late;
  };

  beforeAll(async () => {
    await ensureWarmTable(dynamo, table);
    for (const s of SERIES) {
      const model: Layer = new Map();
      for (const day of ARCHIVED) {
        if (s.name === 'sparse' && day % 2 === 0) continue;
        const layer = dayPoints(day, s.name === 'dense' ? 300 : 50);
        await put(s, layer);
        for (const [t, v] of layer) model.set(t, v);
      }
      visible.set(s.key, model);
      warmTimes.set(s.key, []);
    }
    const first = await runArchiver(['--once']);
    if (first.code !== 0) throw new Error(`the archiver failed:\n${first.output}`);
    // Late points for two archived days; one of them is archived again.
    for (const s of SERIES) {
      for (const day of [REARCHIVED, DIRTY]) {
        const late = latePoints(s, day);
        await put(s, late);
        for (const [t, v] of late) visible.get(s.key)!.set(t, v);
        if (day === DIRTY) warmTimes.get(s.key)!.push(...late.keys());
      }
      const unarchived = dayPoints(WARM_ONLY);
      await put(s, unarchived);
      for (const [t, v] of unarchived) visible.get(s.key)!.set(t, v);
      warmTimes.get(s.key)!.push(...unarchived.keys());
    }
    const again = await runArchiver(['--day', dayIso(REARCHIVED)]);
    if (again.code !== 0) throw new Error(`the archiver failed:\n${again.output}`);
    await pool.start();
  }, 180_000);

  afterAll(async () => {
    for (const day of ALL_DAYS) await redis.hdel(`d:{${day}}:late`, `w:${tenant}`, `c:${tenant}`);
    for (const server of servers) await server.close();
    await pool.stop();
    await dropWarmTable(dynamo, table);
    await dropBucket(s3.client, bucket);
    s3.client.destroy();
    redis.disconnect();
    dynamo.destroy();
  });

  it('left in DynamoDB only the late points of the dirty day and the unarchived day', async () => {
    for (const s of SERIES) {
      const chunks = await warm.queryChunks(tenant, s.key, ARCHIVED[0] * DAY, (WARM_ONLY + 1) * DAY);
      expect(new Set(chunks.map((c) => dayNumber(c.start)))).toEqual(new Set([DIRTY, WARM_ONLY]));
    }
  });

  it('skips DynamoDB for a read of clean archived days only, and queries it for a day with late chunks', async () => {
    const { client, pruned } = await serve(coldReader());
    const s = SERIES[0];
    for (const [day, result] of [
      [ARCHIVED[0], 'skipped'],
      [REARCHIVED, 'skipped'],
      [DIRTY, 'queried'],
      [WARM_ONLY, 'queried'],
    ] as const) {
      const before = await pruned(result);
      const { messages, error } = await read(client, { series: [{ name: s.name, labels: s.labels }], fromMs: day * DAY, toMs: (day + 1) * DAY, stepMs: 0 });
      expect(error).toBeUndefined();
      expect(collect(messages).get(s.key) ?? []).toEqual(expected(visible.get(s.key)!, warmTimes.get(s.key)!, day * DAY, (day + 1) * DAY, 0, Aggregation.AVG));
      expect({ day: dayIso(day), [result]: (await pruned(result)) - before }).toEqual({ day: dayIso(day), [result]: 1 });
    }
  });

  it('agrees exactly with the model for random ranges, steps and aggregations', async () => {
    const { client, pruned } = await serve(coldReader());
    const steps = [0, 0, 1_000, 60_000, 300_000, 600_000, 420_000, HOUR, 2 * HOUR, 5 * HOUR, DAY, 2 * DAY, 7 * DAY];
    const aggregations = [Aggregation.AVG, Aggregation.MIN, Aggregation.MAX, Aggregation.SUM, Aggregation.COUNT, Aggregation.LAST];
    const span = (ALL_DAYS.length + 2) * DAY;
    const base = (ARCHIVED[0] - 1) * DAY;
    const cases: Array<{ from: number; to: number; step: number; aggregation: Aggregation }> = [
      // Whole days and whole range at each stored resolution: served from rollups.
      ...[DAY, HOUR, 300_000].flatMap((step) => aggregations.map((aggregation) => ({ from: base, to: base + span, step, aggregation }))),
      { from: base, to: base + span, step: 0, aggregation: Aggregation.AVG },
    ];
    for (let i = 0; i < 70; i++) {
      const from = i % 5 === 0 ? base + Math.floor(random() * 8) * DAY : base + Math.floor(random() * span);
      const to = Math.min(base + span, from + 1 + Math.floor(random() * (random() < 0.5 ? span : 30 * HOUR)));
      cases.push({ from, to, step: random() < 0.1 ? 1 + Math.floor(random() * 10_000_000) : steps[Math.floor(random() * steps.length)], aggregation: aggregations[Math.floor(random() * 6)] });
    }
    // Which archived days store no 5 m rows for each series, as the day blocks' indexes say.
    const reader = coldReader();
    const withoutM5 = new Map(SERIES.map((s) => [s.key, new Set<number>()]));
    let withM5 = 0;
    for (const day of ARCHIVED) {
      const entry = (await reader.day(tenant, day))!;
      for (const s of SERIES) {
        const found = await reader.seriesParts(tenant, BlockKind.Day, day, entry, s.key, ['m5']);
        if (!found) continue;
        if (found.parts.m5!.length === 0) withoutM5.get(s.key)!.add(day);
        else withM5++;
      }
    }
    // Both kinds are read: days with 5 m rows (the dense series) and days without.
    expect(withM5).toBeGreaterThan(0);
    expect([...withoutM5.values()].reduce((n, days) => n + days.size, 0)).toBeGreaterThan(0);
    for (const [i, { from, to, step, aggregation }] of cases.entries()) {
      const selected = SERIES.filter(() => random() < 0.7);
      const chosen = selected.length > 0 ? selected : [SERIES[0]];
      const request = { series: chosen.map((s) => ({ name: s.name, labels: s.labels })), fromMs: from, toMs: to, stepMs: step, aggregation };
      const context = `seed ${SEED}, read ${i}: ${JSON.stringify({ ...request, series: chosen.map((s) => s.key) })}`;
      const { messages, error } = await read(client, request);
      if (error) throw new Error(`${context}: ${error.message}`);
      expect({ context, warnings: messages.flatMap((m) => m.warnings) }).toEqual({ context, warnings: [] });
      const got = collect(messages);
      for (const s of chosen) {
        const want = expected(visible.get(s.key)!, warmTimes.get(s.key)!, from, to, step, aggregation, withoutM5.get(s.key));
        expect({ context, series: s.key, points: got.get(s.key) ?? [] }).toEqual({ context, series: s.key, points: want });
      }
    }
    expect(foldedDiffers).toBeGreaterThan(0);
    // Both kinds of plan were exercised: ranges of clean archived days without DynamoDB, others with it.
    expect(await pruned('skipped')).toBeGreaterThan(0);
    expect(await pruned('queried')).toBeGreaterThan(0);
  }, 120_000);

  it('reads a 460-day range at a 1-day step with a few S3 requests: year catalogs, year rollup blocks, the dirty day', async () => {
    const counts = { catalog: 0, list: 0, manifest: 0, index: 0, range: 0, block: 0 };
    const { client } = await serve(coldReader({ onRequest: (kind) => counts[kind]++ }));
    const s = SERIES[0];
    const to = (TODAY - 1) * DAY;
    const request = { series: [{ name: s.name, labels: s.labels }], fromMs: to - 460 * DAY, toMs: to, stepMs: DAY, aggregation: Aggregation.MAX };
    const first = await read(client, request);
    expect(first.error).toBeUndefined();
    expect(collect(first.messages).get(s.key)).toEqual(expected(visible.get(s.key)!, warmTimes.get(s.key)!, request.fromMs, to, DAY, Aggregation.MAX));
    const yearOf = (day: number) => new Date(day * DAY).getUTCFullYear();
    const years = yearOf(TODAY - 2) - yearOf(dayNumber(request.fromMs)) + 1;
    const archivedYears = new Set(ARCHIVED.map(yearOf)).size;
    // One catalog GET per year (a year with nothing archived has none: one LIST finds no
    // manifest either); the archived years' year rollup blocks answer every 1 d bucket but
    // those of the dirty day, read raw from its day block. All these blocks are small: one
    // GET each, whole.
    expect(counts).toEqual({ catalog: years, list: years - archivedYears, manifest: 0, index: 0, range: 0, block: archivedYears + 1 });
    const second = await read(client, request);
    expect(collect(second.messages)).toEqual(collect(first.messages));
    // Catalogs, indexes and the sections read are cached: the same read again costs no request.
    expect(counts).toEqual({ catalog: years, list: years - archivedYears, manifest: 0, index: 0, range: 0, block: archivedYears + 1 });
  });

  it('answers PromQL range functions over aligned days and hours from stored rows, exactly as over raw points', async () => {
    const counts = { catalog: 0, list: 0, manifest: 0, index: 0, range: 0, block: 0 };
    const { promql } = await serve(coldReader({ onRequest: (kind) => counts[kind]++ }));
    // The reference: the same engine over the model's raw points.
    const raw = {
      async select(): Promise<StoredSeries[]> {
        return SERIES.filter((s) => s.name === 'cpu.user').map((s) => {
          const points = [...visible.get(s.key)!].sort((a, b) => a[0] - b[0]);
          return { labels: prometheusLabels(s.name, s.labels), t: points.map(([t]) => t), v: points.map(([, v]) => v) };
        });
      },
    };
    const sorted = (v: QueryValue) => JSON.stringify(v);
    const end = (ALL_DAYS[ALL_DAYS.length - 1] + 1) * DAY;
    let compared = 0;
    for (const fn of PUSHED_DOWN) {
      for (const [range, step] of [['1d', DAY], ['2d', DAY], ['1h', HOUR], ['3h', HOUR]] as const) {
        const query = parsePromql(`${fn}({"cpu.user"}[${range}])`);
        const window = { startMs: ARCHIVED[0] * DAY, endMs: end, stepMs: step };
        const controller = new AbortController();
        const got = await promql.run(tenant, query, window, controller.signal);
        const want = await evaluate(query, window, raw);
        if (fn === 'sum_over_time' || fn === 'avg_over_time') {
          // Values of both signs: read raw (pushdown.ts), so equal to the bit as well.
          expect(sorted(got.value)).toBe(sorted(want));
        } else {
          expect({ query: `${fn}[${range}]`, value: got.value }).toEqual({ query: `${fn}[${range}]`, value: want });
        }
        compared++;
      }
    }
    expect(compared).toBe(PUSHED_DOWN.size * 4);
    // A 460-day max_over_time at a 1 d step: the year rollup blocks and the dirty day's raw
    // block, not a day block per archived day.
    counts.block = 0;
    const to = (TODAY - 1) * DAY;
    const query = parsePromql('max_over_time({"cpu.user"}[1d])');
    const window = { startMs: to - 459 * DAY, endMs: to, stepMs: DAY };
    const cold = await serve(coldReader({ onRequest: (kind) => counts[kind]++ }));
    counts.block = 0;
    const got = await cold.promql.run(tenant, query, window, new AbortController().signal);
    expect(got.value).toEqual(await evaluate(query, window, raw));
    const archivedYears = new Set(ARCHIVED.map((day) => new Date(day * DAY).getUTCFullYear())).size;
    expect(counts.block).toBeLessThanOrEqual(archivedYears + 1);
  }, 120_000);

  it('returns the rest with a warning naming the range when S3 is unreachable', async () => {
    const dead = createS3({ endpoint: 'http://127.0.0.1:1', region: 'us-east-1', forcePathStyle: true, maxAttempts: 1 });
    try {
      const { client } = await serve(coldReader(undefined, new S3ObjectStore(dead, bucket)));
      const s = SERIES[1];
      const from = ARCHIVED[0] * DAY;
      const to = (WARM_ONLY + 1) * DAY;
      for (const step of [0, HOUR]) {
        const { messages, error } = await read(client, { series: [{ name: s.name, labels: s.labels }], fromMs: from, toMs: to, stepMs: step, aggregation: Aggregation.COUNT });
        expect(error).toBeUndefined();
        const warnings = messages.flatMap((m) => m.warnings);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain(`cold tier (S3) failed for 1 of 1 series (${s.key})`);
        expect(warnings[0]).toContain(`points in [${new Date(from).toISOString()}, ${new Date(to).toISOString()})`);
        // What DynamoDB holds (the late points and the unarchived day) still comes back.
        const warmOnly: Layer = new Map([...visible.get(s.key)!].filter(([t]) => warmTimes.get(s.key)!.includes(t)));
        expect(warmOnly.size).toBeGreaterThan(0);
        expect(collect(messages).get(s.key) ?? []).toEqual(expected(warmOnly, warmTimes.get(s.key)!, from, to, step, Aggregation.COUNT));
      }
    } finally {
      dead.destroy();
    }
  });
});
