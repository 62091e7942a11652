/* eslint-disable no-console -- a benchmark prints its numbers */
// Read-path benchmark: points written through ingest -> Kafka -> writer -> Redis ->
// DynamoDB, old days moved to S3 by the archiver's one-shot run, then read back through the
// reader, all as separate processes on the local stack. Prints numbers; asserts nothing.
// Run: npm run bench (or npx tsx tools/bench/src/read-bench.ts)
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { seriesKey } from '@strata/model';
import { ServiceProcesses, SERVICES, withPortOffset } from '@strata/launcher';
import { Aggregation, IngestServiceClient, QueryServiceClient, type ReadRequest, type Series, type WriteRequest } from '@strata/proto';
import { histogramQuantile, MetricSnapshot } from '@strata/runtime';
import { startStack } from '@strata/stack';
import { DAY_MS } from '@strata/storage';
import { createColdS3 } from '@strata/storage/cold';
import { catalogKeyList, createRedis, hotKeys, seriesId } from '@strata/storage/hot';
import { dropBucket, dropWarmTable } from '@strata/storage/testing';
import { createDynamoDb, ensureWarmTable } from '@strata/storage/warm';
import { createKafka, ensureTopic } from '@strata/stream';
import { prng } from '@strata/testing';
import { scrapeMetric, waitFor } from './probes';
import { median, percentile } from './stats';
import { runBench } from './run-bench';

const workspace = resolve(__dirname, '../../..');
const MINUTE = 60_000;
/** Days of 1-minute points of the long series: up to now, no older than the 460-day retention. */
const LONG_DAYS = 459;
/** Long series: the gRPC shapes read the first, PromQL's 460-day panel all of them. */
const LONG_SERIES = Number(process.env['BENCH_READ_LONG_SERIES'] ?? 10);
/** The 100-series set: 1-minute points over these whole days, all old enough to be archived. */
const HOSTS = 100;
const HOST_DAYS = 3;
const WARM_SPAN_DAYS = 2;
/** Queries per shape, and the most time a shape may take (whichever ends first). */
const SMALL_QUERIES = Number(process.env['BENCH_READ_SMALL_QUERIES'] ?? 200);
const LONG_QUERIES = Number(process.env['BENCH_READ_LONG_QUERIES'] ?? 50);
const SHAPE_SECONDS = Number(process.env['BENCH_READ_SHAPE_SECONDS'] ?? 45);
/** Which shapes to run, 1-based and comma-separated ("1,4"); all by default. */
const ONLY_SHAPES = (process.env['BENCH_READ_SHAPES'] ?? '').split(',').filter(Boolean).map(Number);
const POINTS_PER_REQUEST = 20_000;
const API_KEY = 'bench-read-key-0001';
/**
 * Queries run before each shape is measured, against another tenant's data (its own
 * objects, so none of the measured shape's sections is cached by them): they warm the
 * fresh reader process (JIT, connections), not its caches.
 */
const WARMUP_QUERIES = Number(process.env['BENCH_READ_WARMUP'] ?? 20);
const WARMUP_KEY = 'bench-read-warmup-0001';
const WARMUP_SERIES = 10;
const REDIS_DB = 3;

interface ShapeResult {
  readonly name: string;
  readonly target: string;
  readonly queries: number;
  readonly latencies: number[];
  readonly points: number[];
  readonly firstS3: Record<string, number>;
  readonly restS3: Record<string, number>;
  /** The reader's own view (its histograms, warm-up and first query included): "what p50 / p99". */
  readonly readerSide: string[];
  readonly warmup: number[];
}

