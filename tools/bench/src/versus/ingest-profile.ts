/* eslint-disable no-console -- a benchmark prints its numbers */
// Where Strata's ingest CPU goes: the versus bench's ingest phase (its dataset, remote write
// 1.0, 8 connections) against Strata alone, with every service under `node --cpu-prof`.
// Prints each process' CPU seconds per million samples, then, per service, its busy time by
// the code that spent it (kafkajs, ioredis, zlib, garbage collection, Strata's own code...)
// and the functions with the most self time. Prints numbers; asserts nothing.
// BENCH_PROFILE_BATCH_RECORDS=false runs ingest with a log record per series (STRATA_LOG_BATCH_RECORDS),
// the way to measure batch records against the layout before them with the same build.
// BENCH_PROFILE_INGEST_ENV and BENCH_PROFILE_WRITER_ENV add settings to ingest's and the
// writer's environment, as space-separated NAME=value pairs (e.g.
// BENCH_PROFILE_WRITER_ENV=STRATA_REDIS_DIRECT_APPENDS=false), for other A/B runs.
// Run: npm run bench -- ingest-profile (docs/versus.md, "Where Strata's CPU goes")
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runBench } from '../run-bench';
import { summariseProfile, type CpuProfile } from '../cpu-profile';
import { cpuSeconds } from '../proc-cpu';
import { ingest } from './phases';
import { envSettings, startStrata } from './systems';
import { ingestBodies } from './workload';

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SAMPLES = setting('BENCH_PROFILE_SAMPLES', 3_000_000);
const CONNECTIONS = 8;
const SERIES = 5_000;
const SAMPLES_PER_BODY = 5_000;
const SECONDS = setting('BENCH_PROFILE_SECONDS', 60);
const TOP = setting('BENCH_PROFILE_FUNCTIONS', 12);

/** NAME=value pairs, space-separated, from the variable `name`. */

async function main(): Promise<void> {
  const dir = process.env['BENCH_PROFILE_DIR'] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'strata-ingest-profile-'));
  fs.mkdirSync(dir, { recursive: true });
  // Read by the harness when it spawns each service (libs/testing, service-process.ts).
  process.env['STRATA_NODE_ARGS'] = `${process.env['STRATA_NODE_ARGS'] ?? ''} --cpu-prof --cpu-prof-dir=${dir}`.trim();
  const { bodies } = ingestBodies({ seriesCount: SERIES, connections: CONNECTIONS, samplesPerBody: SAMPLES_PER_BODY, totalSamples: SAMPLES, endMs: Date.now() - 120_000, seed: 7 });
  console.log(`ingest profile: ${SERIES} series, ${bodies.reduce((n, b) => n + b.samples, 0).toLocaleString('en-US')} samples in remote-write 1.0 bodies of ${SAMPLES_PER_BODY}, ${CONNECTIONS} connections; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
  const batchRecords = process.env['BENCH_PROFILE_BATCH_RECORDS'] ?? 'true';
  console.log(`  ingest log records: ${batchRecords === 'false' ? 'one per series' : 'batched per partition'} (STRATA_LOG_BATCH_RECORDS=${batchRecords})`);
  const ingestEnv = { STRATA_LOG_BATCH_RECORDS: batchRecords, ...envSettings('BENCH_PROFILE_INGEST_ENV') };
  const writerEnv = envSettings('BENCH_PROFILE_WRITER_ENV');
  for (const [service, env] of [['ingest', ingestEnv], ['writer', writerEnv]] as const) {
    if (Object.keys(env).length > 0) console.log(`  ${service} settings: ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  }
  const strata = await startStrata(ingestEnv, writerEnv);
  const names = ['ingest', 'writer', 'reader'];
  const pids = strata.ownPids();
  const deps = strata.dependencyPids();
  /** A dependency by what it runs: two of them are `java`. */
  const comm = (pid: number) => {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes('kafka.Kafka')) return 'kafka';
    if (cmdline.includes('dynamodbv2.local')) return 'dynamodb-local';
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  };
  const depNames = deps.map(comm);
  const before = [...pids, ...deps].map(cpuSeconds);
  let samples = 0;
  try {
    const r = await ingest(strata, bodies, CONNECTIONS, SECONDS);
    samples = r.samples;
    const spent = [...pids, ...deps].map((pid, i) => cpuSeconds(pid) - before[i]);
    const perMillion = (s: number) => ((s / samples) * 1e6).toFixed(2);
    console.log(`  ${samples.toLocaleString('en-US')} samples acknowledged in ${r.sendSeconds.toFixed(1)} s, readable after ${r.settledSeconds.toFixed(1)} s; per process, CPU until every due window is sealed:`);
    [...names, ...depNames].forEach((name, i) => console.log(`  ${name.padEnd(14)} ${spent[i].toFixed(2).padStart(7)} CPU s  ${perMillion(spent[i]).padStart(6)} per 1M samples`));
    const own = spent.slice(0, pids.length).reduce((a, b) => a + b, 0);
    const all = spent.reduce((a, b) => a + b, 0);
    console.log(`  own processes ${perMillion(own)}, with dependencies ${perMillion(all)} CPU s per 1M samples, until every due window is sealed`);
    console.log(`  until readable (the writer caught up): own processes ${perMillion(r.cpu.own)}, with dependencies ${perMillion(r.cpu.own + r.cpu.dependencies)}`);
  } finally {
    // SIGTERM: each service exits by itself and writes its profile.
    await strata.stop();
  }
  for (const [i, pid] of pids.entries()) {
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && f.split('.')[3] === String(pid));
    if (!file) {
      console.log(`  ${names[i]}: no profile written (did it exit by itself?)`);
      continue;
    }
    const summary = summariseProfile(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile, TOP);
    const share = (ms: number) => `${((ms / summary.busyMs) * 100).toFixed(0).padStart(3)}%`;
    console.log(`\n  ${names[i]}: ${(summary.busyMs / 1_000).toFixed(1)} s busy over the run (profile ${path.join(dir, file)})`);
    for (const c of summary.categories) console.log(`    ${c.name.padEnd(26)} ${(c.ms / 1_000).toFixed(2).padStart(6)} s ${share(c.ms)}`);
    console.log('    most self time:');
    for (const f of summary.functions) console.log(`      ${(f.ms / 1_000).toFixed(2).padStart(6)} s ${share(f.ms)}  ${f.name}`);
  }
}

runBench(main);
