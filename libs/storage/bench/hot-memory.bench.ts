/**
 * Redis bytes per unsealed point (open-window hashes) with and without record offsets, and
 * with a window's points in one record (one packed field, window-hash.ts):
 * `npx tsx libs/storage/bench/hot-memory.bench.ts` against the local stack's Redis
 * (STRATA_REDIS_URL; uses database 2 and deletes what it wrote). MEMORY USAGE per key,
 * so other clients' load does not skew it. Prints numbers; asserts nothing.
 */
import { randomUUID } from 'node:crypto';
import { createRedis, hotKeys, RedisHotStore, seriesId, type HotSeriesWrite } from '../src/hot';

const SERIES = Number(process.env['BENCH_SERIES'] ?? 2_000);
const POINTS = 120; // a 2 h window of 60 s points
const HOUR = 3_600_000;
const start = 1_763_856_000_000;

async function main(): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const redis = createRedis({ url: `${process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379'}/2` });
  const store = new RedisHotStore(redis, { windowMs: 2 * HOUR, sealGraceMs: 60_000, retentionMs: 26 * HOUR });
  const partition = 9_000_000 + Math.floor(Math.random() * 1_000_000);
  out(`${SERIES} series x ${POINTS} points (60 s, 2-decimal values) in one open window each`);
  const shapes = [
    ['no offset (before)', undefined, 1],
    ['offset ~5e6 (3 bytes)', 5e6, 1],
    ['offset ~5e9 (5 bytes)', 5e9, 1],
    // A client batching 8 points of a series per request (the write and versus benches' shape).
    ['records of 8 (packed)', 5e9, 8],
    ['one record (packed)', 5e9, POINTS],
  ] as const;
  for (const [label, firstOffset, perRecord] of shapes) {
    const tenant = `bench${randomUUID().slice(0, 8)}`;
    const keys: string[] = [];
    for (let s = 0; s < SERIES; s += 100) {
      const writes: HotSeriesWrite[] = [];
      for (let k = s; k < Math.min(SERIES, s + 100); k++) {
        const seriesKey = `cpu{host="h${k}"}`;
        keys.push(hotKeys.open(seriesId(tenant, seriesKey), start));
        if (perRecord > 1 && firstOffset !== undefined) {
          // The window's points in records of perRecord points (a backfill, or a client batching a series).
          for (let r = 0; r * perRecord < POINTS; r++) {
            const points = Array.from({ length: Math.min(perRecord, POINTS - r * perRecord) }, (_, p) => ({
              timestampMs: start + (r * perRecord + p) * 60_000,
              value: Math.round(Math.random() * 10_000) / 100,
            }));
            writes.push({ tenant, seriesKey, points, offset: firstOffset + r * SERIES + k });
          }
          continue;
        }
        for (let p = 0; p < POINTS; p++) {
          // One record per point, as a 60 s scrape writes it; offsets interleave across series.
          const offset = firstOffset === undefined ? undefined : firstOffset + p * SERIES + k;
          writes.push({ tenant, seriesKey, points: [{ timestampMs: start + p * 60_000, value: Math.round(Math.random() * 10_000) / 100 }], ...(offset === undefined ? {} : { offset }) });
        }
      }
      await store.append(partition, writes);
    }
    let bytes = 0;
    for (const key of keys) bytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    out(`  ${label.padEnd(24)} ${(bytes / (SERIES * POINTS)).toFixed(2)} bytes/point (open hash, ${(bytes / SERIES).toFixed(0)} bytes/window)`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  }
  await redis.del(hotKeys.due(partition));
  redis.disconnect();
}

void main();