async function main(): Promise<void> {
  const began = Date.now();
  const runId = randomUUID().slice(0, 8);
  const tenant = `readbench${runId}`;
  const warmTenant = `readbench${runId}w`;
  const topic = `strata.readbench.${runId}`;
  const table = `strata_readbench_${runId}`;
  // A group of its own: the writer keeps per-group offsets in Redis, and another bench's
  // writer in the default group would share the partitions of the shared Kafka with it.
  const group = `strata-readbench-${runId}`;
  const bucket = `strata-readbench-${runId}`;
  const stack = await startStack({ env: process.env, logger: { info: () => undefined, warn: (l) => console.warn(l) }, repoRoot: workspace });
  const env = stack.clientEnv;
  const redisUrl = `${env['STRATA_REDIS_URL']}/${REDIS_DB}`;
  const kafka = createKafka({ brokers: [env['STRATA_KAFKA_BROKERS']], clientId: 'strata-read-bench', topic, logLevel: 'error' });
  await ensureTopic(kafka, { topic, partitions: 8, replicationFactor: 1 });
  const dynamo = createDynamoDb({ endpoint: env['STRATA_DYNAMODB_ENDPOINT'], region: 'us-east-1' });
  await ensureWarmTable(dynamo, table);
  const s3 = createColdS3({ endpoint: env['STRATA_S3_ENDPOINT'], region: 'us-east-1', bucket, forcePathStyle: true, prefix: '' });
  const redis = createRedis({ url: redisUrl });

  const definitions = withPortOffset(SERVICES, Number(process.env['BENCH_READ_PORT_OFFSET'] ?? 400));
  const serviceEnv = {
    ...process.env,
    ...env,
    STRATA_KAFKA_TOPIC: topic,
    STRATA_WRITER_GROUP_ID: group,
    STRATA_DYNAMODB_TABLE: table,
    STRATA_S3_BUCKET: bucket,
    STRATA_REDIS_URL: redisUrl,
    STRATA_API_KEYS: `${API_KEY}:${tenant},${WARMUP_KEY}:${warmTenant}`,
    STRATA_TENANT_POINTS_PER_SECOND: '100000000',
    STRATA_WARM_SPAN_DAYS: String(WARM_SPAN_DAYS),
    STRATA_LOG_LEVEL: 'warn',
  };
  const logDir = resolve(workspace, '.cache/logs/read-bench');
  const only = (name: string) => definitions.filter((s) => s.name === name);
  const address = (name: string) => `127.0.0.1:${only(name)[0].grpcPort}`;
  const ops = (name: string) => `http://127.0.0.1:${only(name)[0].opsPort}`;
  const metadata = new Metadata();
  metadata.set('x-api-key', API_KEY);
  const warmMetadata = new Metadata();
  warmMetadata.set('x-api-key', WARMUP_KEY);
  let archiver: ChildProcess | undefined;
  process.once('exit', () => archiver?.kill('SIGKILL'));

  const now = Date.now();
  const today = Math.floor(now / DAY_MS);
  const hostDays = { first: today - WARM_SPAN_DAYS - HOST_DAYS, end: today - WARM_SPAN_DAYS }; // [first, end) all archivable
  const longStart = (today - LONG_DAYS) * DAY_MS;
  const longs = Array.from({ length: LONG_SERIES }, (_, i) => ({ name: 'readbench.long', labels: [{ name: 'host', value: String.fromCharCode(97 + i) }] }));
  const long = longs[0];
  const hosts = Array.from({ length: HOSTS }, (_, i) => ({ name: 'readbench.cpu', labels: [{ name: 'host', value: `h${String(i).padStart(3, '0')}` }] }));
  const seriesKeys = [...longs, ...hosts].map((s) => seriesKey(s.name, s.labels));
  const warmSeries = Array.from({ length: WARMUP_SERIES }, (_, i) => ({ name: 'readbench.warmup', labels: [{ name: 'host', value: `w${i}` }] }));

  const processes: ServiceProcesses[] = [];
  const cleanup = async () => {
    for (const p of processes.reverse()) await p.stop(15_000).catch(() => undefined);
    // Only this run's keys: every key of its series (one hash tag each), its tenant's series
    // set, the sealing queues of its topic's partitions and its writer group's offsets (left
    // behind, they made the next run's writer seek to offsets of a deleted topic) in its own
    // Redis database.
    const partitionKeys = (p: number) => [hotKeys.due(p), hotKeys.lease(p), hotKeys.projected(p, group), hotKeys.unsealedFrom(p, group)];
    const doomed: string[] = [...catalogKeyList(tenant), ...catalogKeyList(warmTenant), ...Array.from({ length: 8 }, (_, p) => partitionKeys(p)).flat()];
    const owned = [...seriesKeys.map((key) => [tenant, key]), ...warmSeries.map((s) => [warmTenant, seriesKey(s.name, s.labels)])];
    for (const [owner, key] of owned) {
      const sid = seriesId(owner, key);
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `*{${sid}}*`, 'COUNT', 1000);
        doomed.push(...found);
        cursor = next;
      } while (cursor !== '0');
    }
    for (let i = 0; i < doomed.length; i += 500) await redis.unlink(...doomed.slice(i, i + 500));
    redis.disconnect();
    await dropWarmTable(dynamo, table).catch(() => undefined);
    dynamo.destroy();
    await dropBucket(s3.client, bucket).catch(() => undefined);
    s3.client.destroy();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  };

  try {
    // 1. Write through ingest, with sealing held back so each window reaches DynamoDB once.
    const ingest = new ServiceProcesses({ workspace, services: only('ingest'), env: serviceEnv, logDir });
    const loadWriter = new ServiceProcesses({ workspace, services: only('writer'), env: { ...serviceEnv, STRATA_SEAL_INTERVAL_MS: '600000' }, logDir });
    processes.push(ingest, loadWriter);
    await Promise.all([ingest.start(60_000), loadWriter.start(60_000)]);
    const client = new IngestServiceClient(address('ingest'), credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
    const write = ({ request, as }: { request: WriteRequest; as: Metadata }) =>
      new Promise<number>((ok, fail) =>
        client.write(request, as, (error, response) => {
          if (error) return fail(error);
          if (response!.rejections.length > 0) return fail(new Error(`refused: ${JSON.stringify(response!.rejections.slice(0, 3))}`));
          ok(Number(response!.accepted));
        }),
      );
    const random = prng(460);
    const walk = (start: number, end: number, value: number) => {
      const points: Series['points'] = [];
      for (let t = start; t < end; t += MINUTE) {
        value = Math.round((value + (random() - 0.5) * 2) * 100) / 100;
        points.push({ timestampMs: t, value });
      }
      return { points, value };
    };
    const requests: Array<{ request: WriteRequest; as: Metadata }> = [];
    const longEnd = Math.floor((now - MINUTE) / MINUTE) * MINUTE;
    for (const [i, series] of longs.entries()) {
      let value = 50 + i;
      for (let t = longStart; t < longEnd; t += POINTS_PER_REQUEST * MINUTE) {
        const chunk = walk(t, Math.min(longEnd, t + POINTS_PER_REQUEST * MINUTE), value);
        value = chunk.value;
        requests.push({ request: { series: [{ ...series, points: chunk.points }] }, as: metadata });
      }
    }
    const perHost = Math.floor(POINTS_PER_REQUEST / 4 / 1440) * 1440; // whole days, a few hosts a request
    for (let i = 0; i < hosts.length; i += 4) {
      for (let d = hostDays.first * DAY_MS; d < hostDays.end * DAY_MS; d += perHost * MINUTE) {
        requests.push({ request: { series: hosts.slice(i, i + 4).map((h) => ({ ...h, points: walk(d, Math.min(hostDays.end * DAY_MS, d + perHost * MINUTE), 20 + (i % 60)).points })) }, as: metadata });
      }
    }
    for (const w of warmSeries) {
      requests.push({ request: { series: [{ ...w, points: walk(hostDays.first * DAY_MS, hostDays.end * DAY_MS, 30).points }] }, as: warmMetadata });
    }
    const writeBegan = Date.now();
    let written = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < requests.length) {
          const n = await write(requests[next++]); // not `written += await ...`: that reads written before awaiting
          written += n;
        }
      }),
    );
    const acked = Date.now();
    await waitFor(async () => (await scrapeMetric(ops('writer'), 'strata_writer_points_total')) >= written, 300_000);
    const inRedis = Date.now();
    client.close();
    await loadWriter.stop(15_000);
    await ingest.stop(15_000);
    console.log(
      `read path: ${written} points written (${LONG_DAYS} days of 1-minute points of ${LONG_SERIES} series, ${HOSTS} series x ${HOST_DAYS} days) ` +
        `in ${((acked - writeBegan) / 1_000).toFixed(1)} s, all in Redis after ${((inRedis - writeBegan) / 1_000).toFixed(1)} s`,
    );

    // 2. Seal every closed window to DynamoDB.
    const sealWriter = new ServiceProcesses({ workspace, services: only('writer'), env: { ...serviceEnv, STRATA_SEAL_INTERVAL_MS: '100', STRATA_SEAL_BATCH: '2000' }, logDir });
    processes.push(sealWriter);
    await sealWriter.start(60_000);
    const sealBegan = Date.now();
    let lastSealed = -1;
    let quietSince = 0;
    await waitFor(async () => {
      const sealed = await scrapeMetric(ops('writer'), 'strata_writer_windows_sealed_total');
      const rounds = await scrapeMetric(ops('writer'), 'strata_writer_seal_rounds_total');
      if (sealed !== lastSealed) {
        lastSealed = sealed;
        quietSince = rounds;
      }
      return sealed > 0 && rounds >= quietSince + 5;
    }, 600_000);
    await sealWriter.stop(15_000);
    console.log(`  sealed ${lastSealed} windows to DynamoDB in ${((Date.now() - sealBegan) / 1_000).toFixed(1)} s`);

    // 3. Archive every day older than the warm span: the archiver's one-shot command.
    const archiveBegan = Date.now();
    const archiverEnv = { ...serviceEnv, STRATA_ARCHIVE_LOOKBACK_DAYS: String(LONG_DAYS + 2), STRATA_ARCHIVE_DELETE_DELAY_MS: '0' };
    const exit = await new Promise<number | null>((done) => {
      archiver = spawn(process.execPath, [resolve(workspace, 'dist/apps/archiver/main.js'), '--once'], { env: archiverEnv, stdio: ['ignore', 'ignore', 'pipe'] });
      let tail = '';
      archiver.stderr!.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-2_000)));
      archiver.on('exit', (code) => {
        if (code !== 0) console.warn(`archiver --once exited ${code}: ${tail}`);
        done(code);
      });
    });
    archiver = undefined;
    const { keys } = await s3.store.list(`v1/${tenant}/`);
    const bytesByKind = new Map<string, number>();
    for (const key of keys) {
      const kind = key.split('/')[2];
      bytesByKind.set(kind, (bytesByKind.get(kind) ?? 0) + (await s3.store.get(key))!.length);
    }
    const archivedPoints = (hosts.length * HOST_DAYS + LONG_SERIES * (today - WARM_SPAN_DAYS - (today - LONG_DAYS))) * 1440;
    const s3Bytes = [...bytesByKind.values()].reduce((a, b) => a + b, 0);
    console.log(
      `  archiver --once: exit ${exit} after ${((Date.now() - archiveBegan) / 1_000).toFixed(1)} s; ${keys.length} objects, ${s3Bytes} bytes ` +
        `= ${(s3Bytes / archivedPoints).toFixed(2)} bytes per archived point (${archivedPoints} points; ` +
        `${[...bytesByKind].map(([k, b]) => `${k} ${(b / archivedPoints).toFixed(3)}`).join(', ')})`,
    );

    // 4. Read: each shape against a freshly started reader (its first query finds cold caches).
    // PromQL through the reader's HTTP API: a query_range whose answer counts as its points.
    const httpApi = `http://127.0.0.1:${only('reader')[0].httpApiPort}`;
    const queryRange = async (query: string, startMs: number, endMs: number, stepMs: number): Promise<number> => {
      const params = new URLSearchParams({ query, start: String(startMs / 1_000), end: String(endMs / 1_000), step: String(stepMs / 1_000) });
      const res = await fetch(`${httpApi}/api/v1/query_range?${params}`, { headers: { 'x-api-key': API_KEY } });
      const body = (await res.json()) as { status: string; error?: string; warnings?: string[]; data?: { result: Array<{ values: unknown[] }> } };
      if (body.status !== 'success') throw new Error(`${query}: ${body.error}`);
      if (body.warnings?.length) console.warn(`  warning: ${body.warnings.join('; ')}`);
      return body.data!.result.reduce((n, r) => n + r.values.length, 0);
    };
    const shapes: Array<{ name: string; target: string; count: number; request?: () => ReadRequest; promql?: () => Promise<number> }> = [
      {
        name: '1 series x 1 day, raw',
        target: 'p99 <= 20 ms',
        count: SMALL_QUERIES,
        request: () => {
          const from = hostDays.first * DAY_MS + Math.floor(random() * (HOST_DAYS - 1) * DAY_MS);
          return { matchers: [], series: [hosts[Math.floor(random() * HOSTS)]], fromMs: from, toMs: from + DAY_MS, stepMs: 0, aggregation: Aggregation.AVG };
        },
      },
      {
        name: `${HOSTS} series x 1 day, raw`,
        target: '',
        count: SMALL_QUERIES,
        request: () => {
          const from = hostDays.first * DAY_MS + Math.floor(random() * (HOST_DAYS - 1) * DAY_MS);
          return { matchers: [], series: hosts, fromMs: from, toMs: from + DAY_MS, stepMs: 0, aggregation: Aggregation.AVG };
        },
      },
      {
        name: '1 series x 30 days, 5 m step',
        target: '',
        count: LONG_QUERIES,
        request: () => {
          const from = longStart + Math.floor(random() * (LONG_DAYS - 35) * DAY_MS);
          return { matchers: [], series: [long], fromMs: from, toMs: from + 30 * DAY_MS, stepMs: 300_000, aggregation: Aggregation.AVG };
        },
      },
      {
        name: '1 series x 460 days, 1 d step',
        target: 'p99 <= 300 ms, <= 20 S3 requests',
        count: LONG_QUERIES,
        request: () => {
          const to = Date.now() - Math.floor(random() * DAY_MS);
          return { matchers: [], series: [long], fromMs: to - 460 * DAY_MS, toMs: to, stepMs: DAY_MS, aggregation: Aggregation.MAX };
        },
      },
      {
        // Window ends at midnights: answered from the stored 1 d rows (docs/promql.md, "Rollup pushdown").
        name: `PromQL max_over_time[1d], ${LONG_SERIES} series x 460 days, 1 d step`,
        target: 'p99 <= 500 ms, <= 20 S3 requests',
        count: LONG_QUERIES,
        promql: () => {
          const end = (today - 1 - Math.floor(random() * 3)) * DAY_MS;
          return queryRange('max_over_time({"readbench.long"}[1d])', end - 459 * DAY_MS, end, DAY_MS);
        },
      },
    ];
    const results: ShapeResult[] = [];
    for (const [index, shape] of shapes.entries()) {
      if (ONLY_SHAPES.length > 0 && !ONLY_SHAPES.includes(index + 1)) continue;
      const readerProcess = new ServiceProcesses({ workspace, services: only('reader'), env: serviceEnv, logDir });
      processes.push(readerProcess);
      await readerProcess.start(60_000);
      const reader = new QueryServiceClient(address('reader'), credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
      const s3Requests = async () => {
        const text = await (await fetch(`${ops('reader')}/metrics`)).text();
        const out: Record<string, number> = {};
        for (const m of text.matchAll(/^strata_reader_cold_requests_total\{[^}]*kind="([a-z]+)"[^}]*\} (\S+)$/gm)) out[m[1]] = Number(m[2]);
        return out;
      };
      const diff = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.keys(b).map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]).filter(([, n]) => n !== 0));
      const latencies: number[] = [];
      const points: number[] = [];
      const warmup: number[] = [];
      const warmRandom = prng(index + 1);
      for (let i = 0; i < WARMUP_QUERIES; i++) {
        const from = hostDays.first * DAY_MS + Math.floor(warmRandom() * (HOST_DAYS - 1) * DAY_MS);
        const sent = process.hrtime.bigint();
        await readAll(reader, { matchers: [], series: [warmSeries[i % WARMUP_SERIES]], fromMs: from, toMs: from + DAY_MS, stepMs: 0, aggregation: Aggregation.AVG }, warmMetadata);
        warmup.push(Number(process.hrtime.bigint() - sent) / 1e6);
      }
      const deadline = Date.now() + SHAPE_SECONDS * 1_000;
      const start = await s3Requests();
      let afterFirst = start;
      for (let i = 0; i < shape.count && (i === 0 || Date.now() < deadline); i++) {
        const request = shape.request?.();
        const sent = process.hrtime.bigint();
        points.push(request ? await readAll(reader, request, metadata) : await shape.promql!());
        latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
        if (i === 0) afterFirst = await s3Requests();
      }
      const end = await s3Requests();
      const page = await (await fetch(`${ops('reader')}/metrics`)).text();
      reader.close();
      await readerProcess.stop(15_000);
      processes.splice(processes.indexOf(readerProcess), 1);
      results.push({ name: shape.name, target: shape.target, queries: latencies.length, latencies, points, firstS3: diff(start, afterFirst), restS3: diff(afterFirst, end), readerSide: readerQuantiles(page), warmup });
    }

    const fmt = (counts: Record<string, number>, per = 1) => {
      const total = Object.values(counts).reduce((a, b) => a + b, 0) / per;
      const parts = Object.entries(counts).map(([k, n]) => `${k} ${(n / per).toFixed(per === 1 ? 0 : 1)}`);
      return `${total.toFixed(per === 1 ? 0 : 1)}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
    };
    console.log(
      `\nread path results (${tenant}; reader restarted per shape, then ${WARMUP_QUERIES} warm-up reads of another tenant's data; ` +
        "latency from Read sent to the stream's end, sequential queries)",
    );
    for (const r of results) {
      if (r.warmup.length > 0) {
        console.log(`  ${r.name.padEnd(32)} warm-up (other tenant): first ${r.warmup[0].toFixed(1)} ms, then p50 ${median(r.warmup.slice(1)).toFixed(1)} ms, max ${Math.max(...r.warmup.slice(1)).toFixed(1)} ms`);
      }
      console.log(`  ${r.name.padEnd(32)} ${r.queries} queries   p50 ${median(r.latencies).toFixed(1)} ms   p99 ${percentile(r.latencies, 99).toFixed(1)} ms   points ${median(r.points)} (median)${r.target ? `   [target ${r.target}]` : ''}`);
      const later = r.latencies.slice(1);
      console.log(`  ${''.padEnd(32)} first query (cold caches, warmed process) ${r.latencies[0].toFixed(1)} ms; the ${later.length} after it: p50 ${median(later).toFixed(1)} ms, p99 ${percentile(later, 99).toFixed(1)} ms, max ${Math.max(...later).toFixed(1)} ms`);
      const slowest = r.latencies.map((ms, i) => [i, ms] as const).sort((a, b) => b[1] - a[1]).slice(0, 5);
      console.log(`  ${''.padEnd(32)} slowest: ${slowest.map(([i, ms]) => `#${i + 1} ${ms.toFixed(1)} ms`).join(', ')}`);
      console.log(`  ${''.padEnd(32)} S3 requests: first query (cold caches) ${fmt(r.firstS3)}; then per query ${fmt(r.restS3, Math.max(1, r.queries - 1))}`);
      console.log(`  ${''.padEnd(32)} reader's histograms (warm-up included): ${r.readerSide.join('; ')}`);
    }
    console.log(`  total bench time ${((Date.now() - began) / 1_000).toFixed(0)} s`);
  } finally {
    await cleanup();
  }
}

