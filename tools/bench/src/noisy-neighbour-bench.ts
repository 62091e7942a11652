/* eslint-disable no-console -- a benchmark prints its numbers */
// Noisy-neighbour benchmark: tenant B's write latency and time-to-readable (B in a thread of
// its own, canary-worker.ts, as another client would be), idle and while
// tenant A and a client with no key send everything hostile at full speed (the traffic of
// tools/system-tests' noisy-neighbour spec, unbounded in count), and ingest's peak resident
// memory under a keyless flood alone. Runs on a private stack (free ports, temporary
// directory) with the built services, so it never touches the shared one. Prints numbers;
// asserts nothing.
// Run: npm run bench (or npx tsx tools/bench/src/noisy-neighbour-bench.ts)
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type * as grpc from '@grpc/grpc-js';
import {
  AttackTally,
  hostileAttacks,
  METHODS,
  outcomeCode,
  ownConnection,
  residentMemory,
  sampleResidentMemory,
  seedRequest,
  sendNoise,
  StrataSystem,
  unaryRaw,
  type Attack,
} from '@strata/system-tests';
import { DEFAULT_WINDOW_MS } from '@strata/storage/hot';
import type { CanaryAnswer, CanaryCommand, CanaryThreadData } from './canary-worker';
import { median, percentile } from './stats';
import { runBench } from './run-bench';

const SECONDS = Number(process.env['BENCH_NOISY_SECONDS'] ?? 30);
const KEYLESS_SECONDS = Number(process.env['BENCH_KEYLESS_SECONDS'] ?? 15);
/** Concurrent 8 MB keyless bodies in the flood, as in the issue. */
const KEYLESS_CONCURRENCY = Number(process.env['BENCH_KEYLESS_CONCURRENCY'] ?? 4);
const KEYS = { a: 'noisy-tenant-a-key', b: 'canary-tenant-b-key', wrong: 'nobody-has-this-key' };
const API_KEYS = `${KEYS.a}:tenant-a,${KEYS.b}:tenant-b`;
const MIB = 1024 * 1024;
/** Only the attacks whose name matches this regular expression, to find which of them costs B (e.g. `label bomb|garbage`). */
const ONLY = new RegExp(process.env['BENCH_NOISY_ATTACKS'] ?? '');
/** A bench setting; `default` leaves the service's own default (the services' defaults let one tenant use a whole machine). */
function setting(name: string, fallback: string): string | undefined {
  const value = process.env[name] ?? fallback;
  return value === 'default' ? undefined : value;
}
// Each tenant's rates, as an operator sets them: a share of what this machine does, not the
// services' defaults, under which A's legitimate volume alone fills the 2 cores and no
// scheduling could keep B's latency. Writes: 20,000 points/s (STRATA_TENANT_POINTS_PER_SECOND),
// an eighth of the write bench's 150,000, so one 100,000-point series every 5 s. Reads:
// 100,000 decoded points/s (STRATA_READ_TENANT_POINTS_PER_SECOND), one read of that series a
// second. Bytes: the default 32 MiB/s. `default` for any of them runs the service's default.
const TENANT_RATE = setting('BENCH_TENANT_POINTS_PER_SECOND', '20000');
// The request bytes per second ingest takes from one tenant (STRATA_TENANT_BYTES_PER_SECOND); unset, its default.
const TENANT_BYTES = setting('BENCH_TENANT_BYTES_PER_SECOND', 'default');
const RATE_ENV: Record<string, string> = {
  ...(TENANT_RATE && { STRATA_TENANT_POINTS_PER_SECOND: TENANT_RATE, STRATA_TENANT_BURST_POINTS: String(Math.max(2 * Number(TENANT_RATE), 100_000)) }),
  ...(TENANT_BYTES && { STRATA_TENANT_BYTES_PER_SECOND: TENANT_BYTES }),
};

// The window length writer and reader run with: the shipped default (4 h) unless
// BENCH_WINDOW_MS says otherwise. The system tests' harness uses 1-minute windows so that
// seals happen within a test; with those, A's writes 30 minutes back re-seal due windows
// and a year-long read asks Redis for 1,560 windows of the hot span instead of 7.
const WINDOW_ENV: Record<string, string> = { STRATA_WINDOW_MS: process.env['BENCH_WINDOW_MS'] ?? String(DEFAULT_WINDOW_MS) };

