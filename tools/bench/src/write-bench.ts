/* eslint-disable no-console -- a benchmark prints its numbers */
// Write-path benchmark: client -> ingest -> Kafka -> writer -> Redis -> DynamoDB, on the
// real local stack, with the services as separate processes. Prints numbers; asserts nothing.
// Run: npm run bench (or npx tsx tools/bench/src/write-bench.ts)
import { randomUUID } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { ServiceProcesses, SERVICES, withPortOffset } from '@strata/launcher';
import { IngestServiceClient, QueryServiceClient, type WriteRequest } from '@strata/proto';
import { loadStackConfig, startStack } from '@strata/stack';
import { DAY_MS } from '@strata/storage';
import { createRedis, DEFAULT_WINDOW_MS } from '@strata/storage/hot';
import { dropWarmTable } from '@strata/storage/testing';
import { createDynamoDb, ensureWarmTable } from '@strata/storage/warm';
import { createKafka, ensureTopic } from '@strata/stream';
import { benchFiguresPath, cpuSecondsOf, recordBenchFigures } from '@strata/testing';
import { MonitoringDataset } from './dataset';
import { probeOnce } from './freshness';
import { scrapeMetric, scanChunkSizes, waitFor } from './probes';
import { median, percentile } from './stats';
import { runBench } from './run-bench';

