/* eslint-disable no-console -- a benchmark prints its numbers */
// Label-index benchmark: one tenant with 1,000,000 series in the Redis series catalogue
// (written directly through the storage layer, once, and kept in its own Redis database so
// that the next run reuses it), read by a real reader process: selectors through gRPC
// ListSeries, label values through the Prometheus HTTP API. Prints numbers; asserts nothing.
// Run: npm run bench (or npx tsx tools/bench/src/label-index-bench.ts)
import { resolve } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { seriesKey } from '@strata/model';
import { ServiceProcesses, SERVICES, withPortOffset } from '@strata/launcher';
import { MatchType, QueryServiceClient, type ListSeriesRequest } from '@strata/proto';
import { startStack } from '@strata/stack';
import { catalogKeys, createRedis, RedisSeriesCatalog, utcDay, type CatalogUpdate } from '@strata/storage/hot';
import { scrapeMetric } from './probes';
import { median, percentile } from './stats';
import { runBench } from './run-bench';

const workspace = resolve(__dirname, '../../..');
const SERIES = Number(process.env['BENCH_INDEX_SERIES'] ?? 1_000_000);
const METRICS = 100;
const PODS = 100_000;
const QUERIES = Number(process.env['BENCH_INDEX_QUERIES'] ?? 200);
const REDIS_DB = 4;
const TENANT = 'labelbench';
const API_KEY = 'bench-label-index-key-0001';
/** Bumped when the fixture's shape changes: a cached fixture of another version is rebuilt. */
const FIXTURE_VERSION = `v1:${SERIES}`;
const FIXTURE_MARK = `bench:{${TENANT}}:fixture`;

/** Series i: metric i / 10,000, instance i mod 10,000, job instance mod 10, pod i mod 100,000; one in ten stopped 20 days ago. */
function fixtureSeries(i: number, today: number): CatalogUpdate {
  const instance = i % 10_000;
  const labels = [
    { name: 'instance', value: `host-${String(instance).padStart(4, '0')}` },
    { name: 'job', value: `job-${instance % 10}` },
    { name: 'pod', value: `pod-${String(i % PODS).padStart(5, '0')}` },
  ];
  const stopped = i % 10 === 9;
  return { seriesKey: seriesKey(`labelbench_metric_${Math.floor(i / (SERIES / METRICS))}`, labels), oldestDay: today - 30 - (i % 7), newestDay: stopped ? today - 20 : today };
}