/** p50 / p99 of the reader's Read latency and of each tier's fetch, as histogram_quantile would estimate them. */
function readerQuantiles(page: string): string[] {
  const metrics = MetricSnapshot.parse(page);
  const ms = (q: number, buckets: ReturnType<MetricSnapshot['buckets']>) => ((histogramQuantile(q, buckets) ?? NaN) * 1_000).toFixed(1);
  const out: string[] = [];
  const read = metrics.buckets('strata_reader_request_duration_seconds', { rpc: 'Read' });
  if (read.length > 0) out.push(`Read p50 ${ms(0.5, read)} / p99 ${ms(0.99, read)} ms`);
  for (const tier of ['hot', 'warm', 'cold']) {
    const fetch = metrics.buckets('strata_reader_tier_fetch_duration_seconds', { tier, result: 'ok' });
    if (fetch.length > 0) out.push(`${tier} fetch p50 ${ms(0.5, fetch)} / p99 ${ms(0.99, fetch)} ms`);
  }
  return out;
}

function readAll(client: QueryServiceClient, request: ReadRequest, metadata: Metadata): Promise<number> {
  return new Promise((done, fail) => {
    let points = 0;
    const call = client.read(request, metadata);
    call.on('data', (m: { series: Series[]; warnings: string[] }) => {
      for (const s of m.series) points += s.points.length;
      if (m.warnings.length > 0) console.warn(`  warning: ${m.warnings.join('; ')}`);
    });
    call.on('error', fail);
    call.on('end', () => done(points));
  });
}

runBench(main);