const workspace = resolve(__dirname, '../../..');
const REPETITIONS = Number(process.env['BENCH_REPETITIONS'] ?? 3);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 8);
const SERIES = Number(process.env['BENCH_SERIES'] ?? 5_000);
/** Where the series' timestamps start (rounded down to a window); 40 h back by default. */
const START_HOURS_AGO = Number(process.env['BENCH_START_HOURS_AGO'] ?? 40);
/** The services' window (STRATA_WINDOW_MS passes through to them); series start on a window boundary. */
const WINDOW_MS = Number(process.env['STRATA_WINDOW_MS'] ?? DEFAULT_WINDOW_MS);
const SERIES_PER_REQUEST = 1_000;
const POINTS_PER_SERIES = 5;
/** Series of the steady-state write-unit measurement, each written for one whole day (up to 1,000, or a multiple of 1,000). */
const DAY_SERIES = Number(process.env['BENCH_DAY_SERIES'] ?? 1_000);
const API_KEY = 'bench-key-0001';
const PROBES = Number(process.env['BENCH_PROBES'] ?? 60);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const runId = randomUUID().slice(0, 8);
  const topic = `strata.bench.${runId}`;
  const table = `strata_bench_${runId}`;
  const stack = await startStack({ env: process.env, logger: { info: () => undefined, warn: (l) => console.warn(l) }, repoRoot: workspace });
  const env = stack.clientEnv;
  const stackPids = Object.fromEntries(stack.services.map((s) => [s.name, s.pid]));
  const stackCpu = () => Object.fromEntries(Object.entries(stackPids).map(([name, pid]) => [name, cpuSecondsOf([pid])]));
  const stackConfig = loadStackConfig(process.env, workspace);
  const kafkaLogBytes = () => topicLogBytes(join(stackConfig.stateDir ?? join(stackConfig.cacheDir, 'stack'), 'data', 'kafka'), topic);
  const redisUrl = `${env['STRATA_REDIS_URL']}/1`;
  const kafka = createKafka({ brokers: [env['STRATA_KAFKA_BROKERS']], clientId: 'strata-bench', topic, logLevel: 'error' });
  await ensureTopic(kafka, { topic, partitions: 8, replicationFactor: 1 });
  const dynamo = createDynamoDb({ endpoint: env['STRATA_DYNAMODB_ENDPOINT'], region: 'us-east-1' });
  await ensureWarmTable(dynamo, table);
  const redis = createRedis({ url: redisUrl });
  await redis.flushdb();

  const definitions = withPortOffset(SERVICES, 300);
  const serviceEnv = {
    ...process.env,
    ...env,
    STRATA_KAFKA_TOPIC: topic,
    STRATA_DYNAMODB_TABLE: table,
    STRATA_REDIS_URL: redisUrl,
    STRATA_API_KEYS: `${API_KEY}:bench`,
    STRATA_TENANT_POINTS_PER_SECOND: '100000000',
    STRATA_LOG_LEVEL: 'warn',
  };
  const logDir = resolve(workspace, '.cache/logs/bench');
  const ingest = new ServiceProcesses({ workspace, services: definitions.filter((s) => s.name === 'ingest'), env: serviceEnv, logDir });
  const writerDefinition = definitions.filter((s) => s.name === 'writer');
  // Sealing is held back during the load and run in one pass afterwards, so each window
  // is written to DynamoDB once with all its points, as in steady state (a window closes
  // after its hours), instead of being re-sealed as the backfill adds points to it.
  const holdingWriter = () => new ServiceProcesses({ workspace, services: writerDefinition, env: { ...serviceEnv, STRATA_SEAL_INTERVAL_MS: '600000' }, logDir });
  const loadWriter = holdingWriter();
  await Promise.all([ingest.start(60_000), loadWriter.start(60_000)]);

  /**
   * Starts a writer that seals every 100 ms, waits until rounds keep completing without
   * sealing anything more (the backlog never reaches 0: the freshness probes' windows are
   * current and not due for hours), and reads its counters before stopping it.
   */
  const sealEverything = async (): Promise<{ windows: number; writeUnits: number; seconds: number; cpuSeconds: number }> => {
    const sealWriter = new ServiceProcesses({ workspace, services: writerDefinition, env: { ...serviceEnv, STRATA_SEAL_INTERVAL_MS: '100', STRATA_SEAL_BATCH: '2000' }, logDir });
    await sealWriter.start(60_000);
    const began = Date.now();
    await waitFor(async () => (await scrapeMetric(writerOps, 'strata_writer_windows_sealed_total')) > 0, 600_000);
    let lastSealed = -1;
    let quietSince = 0;
    await waitFor(async () => {
      const sealed = await scrapeMetric(writerOps, 'strata_writer_windows_sealed_total');
      const rounds = await scrapeMetric(writerOps, 'strata_writer_seal_rounds_total');
      if (sealed !== lastSealed) {
        lastSealed = sealed;
        quietSince = rounds;
      }
      return rounds >= quietSince + 5;
    }, 600_000);
    const seconds = (Date.now() - began) / 1_000;
    const windows = await scrapeMetric(writerOps, 'strata_writer_windows_sealed_total');
    const writeUnits = await scrapeMetric(writerOps, 'strata_writer_dynamodb_consumed_write_units_total');
    const cpuSeconds = cpuSecondsOf(sealWriter.pids());
    await sealWriter.stop(15_000);
    return { windows, writeUnits, seconds, cpuSeconds };
  };
  const ingestAddress = `127.0.0.1:${definitions.find((s) => s.name === 'ingest')!.grpcPort}`;
  const writerOps = `http://127.0.0.1:${definitions.find((s) => s.name === 'writer')!.opsPort}`;
  const memoryBefore = await usedMemory(redis);

  const dataset = new MonitoringDataset({ seriesCount: SERIES, firstTimestampMs: Math.floor((Date.now() - START_HOURS_AGO * 3_600_000) / WINDOW_MS) * WINDOW_MS, seed: 42 });
  const client = new IngestServiceClient(ingestAddress, credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  const metadata = new Metadata();
  metadata.set('x-api-key', API_KEY);
  const refusals = new Map<string, number>();
  const write = (request: WriteRequest) =>
    new Promise<number>((ok, fail) =>
      client.write(request, metadata, (error, response) => {
        if (error) return fail(error);
        for (const r of response!.rejections) refusals.set(r.code, (refusals.get(r.code) ?? 0) + 1);
        ok(Number(response!.accepted));
      }),
    );

  const throughputs: number[] = [];
  const ingestRates: number[] = [];
  const latencies: number[] = [];
  let totalAccepted = 0;
  const runCpu = { ingest: cpuSecondsOf(ingest.pids()), writer: cpuSecondsOf(loadWriter.pids()) };
  console.log(`write path: ${SERIES} series, ${WINDOW_MS / 3_600_000} h windows, requests of ${SERIES_PER_REQUEST} series x ${POINTS_PER_SERIES} points, ${CONCURRENCY} in flight, ${REPETITIONS} x ${SECONDS} s`);
  for (let rep = 0; rep < REPETITIONS; rep++) {
    const began = Date.now();
    const deadline = began + SECONDS * 1_000;
    let accepted = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < deadline) {
          const { series } = dataset.nextRequest(SERIES_PER_REQUEST, POINTS_PER_SERIES);
          const sent = process.hrtime.bigint();
          const n = await write({ series }); // not `accepted += await ...`: that reads accepted before awaiting
          accepted += n;
          latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
        }
      }),
    );
    const acked = Date.now();
    totalAccepted += accepted;
    await waitFor(async () => (await scrapeMetric(writerOps, 'strata_writer_points_total')) >= totalAccepted, 300_000);
    const inRedis = Date.now();
    ingestRates.push(accepted / ((acked - began) / 1_000));
    throughputs.push(accepted / ((inRedis - began) / 1_000));
    console.log(
      `  run ${rep + 1}: ${accepted} points acknowledged in ${((acked - began) / 1_000).toFixed(1)} s, all in Redis after ${((inRedis - began) / 1_000).toFixed(1)} s`,
    );
  }
  const runCpuSeconds = { ingest: cpuSecondsOf(ingest.pids()) - runCpu.ingest, writer: cpuSecondsOf(loadWriter.pids()) - runCpu.writer };
  if (refusals.size > 0) console.log(`  refused points by code: ${JSON.stringify(Object.fromEntries(refusals))}`);
  const memoryOpen = await usedMemory(redis);

  // Freshness: time-to-readable of single points, idle and while the load runs at half the
  // sustained rate just measured (its batches share partitions with the probes).
  const readerProcess = new ServiceProcesses({ workspace, services: definitions.filter((s) => s.name === 'reader'), env: serviceEnv, logDir });
  await readerProcess.start(60_000);
  const reader = new QueryServiceClient(`127.0.0.1:${definitions.find((s) => s.name === 'reader')!.grpcPort}`, credentials.createInsecure());
  const idle: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    idle.push(await probeOnce(client, reader, metadata, i));
    await sleep(100);
  }
  const halfRate = median(throughputs) / 2;
  const loaded: number[] = [];
  let loadedPoints = 0;
  const loadBegan = Date.now();
  let probing = true;
  const pacedLoad = Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      const intervalMs = ((SERIES_PER_REQUEST * POINTS_PER_SERIES * CONCURRENCY) / halfRate) * 1_000;
      let next = Date.now() + (worker * intervalMs) / CONCURRENCY;
      while (probing) {
        await sleep(Math.max(0, next - Date.now()));
        next += intervalMs;
        const n = await write({ series: dataset.nextRequest(SERIES_PER_REQUEST, POINTS_PER_SERIES).series });
        loadedPoints += n;
      }
    }),
  );
  await sleep(2_000);
  for (let i = 0; i < PROBES; i++) {
    loaded.push(await probeOnce(client, reader, metadata, PROBES + i));
    await sleep(100);
  }
  probing = false;
  await pacedLoad;
  const achievedRate = loadedPoints / ((Date.now() - loadBegan) / 1_000);
  reader.close();
  await readerProcess.stop(15_000);
  await loadWriter.stop(15_000);

  const sealing = await sealEverything();
  const { windows, writeUnits, seconds: sealSeconds } = sealing;
  const memorySealed = await usedMemory(redis);
  const chunks = await scanChunkSizes(dynamo, table, (pk) => MonitoringDataset.kindOf(pk));

  // Write units at steady state: the runs above end mid-window and give each series-day
  // only part of a day, so they overstate the cost per point. Here every series gets one
  // whole UTC day (three days back), sealed once: full windows and one day-index entry per
  // series-day, as a fleet posting every minute produces.
  // One point per series per request, as a fleet scraped every minute posts them: the log
  // bytes and CPU per point of this phase are the steady-state figures the cost model uses.
  const dayWriter = holdingWriter();
  await dayWriter.start(60_000);
  const dayStart = Math.floor(Date.now() / DAY_MS) * DAY_MS - 3 * DAY_MS;
  const day = new MonitoringDataset({ seriesCount: DAY_SERIES, firstTimestampMs: dayStart, seed: 7, prefix: 'day' });
  let dayPoints = 0;
  const dayCpu = { ingest: cpuSecondsOf(ingest.pids()), writer: cpuSecondsOf(dayWriter.pids()), stack: stackCpu() };
  const logBytesBefore = kafkaLogBytes();
  for (let minute = 0; minute < 1_440; minute++) {
    await Promise.all(
      Array.from({ length: Math.ceil(DAY_SERIES / SERIES_PER_REQUEST) }, async () => {
        dayPoints += await write({ series: day.nextRequest(Math.min(SERIES_PER_REQUEST, DAY_SERIES), 1).series });
      }),
    );
  }
  await waitFor(async () => (await scrapeMetric(writerOps, 'strata_writer_points_total')) >= dayPoints, 300_000);
  const dayLogBytes = kafkaLogBytes() - logBytesBefore;
  const dayIngestCpu = cpuSecondsOf(ingest.pids()) - dayCpu.ingest;
  const dayLoadCpu = cpuSecondsOf(dayWriter.pids()) - dayCpu.writer;
  await dayWriter.stop(15_000);
  const steady = await sealEverything();
  const dayStackCpu = Object.fromEntries(Object.entries(stackCpu()).map(([name, seconds]) => [name, seconds - dayCpu.stack[name]]));
  const perMillionDay = (seconds: number) => (seconds / dayPoints) * 1e6;
  const cpu = {
    ingest: perMillionDay(dayIngestCpu),
    writer: perMillionDay(dayLoadCpu + steady.cpuSeconds),
    ...Object.fromEntries(Object.entries(dayStackCpu).map(([name, seconds]) => [name, perMillionDay(seconds)])),
  };

  console.log(`
write path results (medians over ${REPETITIONS} runs; ${totalAccepted} points in all)
  sustained client -> Redis         ${Math.round(median(throughputs))} points/s   (runs: ${throughputs.map(Math.round).join(', ')})
  ingest acknowledged rate          ${Math.round(median(ingestRates))} points/s
  ingest latency per request        p50 ${median(latencies).toFixed(1)} ms   p99 ${percentile(latencies, 99).toFixed(1)} ms   (${SERIES_PER_REQUEST * POINTS_PER_SERIES} points/request, ${latencies.length} requests)
  DynamoDB chunk bytes per point    ${(chunks.chunkBytes / chunks.points).toFixed(3)} all kinds   (item bytes incl. keys ~${(chunks.itemBytes / chunks.points).toFixed(2)}; ${chunks.items} items, ${(chunks.points / chunks.items).toFixed(1)} points/item)
${[...chunks.byKind].map(([kind, k]) => `    ${kind.padEnd(30)} ${(k.chunkBytes / k.points).toFixed(3)} bytes/point in ${k.items} chunks of ${(k.points / k.items).toFixed(0)} points`).join('\n')}
  DynamoDB write units per 1M pts   ${Math.round((steady.writeUnits / dayPoints) * 1e6)} at steady state   (${steady.writeUnits} WCU for ${steady.windows} windows and ${DAY_SERIES} day-index entries: ${DAY_SERIES} series x one whole day, ${dayPoints} points)
                                    ${Math.round((writeUnits / totalAccepted) * 1e6)} for the runs above   (${writeUnits} WCU for ${windows} windows and ${chunks.indexItems} day-index items; windows cut short by the run's end)
  sealing                           ${windows} windows in ${sealSeconds.toFixed(1)} s = ${Math.round(windows / sealSeconds)} windows/s
  Redis bytes per point, open       ${((memoryOpen - memoryBefore) / totalAccepted).toFixed(1)}   (hash per window, before sealing)
  Redis bytes per point, sealed     ${((memorySealed - memoryBefore) / totalAccepted).toFixed(1)}   (packed chunks, after sealing)
  Kafka log bytes per point         ${(dayLogBytes / dayPoints).toFixed(1)}   (segment bytes on disk for the whole-day phase: ${dayPoints} points, one per series per request)
  CPU s per 1M points, whole day    ${Object.entries(cpu).map(([name, s]) => `${name} ${s.toFixed(1)}`).join('   ')}   (user+system; writer = loading + sealing)
  CPU s per 1M points, runs above   ingest ${((runCpuSeconds.ingest / totalAccepted) * 1e6).toFixed(1)}   writer ${((runCpuSeconds.writer / totalAccepted) * 1e6).toFixed(1)}   (${POINTS_PER_SERIES} points per series per request; writer without sealing)

freshness (time from Write sent to the point readable through Read; ${PROBES} probes each)
  idle                              p50 ${median(idle).toFixed(1)} ms   p99 ${percentile(idle, 99).toFixed(1)} ms
  under load (${Math.round(achievedRate)} points/s, target ${Math.round(halfRate)})   p50 ${median(loaded).toFixed(1)} ms   p99 ${percentile(loaded, 99).toFixed(1)} ms`);

  const perPoint = (bytes: number) => ({ unit: 'bytes/point' as const, value: bytes });
  const file = recordBenchFigures(
    {
      'write.windowMs': { value: WINDOW_MS, unit: 'ms', what: 'window length (STRATA_WINDOW_MS) the writer ran with' },
      'write.sustainedPointsPerSecond': { value: median(throughputs), unit: 'points/s', what: `sustained client -> Redis, median of ${REPETITIONS} runs of ${SECONDS} s, ${SERIES} series` },
      'dynamodb.writeUnitsPerMillionPoints': { value: (steady.writeUnits / dayPoints) * 1e6, unit: 'WCU/1M points', what: `writer at steady state: ${DAY_SERIES} series x one whole day sealed once (chunks + day-index entries)` },
      'dynamodb.chunkBytesPerPoint': { ...perPoint(chunks.chunkBytes / chunks.points), what: `chunk bytes of every item the runs wrote (${chunks.items} items)` },
      'dynamodb.itemBytesPerPoint': { ...perPoint(chunks.itemBytes / chunks.points), what: 'item bytes incl. attribute names and keys (DynamoDB size rule), before the 100-byte per-item overhead' },
      'redis.openBytesPerPoint': { ...perPoint((memoryOpen - memoryBefore) / totalAccepted), what: 'Redis used_memory growth per point while windows are open (hash per window)' },
      'redis.sealedBytesPerPoint': { ...perPoint((memorySealed - memoryBefore) / totalAccepted), what: 'Redis used_memory growth per point after sealing (packed chunks)' },
      'kafka.logBytesPerPoint': { ...perPoint(dayLogBytes / dayPoints), what: 'Kafka segment bytes on disk per point, one point per series per request (ingest batching and compression as shipped)' },
      ...Object.fromEntries(
        Object.entries(cpu).map(([name, seconds]) => [
          `cpu.${name}.secondsPerMillionPoints`,
          { value: seconds, unit: 'CPU s/1M points', what: `user+system CPU of the ${name} process(es) over the whole-day phase (write, then seal), on this machine` },
        ]),
      ),
    },
    { file: benchFiguresPath(workspace, process.env), section: 'write path', command: 'npx tsx tools/bench/src/write-bench.ts', repoRoot: workspace },
  );
  console.log(`\n  figures recorded in ${benchFiguresPath(workspace, process.env)} (${Object.keys(file.figures).length} in all)`);

  client.close();
  await ingest.stop(15_000);
  await redis.flushdb();
  redis.disconnect();
  await dropWarmTable(dynamo, table);
  dynamo.destroy();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
}

/** Bytes of a topic's log segments on disk, over all its partitions (data dir of the local Kafka). */
function topicLogBytes(logDir: string, topic: string): number {
  let bytes = 0;
  for (const dir of readdirSync(logDir).filter((d) => d.startsWith(`${topic}-`))) {
    for (const file of readdirSync(join(logDir, dir)).filter((f) => f.endsWith('.log'))) bytes += statSync(join(logDir, dir, file)).size;
  }
  return bytes;
}

async function usedMemory(redis: ReturnType<typeof createRedis>): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

runBench(main);