async function main(): Promise<void> {
  const stack = await startStack({ env: process.env, logger: { info: () => undefined, warn: (l) => console.warn(l) }, repoRoot: workspace });
  const env = stack.clientEnv;
  const redisUrl = `${env['STRATA_REDIS_URL']}/${REDIS_DB}`;
  const redis = createRedis({ url: redisUrl });
  const today = utcDay(Date.now());
  const definitions = withPortOffset(SERVICES, 500);
  const reader = definitions.find((s) => s.name === 'reader')!;
  let processes: ServiceProcesses | undefined;
  try {
    // 1. The fixture, once: 1M series recorded as the writer records them.
    const mark = await redis.get(FIXTURE_MARK);
    if (mark !== FIXTURE_VERSION || (await redis.zcard(catalogKeys.newest(TENANT))) !== SERIES) {
      const began = performance.now();
      await redis.flushdb();
      const catalog = new RedisSeriesCatalog(redis);
      for (let i = 0; i < SERIES; i += 10_000) {
        await catalog.record(TENANT, Array.from({ length: Math.min(10_000, SERIES - i) }, (_, j) => fixtureSeries(i + j, today)));
      }
      await redis.set(FIXTURE_MARK, FIXTURE_VERSION);
      console.log(`fixture: ${SERIES} series recorded in ${((performance.now() - began) / 1000).toFixed(1)} s (kept in Redis database ${REDIS_DB} for the next run)`);
    } else {
      console.log(`fixture: ${SERIES} series cached in Redis database ${REDIS_DB}`);
    }
    const memory = await redis.info('memory');
    console.log(`Redis used_memory with the fixture: ${(Number(/used_memory:(\d+)/.exec(memory)?.[1]) / 2 ** 20).toFixed(0)} MiB`);

    // 2. A reader of its own.
    processes = new ServiceProcesses({
      workspace,
      services: [reader],
      env: { ...process.env, ...env, STRATA_REDIS_URL: redisUrl, STRATA_API_KEYS: `${API_KEY}:${TENANT}`, STRATA_COLD_ENABLED: 'false', STRATA_LOG_LEVEL: 'warn' },
      logDir: resolve(workspace, '.cache/logs/label-index-bench'),
    });
    await processes.start(60_000);
    const client = new QueryServiceClient(`127.0.0.1:${reader.grpcPort}`, credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
    const metadata = new Metadata();
    metadata.set('x-api-key', API_KEY);
    const list = (request: Partial<ListSeriesRequest>) =>
      new Promise<number>((ok, fail) =>
        client.listSeries({ match: '', matchers: [], fromMs: 0, toMs: 0, ...request }, metadata, (error, response) => (error ? fail(error) : ok(response!.series.length))),
      );
    const values = async (name: string, query = ''): Promise<number> => {
      const res = await fetch(`http://127.0.0.1:${reader.httpApiPort}/api/v1/label/${name}/values${query}`, { headers: { 'x-api-key': API_KEY } });
      const body = (await res.json()) as { status: string; data?: string[]; error?: string };
      if (res.status !== 200) throw new Error(`label values of ${name}: ${res.status} ${body.error}`);
      return body.data!.length;
    };

    const first = performance.now();
    const firstCount = await list({ matchers: [{ name: '__name__', type: MatchType.EQUAL, value: 'labelbench_metric_7' }, { name: 'job', type: MatchType.EQUAL, value: 'job-3' }] });
    const loadMs = performance.now() - first;
    const rss = await scrapeMetric(`http://127.0.0.1:${reader.opsPort}`, 'strata_process_resident_memory_bytes');
    console.log(`first query (the reader loads the index: ${SERIES} series): ${(loadMs / 1000).toFixed(1)} s, ${firstCount} series; reader RSS after: ${(rss / 2 ** 20).toFixed(0)} MiB`);

    const week = { fromMs: (today - 6) * 86_400_000, toMs: (today + 1) * 86_400_000 };
    const shapes: Array<{ name: string; run: () => Promise<number>; target?: string }> = [
      { name: 'ListSeries {__name__="m7", job="job-3"}', run: () => list({ matchers: [{ name: '__name__', type: MatchType.EQUAL, value: 'labelbench_metric_7' }, { name: 'job', type: MatchType.EQUAL, value: 'job-3' }] }), target: 'p99 <= 50 ms' },
      { name: 'ListSeries {__name__="m7", instance=~"host-1..."}', run: () => list({ matchers: [{ name: '__name__', type: MatchType.EQUAL, value: 'labelbench_metric_7' }, { name: 'instance', type: MatchType.REGEX, value: 'host-1[0-9]{3}' }] }), target: 'p99 <= 50 ms' },
      // job-9's series stopped 20 days ago: the week's answer has half the series of all time.
      { name: 'ListSeries {__name__="m7", job=~"job-8|job-9"}', run: () => list({ matchers: [{ name: '__name__', type: MatchType.EQUAL, value: 'labelbench_metric_7' }, { name: 'job', type: MatchType.REGEX, value: 'job-8|job-9' }] }) },
      { name: 'ListSeries same, last 7 days only', run: () => list({ matchers: [{ name: '__name__', type: MatchType.EQUAL, value: 'labelbench_metric_7' }, { name: 'job', type: MatchType.REGEX, value: 'job-8|job-9' }], ...week }) },
      { name: 'ListSeries {job="job-3", pod=~"pod-0001."}, no name', run: () => list({ matchers: [{ name: 'job', type: MatchType.EQUAL, value: 'job-3' }, { name: 'pod', type: MatchType.REGEX, value: 'pod-0001.' }] }) },
      { name: 'label values of pod (100,000 values)', run: () => values('pod'), target: '<= 200 ms' },
      { name: 'label values of pod, last 7 days', run: () => values('pod', `?start=${week.fromMs / 1000}&end=${week.toMs / 1000}`) },
      { name: 'label values of __name__', run: () => values('__name__') },
    ];
    console.log(`\nlabel index (${SERIES} series in one tenant; ${QUERIES} queries per shape, one at a time, after 5 warm-up queries):`);
    for (const shape of shapes) {
      for (let i = 0; i < 5; i++) await shape.run();
      const latencies: number[] = [];
      let count = 0;
      for (let i = 0; i < QUERIES; i++) {
        const t = performance.now();
        count = await shape.run();
        latencies.push(performance.now() - t);
      }
      console.log(
        `  ${shape.name.padEnd(52)} ${String(count).padStart(7)} results  p50 ${median(latencies).toFixed(1).padStart(6)} ms  p99 ${percentile(latencies, 99).toFixed(1).padStart(6)} ms` +
          (shape.target ? `  (target ${shape.target})` : ''),
      );
    }
    client.close();
  } finally {
    await processes?.stop(15_000).catch(() => undefined);
    redis.disconnect();
  }
}

runBench(main);
