/* eslint-disable no-console -- a benchmark prints its numbers */
// Strata beside the stores a user would pick instead (VictoriaMetrics single-node, Prometheus
// 3), on this machine, in one run, with one dataset (the write bench's) written to each
// through remote write, and the same PromQL asked of each. Prints one table with Strata/peer
// ratios per row and writes it as JSON. Prints numbers; asserts nothing. What each row means,
// and how each peer is configured: docs/versus.md.
// Run: npm run bench -- versus (installs the peers with tools/bin/peers.sh first)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { residentMemory } from '@strata/system-tests';
import { prng, sleep } from '@strata/testing';
import { runBench } from '../run-bench';
import { concurrentReads, CORES, ingest, interleavedIngest, load, pacedLoad, shape, summary, timeToReadable, type IngestResult, type PacedLoad, type RangeQuery } from './phases';
import { startPrometheus, startStrata, startVictoriaMetrics, type VersusSystem } from './systems';
import { printTable, writeTable, type Row } from './table';
import { grpcWriteTarget } from '../remote-write-target';
import { historyBodies, ingestBodies, seriesNames } from './workload';

const workspace = path.resolve(__dirname, '../../../..');
const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const MINUTE = 60_000;
const DAY = 86_400_000;
/** The write bench's shape: 5,000 series, 5,000-sample requests, 8 in flight. */
const INGEST_SERIES = setting('BENCH_VERSUS_SERIES', 5_000);
const CONNECTIONS = setting('BENCH_VERSUS_CONNECTIONS', 8);
const SAMPLES_PER_BODY = 5_000;
const INGEST_SAMPLES = setting('BENCH_VERSUS_INGEST_SAMPLES', 8_000_000);
const INGEST_SECONDS = setting('BENCH_VERSUS_INGEST_SECONDS', 30);
/** The ingest phase in this many slices, each sent to every system in turn (interleavedIngest). */
const INGEST_ROUNDS = setting('BENCH_VERSUS_INGEST_ROUNDS', 3);
const PROBES = setting('BENCH_VERSUS_PROBES', 20);
/** How long the half load is encoded for (the probes take about 5 s of it, plus their wait). */
const LOAD_SECONDS = setting('BENCH_VERSUS_LOAD_SECONDS', 12);
/** Recent data the query shapes read: 300 series (100 of them in dc0) over 2 days. */
const QUERY_SERIES = 300;
const QUERY_DAYS = 2;
/** The long series: 1-minute points over this many days, read at 5 m. */
const LONG_SERIES = 3;
const LONG_DAYS = setting('BENCH_VERSUS_LONG_DAYS', 30);
/** The backfilled series: 1-minute points over this many days (inside Strata's 460-day retention), read at 1 d; 0 skips it. */
const BACKFILL_SERIES = 1;
const BACKFILL_DAYS = setting('BENCH_VERSUS_BACKFILL_DAYS', 459);
const QUERIES = setting('BENCH_VERSUS_QUERIES', 30);
const SHAPE_SECONDS = setting('BENCH_VERSUS_SHAPE_SECONDS', 40);
const CLIENTS = 16;
const CONCURRENT_SECONDS = setting('BENCH_VERSUS_CONCURRENT_SECONDS', 20);
/** `Strata,VictoriaMetrics,Prometheus` by default; a subset runs only those. */
const ONLY = (process.env['BENCH_VERSUS_SYSTEMS'] ?? '').split(',').filter(Boolean);
const OUTPUT = process.env['BENCH_VERSUS_JSON'] ?? path.join(process.env['STRATA_CACHE_DIR'] ?? path.join(workspace, '.cache'), 'bench', 'versus.json');

