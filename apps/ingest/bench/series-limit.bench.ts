// Series limit benchmark: registry round trips on the local stack's Redis, the write
// handler with cached and new series, and the memory of the admitted-series cache.
// Run: eval "$(bash tools/bin/stack.sh env)"; npx tsx --expose-gc apps/ingest/bench/series-limit.bench.ts
// Prints numbers; asserts nothing. Uses its own tenants and deletes their keys afterwards.

import { randomUUID } from 'node:crypto';
import { activeSeriesKey, createRedis, RedisSeriesRegistry } from '@strata/storage/hot';
import { AdmittedSeriesCache } from '../src/admitted-series-cache';
import { handlerHarness, NOW } from '../test/handler-harness';

const HOUR = 3_600_000;
const out = (line = '') => process.stdout.write(`${line}\n`);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const ms = (n: number) => n.toFixed(3);

async function timed(runs: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = process.hrtime.bigint();
    await fn(i);
    samples.push(Number(process.hrtime.bigint() - began) / 1e6);
  }
  return samples.sort((a, b) => a - b);
}

const report = (label: string, samples: number[]) =>
  out(`${label.padEnd(58)} p50 ${ms(percentile(samples, 0.5))} ms  p99 ${ms(percentile(samples, 0.99))} ms  (${samples.length} runs)`);

async function main() {
  const url = process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const redis = createRedis({ url });
  await redis.ping();
  const registry = new RedisSeriesRegistry(redis, { activeMs: 26 * HOUR });
  const tenants: string[] = [];
  const tenant = () => {
    const t = `bench-${randomUUID().slice(0, 8)}`;
    tenants.push(t);
    return t;
  };
  try {
    out(`Redis ${url}; timings are wall clock on a shared machine.`);
    const one = tenant();
    report('registry: 1 new series per call', await timed(500, (i) => registry.admit(one, { refresh: [], candidates: [`s${i}`] }, 1_000_000, NOW)));
    report('registry: 1 known series per call (re-mark)', await timed(500, (i) => registry.admit(one, { refresh: [`s${i}`], candidates: [] }, 1_000_000, NOW)));
    const bulk = tenant();
    report(
      'registry: 1,000 new series per call',
      await timed(50, (i) => registry.admit(bulk, { refresh: [], candidates: Array.from({ length: 1_000 }, (_, j) => `b${i}-${j}`) }, 1_000_000, NOW)),
    );
    const full = tenant();
    await registry.admit(full, { refresh: [], candidates: Array.from({ length: 1_000 }, (_, j) => `f${j}`) }, 1_000, NOW);
    report(
      'registry: 1,000 new series refused at the limit',
      await timed(50, (i) => registry.admit(full, { refresh: [], candidates: Array.from({ length: 1_000 }, (_, j) => `x${i}-${j}`) }, 1_000, NOW)),
    );

    const series = (prefix: string) =>
      Array.from({ length: 100 }, (_, j) => ({ name: 'cpu.busy', labels: [{ name: 'host', value: `${prefix}-${j}` }], points: [{ timestampMs: NOW - 60_000, value: j }] }));
    const handler = handlerHarness({ tenantPointsPerSecond: 1e9, tenantBurstPoints: 1e9 }, { maxSeriesPerTenant: 1_000_000 }, registry);
    const writer = tenant();
    report('write handler: 100 new series (one round trip)', await timed(200, (i) => handler.handler.write(writer, { series: series(`n${i}`) })));
    const cached = series('cached');
    await handler.handler.write(writer, { series: cached });
    report('write handler: 100 cached series (no round trip)', await timed(200, () => handler.handler.write(writer, { series: cached })));
    const lookups = await handler.registry.getSingleMetricAsString('strata_ingest_series_cache_lookups_total');
    out(lookups.split('\n').filter((l) => !l.startsWith('#')).join('; '));
  } finally {
    if (tenants.length > 0) await redis.del(...tenants.map(activeSeriesKey));
    redis.disconnect();
  }

  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    const before = process.memoryUsage().heapUsed;
    const cache = new AdmittedSeriesCache(250_000, HOUR, 26 * HOUR);
    for (let i = 0; i < 250_000; i++) cache.admitted(AdmittedSeriesCache.key('tenant-0001', `node.cpu.seconds{cpu="${i % 64}",host="host-${i}",mode="user"}`), NOW);
    gc();
    const mb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
    out(`admitted-series cache: 250,000 series of ~60-character keys hold ${mb.toFixed(0)} MB of heap (${cache.size} entries)`);
  } else {
    out('run with --expose-gc to measure the cache memory');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