// The per-tenant decode rate the reader enforces (STRATA_READ_TENANT_POINTS_PER_SECOND).
const READ_RATE = setting('BENCH_TENANT_READ_POINTS_PER_SECOND', '100000');
const READ_RATE_ENV: Record<string, string> = READ_RATE ? { STRATA_READ_TENANT_POINTS_PER_SECOND: READ_RATE } : {};

interface Phase {
  readonly write: number[];
  readonly readable: number[];
  readonly refusals: number;
}

/** Tenant B's thread (canary-worker.ts): one command at a time, answered in order. */
class CanaryThread {
  private readonly worker: Worker;

  constructor(data: CanaryThreadData) {
    const source = path.join(__dirname, 'canary-worker.ts');
    this.worker = new Worker(source, { workerData: data, execArgv: ['--require', require.resolve('tsx/cjs')] });
  }

  ask(command: CanaryCommand): Promise<CanaryAnswer> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.worker.once('error', onError);
      this.worker.once('message', (answer: CanaryAnswer) => {
        this.worker.off('error', onError);
        if (answer.error) reject(new Error(`tenant B's thread failed: ${answer.error}`));
        else resolve(answer);
      });
      this.worker.postMessage(command);
    });
  }

  async stop(): Promise<void> {
    await this.ask({ op: 'stop' }).catch(() => undefined);
    await this.worker.terminate();
  }
}

