import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { status } from '@grpc/grpc-js';
import { Aggregation, type ReadRequest } from '@strata/proto';
import { createLogger } from '@strata/runtime';
import { createRedis, HotTierState, hotKeys, RedisHotReader, type Redis } from '@strata/storage/hot';
import { Registry } from 'prom-client';
import { ChunkDecoderSwitch } from './chunk-decoder';
import { Fetcher } from './fetcher';
import { toGrpcStatus } from './grpc-status';
import { HotTierWatch } from './hot-tier-watch';
import { ReadHandler } from './read-handler';
import { ReaderMetrics } from './reader-metrics';
import { ReadLimiter } from './read-limits';
import { HOUR, MemoryWarm, TEST_ADMISSION, TEST_LIMITS, W } from '../test/reader-harness';
import { HotTierSource, WarmTierSource } from './tier-sources';

/**
 * The reader against a real Redis whose hot-tier state hash (h:{state}) is set by hand, as
 * the writer sets it while it rebuilds Redis from the log. A private redis-server: the
 * hash is one key for the whole Redis, and the shared stack's writers read it.
 */
describe('reads while the hot tier is rebuilt (real Redis)', () => {
  let server: ChildProcess;
  let redis: Redis;
  let port: number;
  const now = Date.now();

  beforeAll(async () => {
    port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    redis = createRedis({ url: `redis://127.0.0.1:${port}`, maxRetriesPerRequest: 1 });
    for (let i = 0; i < 100 && (await redis.ping().catch(() => '')) !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50));
  });

  afterAll(async () => {
    redis.disconnect();
    if (server.exitCode === null) server.kill();
  });

  function reader() {
    const metrics = new ReaderMetrics(new Registry());
    const fetcher = new Fetcher({
      sources: [new HotTierSource(new RedisHotReader(redis, { windowMs: W })), new WarmTierSource(new MemoryWarm())],
      decoder: new ChunkDecoderSwitch(undefined, 64, metrics),
      tierTimeoutMs: 2_000,
      metrics,
    });
    return new ReadHandler({
      fetcher,
      limiter: new ReadLimiter(TEST_ADMISSION, metrics.admission),
      hotTier: new HotTierWatch(new HotTierState(redis), { ttlMs: 0, onStatus: (s) => metrics.hotTierRebuilding.set(s.complete ? 0 : 1) }),
      settings: { limits: TEST_LIMITS, concurrency: 4, planner: { windowMs: W, hotRetentionMs: 26 * HOUR, futureGraceMs: 600_000 } },
      metrics,
      logger: createLogger({ service: 'spec', level: 'silent' }),
      now: () => now,
    });
  }

  const read = async (reads: ReadHandler, r: Partial<ReadRequest>) => {
    const points: number[] = [];
    const warnings: string[] = [];
    for await (const m of reads.read('acme', { matchers: [], series: [{ name: 'cpu', labels: [] }], fromMs: now - HOUR, toMs: now + 1, stepMs: 0, aggregation: Aggregation.AVG, ...r })) {
      for (const s of m.series) points.push(...s.points.map((p) => p.value));
      warnings.push(...m.warnings);
    }
    return { points, warnings };
  };

  it('warns on every read of the hot span while h:{state} says so, and stops once the writer marks it whole', async () => {
    const reads = reader();
    // A Redis that lost everything: no state at all. The answer is empty, and says why it may be.
    expect(await read(reads, {})).toEqual({ points: [], warnings: [expect.stringMatching(/hot tier \(Redis\) has not been checked by a writer/)] });

    await redis.hset(hotKeys.state, 'initialised', String(now), 'p:0', String(now), 'p:3', String(now));
    expect((await read(reads, {})).warnings).toEqual([
      'hot tier (Redis) is being rebuilt from the log after it lost its data (partitions 0, 3); points of the last hours not yet sealed to the warm tier may be missing from this answer until it finishes',
    ]);
    // Long before the hot span: Redis never held it, so no warning.
    expect((await read(reads, { fromMs: now - 30 * 24 * HOUR, toMs: now - 20 * 24 * HOUR })).warnings).toEqual([]);

    await redis.hdel(hotKeys.state, 'p:0');
    expect((await read(reads, {})).warnings).toEqual([expect.stringMatching(/\(partition 3\)/)]);
    await redis.hdel(hotKeys.state, 'p:3');
    expect(await read(reads, {})).toEqual({ points: [], warnings: [] });
  });

  it('fails the read UNAVAILABLE, as any hot-tier failure, when the state cannot be read', async () => {
    const reads = reader();
    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    const error = await read(reads, {}).catch((e: unknown) => e);
    expect(toGrpcStatus(error).code).toBe(status.UNAVAILABLE);
    // As any hot-tier failure of a read: naming the series, then why (the state lookup failed).
    expect(toGrpcStatus(error).details).toMatch(/^hot tier \(Redis\) failed reading cpu in .*h:\{state\}/);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