const starters: Record<string, (settings: { spanDays: number; dir: string }) => Promise<VersusSystem>> = {
  Strata: () => startStrata(),
  VictoriaMetrics: startVictoriaMetrics,
  Prometheus: startPrometheus,
};

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const loadAverage = os.loadavg();
  const began = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-versus-'));
  const systems: VersusSystem[] = [];
  const rows: Row[] = [];
  const notes: string[] = [];
  const row = (name: string, unit: string, better: Row['better'], value: (s: VersusSystem) => number | undefined) =>
    rows.push({ row: name, unit, better, values: Object.fromEntries(systems.map((s) => [s.name, value(s)])) });
  try {
    const encodeBegan = performance.now();
    const { bodies, minutes } = ingestBodies({ seriesCount: INGEST_SERIES, connections: CONNECTIONS, samplesPerBody: SAMPLES_PER_BODY, totalSamples: INGEST_SAMPLES, endMs: Date.now() - 2 * MINUTE, seed: 7 });
    const ingestSamples = bodies.reduce((n, b) => n + b.samples, 0);
    console.log(
      `versus: ${INGEST_SERIES} series of the write bench's dataset, ${ingestSamples.toLocaleString('en-US')} samples (${minutes} minutes) in ${bodies.length} remote-write 1.0 bodies ` +
        `of ${SAMPLES_PER_BODY}, encoded once in ${((performance.now() - encodeBegan) / 1_000).toFixed(1)} s; ${CONNECTIONS} connections; each system gets the same bodies for up to ${INGEST_SECONDS} s`,
    );
    for (const name of Object.keys(starters).filter((n) => ONLY.length === 0 || ONLY.includes(n))) {
      const systemDir = fs.mkdtempSync(path.join(dir, `${name.toLowerCase()}-`));
      systems.push(await starters[name]({ spanDays: Math.max(LONG_DAYS, BACKFILL_DAYS), dir: systemDir }));
    }
    for (const s of systems) console.log([`  ${s.name}: ${s.version}`, ...s.configuration.map((c) => `    ${c}`)].join('\n'));

    // ---- Ingest: the dataset in rounds, each round to every system in turn (the others idle).
    const printIngest = (label: string, r: IngestResult) => {
      const failures = [...r.failures].map(([code, f]) => `${f.count} x ${code} (${f.first.split('\n')[0]})`).join(', ');
      console.log(
        `  ingest ${label}: ${r.samples.toLocaleString('en-US')} samples acknowledged in ${r.sendSeconds.toFixed(1)} s, settled after ${r.settledSeconds.toFixed(1)} s; ` +
          `CPU ${r.cpu.own.toFixed(1)} s own, ${r.cpu.dependencies.toFixed(1)} s dependencies, ${r.cpu.generator.toFixed(1)} s generator; machine ${(r.cpu.machineBusy * 100).toFixed(0)}% busy${failures ? `; failed: ${failures}` : ''}`,
      );
    };
    const ingested = await interleavedIngest(systems, bodies, CONNECTIONS, INGEST_SECONDS, INGEST_ROUNDS, (s, round, r) =>
      printIngest(`${s.name}, round ${round + 1} of ${INGEST_ROUNDS}`, r),
    );
    for (const s of systems) printIngest(`${s.name}, all rounds`, ingested.get(s.name)!);
    // Strata's own write path too: the same dataset through gRPC Write, as new series (set="grpc").
    const viaGrpc = new Map<string, IngestResult>();
    for (const s of systems.filter((x) => x.grpcAddress !== undefined)) {
      const grpcBodies = ingestBodies({ seriesCount: INGEST_SERIES, connections: CONNECTIONS, samplesPerBody: SAMPLES_PER_BODY, totalSamples: INGEST_SAMPLES, endMs: Date.now() - 2 * MINUTE, seed: 7, grpc: true }).bodies;
      const target = grpcWriteTarget({ address: s.grpcAddress!, apiKey: s.apiKey, connections: CONNECTIONS });
      const r = await ingest(s, grpcBodies, CONNECTIONS, INGEST_SECONDS, target);
      viaGrpc.set(s.name, r);
      console.log(
        `  ingest ${s.name} through gRPC Write: ${r.samples.toLocaleString('en-US')} samples acknowledged in ${r.sendSeconds.toFixed(1)} s, settled after ${r.settledSeconds.toFixed(1)} s; ` +
          `CPU ${r.cpu.own.toFixed(1)} s own, ${r.cpu.dependencies.toFixed(1)} s dependencies; machine ${(r.cpu.machineBusy * 100).toFixed(0)}% busy${r.failures.size ? `; failed: ${[...r.failures.keys()].join(', ')}` : ''}`,
      );
    }
    const ing = (s: VersusSystem) => ingested.get(s.name)!;
    const grpcOf = (s: VersusSystem, f: (r: IngestResult) => number) => (viaGrpc.has(s.name) ? f(viaGrpc.get(s.name)!) : undefined);
    row('ingest, acknowledged', 'samples/s', 'higher', (s) => ing(s).samples / ing(s).sendSeconds);
    row('ingest, sustained (until settled)', 'samples/s', 'higher', (s) => ing(s).samples / ing(s).settledSeconds);
    row('CPU per 1M samples, own processes', 'CPU s', 'lower', (s) => (ing(s).cpu.own / ing(s).samples) * 1e6);
    row('CPU per 1M samples, with dependencies', 'CPU s', 'lower', (s) => ((ing(s).cpu.own + ing(s).cpu.dependencies) / ing(s).samples) * 1e6);
    row('  same, own, until stored (Strata: sealed)', 'CPU s', 'lower', (s) => (ing(s).cpuStored.own / ing(s).samples) * 1e6);
    row('  same, with dependencies, until stored', 'CPU s', 'lower', (s) => ((ing(s).cpuStored.own + ing(s).cpuStored.dependencies) / ing(s).samples) * 1e6);
    if (viaGrpc.size > 0) {
      row('  Strata through gRPC Write, sustained', 'samples/s', 'higher', (s) => grpcOf(s, (r) => r.samples / r.settledSeconds));
      row('  Strata through gRPC Write, CPU own', 'CPU s', 'lower', (s) => grpcOf(s, (r) => (r.cpu.own / r.samples) * 1e6));
      row('  Strata through gRPC Write, CPU with deps', 'CPU s', 'lower', (s) => grpcOf(s, (r) => ((r.cpu.own + r.cpu.dependencies) / r.samples) * 1e6));
    }
    row('write latency p99 (5,000 samples)', 'ms', 'lower', (s) => summary(ing(s).latencies).p99);

    // ---- Time-to-readable, idle: every system's variants in turn, once the ingest phase's
    // work is done (Strata seals the windows the ingest data closed).
    await Promise.all(systems.map((s) => s.settle('stored')));
    // Warm-up, not measured: 5 probes each, so that no system's first queries (a fresh
    // connection pool, code not yet compiled) count against it.
    for (const s of systems) await timeToReadable(s, s.freshness.length - 1, 5, 50, 90_000);
    const ttr = new Map<string, ReturnType<typeof summary>>();
    for (const s of systems) {
      for (const [v, variant] of s.freshness.entries()) {
        const r = await timeToReadable(s, v, PROBES, 250, 90_000);
        const key = `${s.name}${variant.label ? ` (${variant.label})` : ''}`;
        ttr.set(`${s.name}#${v}`, summary(r.latencies));
        console.log(`  time-to-readable ${key}: p50 ${summary(r.latencies).p50.toFixed(0)} ms, p99 ${summary(r.latencies).p99.toFixed(0)} ms over ${r.latencies.length} probes${r.failures ? `; ${r.failures} failed: ${r.firstFailure}` : ''}`);
      }
    }
    // ---- Time-to-readable at half of each system's sustained ingest rate: the same probes
    // while remote write of other series (set="load", the same dataset) goes on at that rate.
    const halfRate = (s: VersusSystem) => ing(s).samples / ing(s).settledSeconds / 2;
    const loadSamples = Math.min(INGEST_SAMPLES, Math.max(...systems.map((s) => halfRate(s) * LOAD_SECONDS)));
    const loadBodies = ingestBodies({ seriesCount: INGEST_SERIES, connections: CONNECTIONS, samplesPerBody: SAMPLES_PER_BODY, totalSamples: loadSamples, endMs: Date.now() - 2 * MINUTE, seed: 23, set: 'load' }).bodies;
    const underLoad = new Map<string, { ttr: ReturnType<typeof summary>; load: PacedLoad }>();
    for (const s of systems) {
      const variant = s.freshness.length - 1; // VictoriaMetrics: with latency_offset=1ms, the freshest it answers
      let probesDone!: () => void;
      const probing = new Promise<void>((resolve) => (probesDone = resolve));
      const loading = pacedLoad(s, loadBodies, CONNECTIONS, halfRate(s), probing);
      await sleep(1_000); // the load under way before the first probe
      const r = await timeToReadable(s, variant, PROBES, 250, 90_000).finally(probesDone);
      const load = await loading;
      underLoad.set(s.name, { ttr: summary(r.latencies), load });
      console.log(
        `  time-to-readable ${s.name}${s.freshness[variant].label ? ` (${s.freshness[variant].label})` : ''} at half load (${Math.round(halfRate(s)).toLocaleString('en-US')} samples/s asked, ${Math.round(load.samplesPerSecond).toLocaleString('en-US')} acknowledged${load.ranOut ? ', the load bodies ran out first' : ''}${load.failures ? `, ${load.failures} load writes failed: ${load.firstFailure}` : ''}): ` +
          `p50 ${summary(r.latencies).p50.toFixed(0)} ms, p99 ${summary(r.latencies).p99.toFixed(0)} ms over ${r.latencies.length} probes${r.failures ? `; ${r.failures} failed: ${r.firstFailure}` : ''}`,
      );
    }
    const fresh = (s: VersusSystem, v: number) => ttr.get(`${s.name}#${Math.min(v, s.freshness.length - 1)}`);
    row('time-to-readable p50, idle', 'ms', 'lower', (s) => fresh(s, 0)?.p50);
    row('time-to-readable p99, idle', 'ms', 'lower', (s) => fresh(s, 0)?.p99);
    if (systems.some((s) => s.freshness.length > 1)) {
      row('  same, VictoriaMetrics latency_offset=1ms, p50', 'ms', 'lower', (s) => fresh(s, 1)?.p50);
      row('  same, VictoriaMetrics latency_offset=1ms, p99', 'ms', 'lower', (s) => fresh(s, 1)?.p99);
    }
    row('time-to-readable p50, at half load (VM: latency_offset=1ms)', 'ms', 'lower', (s) => underLoad.get(s.name)?.ttr.p50);
    row('time-to-readable p99, at half load', 'ms', 'lower', (s) => underLoad.get(s.name)?.ttr.p99);
    row('  the half load, acknowledged', 'samples/s', 'higher', (s) => underLoad.get(s.name)?.load.samplesPerSecond);

    // ---- The query data: recent series and long ones, written to all at once.
    const endMs = Math.floor((Date.now() - 2 * MINUTE) / MINUTE) * MINUTE;
    const loadBegan = performance.now();
    const loaded =
      (await load(systems, historyBodies({ prefix: 'host', set: 'query', seriesCount: QUERY_SERIES, days: QUERY_DAYS, endMs, samplesPerBody: 6_000, seed: 11 }))) +
      (await load(systems, historyBodies({ prefix: 'long', set: 'long', seriesCount: LONG_SERIES, days: LONG_DAYS, endMs, samplesPerBody: 6_000, seed: 13 })));
    await Promise.all(systems.map((s) => s.settle('stored')));
    console.log(`  query data: ${QUERY_SERIES} series x ${QUERY_DAYS} d and ${LONG_SERIES} series x ${LONG_DAYS} d at 1 min (${loaded.toLocaleString('en-US')} samples) written to every system in ${((performance.now() - loadBegan) / 1_000).toFixed(0)} s`);
    let backfilled = 0;
    if (BACKFILL_DAYS > 0) {
      const began = performance.now();
      backfilled = await load(systems, historyBodies({ prefix: 'backfill', set: 'backfill', seriesCount: BACKFILL_SERIES, days: BACKFILL_DAYS, endMs, samplesPerBody: 6_000, seed: 17 }));
      await Promise.all(systems.map((s) => s.settle('stored')));
      console.log(`  backfill: ${BACKFILL_SERIES} series x ${BACKFILL_DAYS} d at 1 min (${backfilled.toLocaleString('en-US')} samples), oldest first, written to every system in ${((performance.now() - began) / 1_000).toFixed(0)} s`);
    }
    for (const s of systems) if (s.archive) console.log(`  ${s.name}: ${await s.archive()}`);
    /** Points of the query data and the backfill older than `t` (1 a minute per series, ending at endMs). */
    const olderThan = (t: number) =>
      [
        { series: LONG_SERIES, days: LONG_DAYS },
        { series: BACKFILL_SERIES, days: BACKFILL_DAYS },
        { series: QUERY_SERIES, days: QUERY_DAYS },
      ].reduce((n, d) => n + d.series * Math.min(d.days * 1_440, Math.max(0, Math.ceil((t - (endMs - d.days * DAY)) / MINUTE))), 0);

    const recent = seriesNames('host', QUERY_SERIES);
    const long = seriesNames('long', LONG_SERIES);
    const backfill = seriesNames('backfill', BACKFILL_SERIES);
    const random = prng(99);
    const pick = <T>(xs: readonly T[], r: () => number) => xs[Math.floor(r() * xs.length)];
    const shapes: Array<{ name: string; next: (i: number) => RangeQuery }> = [
      { name: '1 series x 1 d, raw (60 s step)', next: () => ({ query: `${pick(recent, random)}{set="query"}`, startMs: endMs - DAY, endMs, stepMs: MINUTE }) },
      { name: '100 series x 1 d (60 s step)', next: () => ({ query: '{set="query",dc="dc0"}', startMs: endMs - DAY, endMs, stepMs: MINUTE }) },
      { name: `1 series x ${LONG_DAYS} d at 5 m`, next: (i) => ({ query: `avg_over_time(${long[i % long.length]}{set="long"}[5m])`, startMs: endMs - LONG_DAYS * DAY, endMs, stepMs: 5 * MINUTE }) },
    ];
    if (BACKFILL_DAYS > 0) {
      shapes.push({ name: `1 series x ${BACKFILL_DAYS} d at 1 d, backfilled`, next: () => ({ query: `avg_over_time(${backfill[0]}{set="backfill"}[1d])`, startMs: endMs - (BACKFILL_DAYS - 1) * DAY, endMs, stepMs: DAY }) });
    }
    for (const sh of shapes) {
      const results = await shape(systems, sh.next, QUERIES, 3, SHAPE_SECONDS);
      const line = results.map((r, k) => `${systems[k].name} p50 ${summary(r.latencies).p50.toFixed(1)} / p99 ${summary(r.latencies).p99.toFixed(1)} ms (${r.points} points${r.failures ? `, ${r.failures} failed: ${r.firstFailure}` : ''})`);
      console.log(`  query ${sh.name}: ${line.join('; ')}`);
      row(`query ${sh.name}, p50`, 'ms', 'lower', (s) => summary(results[systems.indexOf(s)].latencies).p50);
      row(`query ${sh.name}, p99`, 'ms', 'lower', (s) => summary(results[systems.indexOf(s)].latencies).p99);
    }

    // ---- Concurrent reads: 16 clients, random 1 series x 1 day of the last 2 days.
    const concurrent = new Map<string, Awaited<ReturnType<typeof concurrentReads>>>();
    for (const s of systems) {
      const r2 = prng(5);
      const next = () => {
        const end = endMs - Math.floor(r2() * 1_440) * MINUTE;
        return { query: `${pick(recent, r2)}{set="query"}`, startMs: end - DAY, endMs: end, stepMs: MINUTE };
      };
      const r = await concurrentReads(s, CLIENTS, CONCURRENT_SECONDS, next);
      concurrent.set(s.name, r);
      const perThousand = (cpu: number) => ((cpu / r.latencies.length) * 1_000).toFixed(2);
      console.log(
        `  ${CLIENTS} clients ${s.name}: ${r.queriesPerSecond.toFixed(0)} queries/s, p50 ${summary(r.latencies).p50.toFixed(1)} ms, p99 ${summary(r.latencies).p99.toFixed(1)} ms; ` +
          `CPU s per 1,000 queries ${perThousand(r.cpu.own)} own, ${perThousand(r.cpu.dependencies)} dependencies, ${perThousand(r.cpu.clients)} clients; machine ${(r.cpu.machineBusy * 100).toFixed(0)}% busy` +
          `${r.failures ? `; ${r.failures} failed: ${r.firstFailure}` : ''}`,
      );
    }
    row(`${CLIENTS} clients, 1 series x 1 d`, 'queries/s', 'higher', (s) => concurrent.get(s.name)!.queriesPerSecond);
    row(`${CLIENTS} clients, p50`, 'ms', 'lower', (s) => summary(concurrent.get(s.name)!.latencies).p50);
    row(`${CLIENTS} clients, p99`, 'ms', 'lower', (s) => summary(concurrent.get(s.name)!.latencies).p99);
    row(`${CLIENTS} clients, CPU per 1,000 queries, own`, 'CPU s', 'lower', (s) => (concurrent.get(s.name)!.cpu.own / concurrent.get(s.name)!.latencies.length) * 1_000);
    row(`${CLIENTS} clients, CPU per 1,000 queries, with deps`, 'CPU s', 'lower', (s) => {
      const { cpu, latencies } = concurrent.get(s.name)!;
      return ((cpu.own + cpu.dependencies) / latencies.length) * 1_000;
    });

    // ---- At rest, and memory.
    const rest = new Map<string, number>();
    /** Rows of their own under the compared figure, per system: label -> bytes per point. */
    const parts = new Map<string, Map<string, number>>();
    for (const s of systems) {
      // Everything each system was sent: the ingest phase (and Strata's gRPC one), the query data, the probes, the half load.
      const extra = (viaGrpc.get(s.name)?.samples ?? 0) + (underLoad.get(s.name)?.load.samples ?? 0) + (underLoad.has(s.name) ? PROBES : 0);
      const written = ing(s).samples + loaded + backfilled + PROBES * s.freshness.length + extra;
      for (const figure of await s.atRest()) {
        const points = figure.points ?? (figure.olderThanMs !== undefined ? olderThan(figure.olderThanMs) : written);
        if (figure.compared) rest.set(s.name, figure.bytes / points);
        if (figure.row) parts.set(figure.row, (parts.get(figure.row) ?? new Map<string, number>()).set(s.name, figure.bytes / points));
        console.log(`  at rest ${s.name}: ${figure.where}: ${figure.bytes.toLocaleString('en-US')} bytes for ${points.toLocaleString('en-US')} points, ${(figure.bytes / points).toFixed(2)} bytes/point`);
      }
    }
    row('bytes per sample at rest (Strata: S3; see notes)', 'bytes', 'lower', (s) => rest.get(s.name));
    for (const [label, values] of parts) row(`  ${label}`, 'bytes', 'lower', (s) => values.get(s.name));
    const hwm = (pids: number[]) => pids.reduce((n, pid) => n + residentMemory(pid).hwm, 0) / 2 ** 20;
    row('peak resident memory, own processes', 'MiB', 'lower', (s) => hwm(s.ownPids()));
    row('peak resident memory, with dependencies', 'MiB', 'lower', (s) => hwm([...s.ownPids(), ...s.dependencyPids()]));

    notes.push(
      `one run on one machine, every system running throughout (idle while another is measured); ingest in ${INGEST_ROUNDS} rounds, each to every system in turn; other phases one system at a time, queries interleaved query by query`,
      'ingest: remote write 1.0, snappy; "acknowledged" counts to the last 2xx, "sustained" to settled (Strata: the writer committed everything; VictoriaMetrics: /internal/force_flush)',
      "CPU: /proc/<pid>/stat utime + stime over the ingest phase until settled; Strata's own = ingest + writer + reader, dependencies = Kafka, Redis, DynamoDB Local, the S3 server",
      'time-to-readable: from the write acknowledgement to the first instant query at the sample\'s timestamp that returns it (polled every 10 ms)',
      "bytes at rest: Strata: S3 objects per archived point (days older than the 14-day warm span), DynamoDB chunk bytes per point of the sealed windows left; VictoriaMetrics: data directory after force_merge per sample written; Prometheus: data directory as it stands (WAL and head included)",
      'peak resident memory: the sum of each process\' VmHWM since it started',
    );
  } finally {
    for (const s of systems) await s.stop().catch((error: unknown) => console.warn(`  stopping ${s.name}: ${(error as Error).message}`));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const table = { startedAt, loadAverage, cores: CORES, systems: systems.map((s) => ({ name: s.name, version: s.version, configuration: s.configuration })), rows, notes: [...notes, `${((Date.now() - began) / 1_000).toFixed(0)} s in all; JSON: ${OUTPUT}`] };
  printTable(table);
  writeTable(table, OUTPUT);
}

runBench(main);