async function main(): Promise<void> {
  let failures: string[] = [];
  let stopCanary: () => Promise<void> = async () => undefined;
  const system = await StrataSystem.start({
    name: 'bench-noisy',
    baseEnv: process.env,
    ingestEnv: { STRATA_API_KEYS: API_KEYS, STRATA_LOG_LEVEL: 'warn', ...RATE_ENV },
  });
  const connections: grpc.Client[] = [];
  const connect = (address: string) => {
    const client = ownConnection(address);
    connections.push(client);
    return client;
  };
  try {
    await system.startWriter('writer', { env: { STRATA_LOG_LEVEL: 'warn', ...WINDOW_ENV } });
    const reader = await system.startReader('reader', { STRATA_API_KEYS: API_KEYS, STRATA_COLD_ENABLED: 'false', STRATA_LOG_LEVEL: 'warn', ...WINDOW_ENV, ...READ_RATE_ENV });
    const now = Date.now();
    const http = { ingest: system.ingestHttpUrl, reader: `http://127.0.0.1:${reader.options.httpApiPort}` };
    const a = { ingest: connect(system.ingest.grpcAddress), reader: connect(reader.grpcAddress), http };
    const keyless = { ingest: connect(system.ingest.grpcAddress), reader: connect(reader.grpcAddress), http };
    const canary = new CanaryThread({ ingest: system.ingest.grpcAddress, reader: reader.grpcAddress, apiKey: KEYS.b });
    stopCanary = () => canary.stop();
    const seeded = await unaryRaw(a.ingest, METHODS.write, seedRequest(now), KEYS.a, 60_000);
    if (!seeded.ok) throw new Error(`seeding tenant A failed: ${outcomeCode(seeded)} ${seeded.error.details}`);
    await canary.ask({ op: 'settle', timeoutMs: 120_000 });

    // B runs in a thread of its own (canary-worker.ts) while this thread sends A's traffic.
    const measure = async (during: () => Promise<void>): Promise<Phase> => {
      const failuresBefore = failures.length;
      const [run] = await Promise.all([canary.ask({ op: 'run', seconds: SECONDS }), during()]);
      failures = run.failures;
      return { write: run.write ?? [], readable: run.readable ?? [], refusals: failures.length - failuresBefore };
    };

    const attacks = hostileAttacks({ now, countScale: 1_000, httpDoors: true });
    const noisy = attacks.filter((attack) => ONLY.test(attack.name));
    console.log(
      `noisy neighbour: tenant B writes one point every 100 ms and reads it back, ${SECONDS} s idle, then ${SECONDS} s while tenant A and a keyless client send at full speed` +
        (noisy.length < attacks.length ? ` (only ${noisy.map((attack) => attack.name).join('; ')})` : '') +
        `; tenant rate ${TENANT_RATE ? `${TENANT_RATE} points/s (BENCH_TENANT_POINTS_PER_SECOND)` : 'the default, 1,000,000 points/s'}` +
        `, ${TENANT_BYTES ? `${TENANT_BYTES} bytes/s (BENCH_TENANT_BYTES_PER_SECOND)` : 'the default 32 MiB/s'}` +
        `, reads ${READ_RATE ? `${READ_RATE} points/s (BENCH_TENANT_READ_POINTS_PER_SECOND)` : 'the default 10,000,000 points/s'}; window ${WINDOW_ENV['STRATA_WINDOW_MS']} ms`,
    );
    const idle = await measure(async () => undefined);
    const tally = new AttackTally();
    const noiseEnds = Date.now() + SECONDS * 1_000;
    const loaded = await measure(() => sendNoise(noisy, { tenant: a, keyless }, { tenant: KEYS.a, wrong: KEYS.wrong }, tally, () => Date.now() >= noiseEnds));
    // Checked once the writer has projected everything: B's last points may still be on
    // their way (time to readable under noise is seconds), which is slow, not lost.
    await system.waitForCatchUp(120_000);
    const checked = await canary.ask({ op: 'check' });
    failures = checked.failures;
    const lost = checked.lost ?? [];

    // The keyless flood alone: concurrent 8 MB bodies with no key, ingest's RSS sampled every 5 ms.
    const flood: Attack[] = attacks.filter((attack) => attack.name === 'keyless label bomb 8 MB');
    const before = residentMemory(system.ingest.pid);
    const sampler = sampleResidentMemory(system.ingest.pid);
    const floodTally = new AttackTally();
    const floodEnds = Date.now() + KEYLESS_SECONDS * 1_000;
    await sendNoise(flood, { tenant: a, keyless }, { tenant: KEYS.a, wrong: KEYS.wrong }, floodTally, () => Date.now() >= floodEnds, { tenantWrites: 0, tenantReads: 0, keyless: KEYLESS_CONCURRENCY });
    const peak = sampler.stop();

    const line = (label: string, xs: number[]) => `${label.padEnd(36)}p50 ${median(xs).toFixed(1)} ms   p99 ${percentile(xs, 99).toFixed(1)} ms   (${xs.length} samples)`;
    const ratio = (f: (xs: number[]) => number, key: 'write' | 'readable') => (f(loaded[key]) / f(idle[key])).toFixed(2);
    const p99 = (xs: number[]) => percentile(xs, 99);
    console.log(`
noisy neighbour results (tenant B; goal: p99 under noise no more than 2x idle)
  ${line('write latency, idle', idle.write)}
  ${line('write latency, under noise', loaded.write)}
  ${line('time-to-readable, idle', idle.readable)}
  ${line('time-to-readable, under noise', loaded.readable)}
  p99 ratio under noise / idle        write ${ratio(p99, 'write')}x   time-to-readable ${ratio(p99, 'readable')}x   (p50: ${ratio(median, 'write')}x, ${ratio(median, 'readable')}x)
  B refusals and failed reads         ${idle.refusals} idle, ${loaded.refusals} under noise${failures.length > 0 ? ` (first: ${failures[0]})` : ''}; acknowledged points missing at the end: ${lost.length === 0 ? 'none' : lost.join('; ')}
  hostile requests answered           ${tally.total} in ${SECONDS} s; statuses outside the allowed ones: ${tally.problems.length}
${tally.describe().split('\n').filter((l) => !l.startsWith('    ') && !l.includes('first answer')).map((l) => `    ${l.trim()}`).join('\n')}

keyless flood (${KEYLESS_CONCURRENCY} concurrent 8 MB bodies without a key for ${KEYLESS_SECONDS} s: ${floodTally.total} refused ${[...(floodTally.counts.values().next().value ?? new Map<string, number>())].map(([c, n]) => `${c} x${n}`).join(', ')})
  ingest RSS before                   ${(before.rss / MIB).toFixed(1)} MiB   (VmHWM so far ${(before.hwm / MIB).toFixed(1)} MiB)
  ingest peak RSS during the flood    ${(peak.peakRss / MIB).toFixed(1)} MiB   (+${((peak.peakRss - before.rss) / MIB).toFixed(1)} MiB; VmHWM after ${(peak.hwm / MIB).toFixed(1)} MiB)`);
  } finally {
    await stopCanary();
    connections.forEach((c) => c.close());
    await system.stop();
  }
}

runBench(main);
