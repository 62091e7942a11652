import * as os from 'node:os';
import { sleep } from '@strata/testing';
import { cpuSeconds, machineCpu } from '../proc-cpu';
import { remoteWriteTarget, type Target } from '../remote-write-target';
import { median, percentile } from '../stats';
import type { VersusSystem } from './systems';
import { probeBody, type Body } from './workload';

const sum = (pids: readonly number[]) => pids.reduce((n, pid) => n + cpuSeconds(pid), 0);

export interface IngestResult {
  readonly samples: number;
  /** From the first send to the last acknowledgement. */
  readonly sendSeconds: number;
  /** From the first send until settle() returned: the writer caught up (Strata), a flush (VictoriaMetrics). */
  readonly settledSeconds: number;
  readonly cpu: { own: number; dependencies: number; generator: number; machineBusy: number };
  /** CPU from the first send until settle('stored'): what was written is in its long-term store (Strata: every due window sealed). */
  readonly cpuStored: { own: number; dependencies: number };
  readonly latencies: number[];
  readonly failures: Map<string, { count: number; first: string }>;
}

/**
 * Sends `bodies` over `connections` connections (body j on connection j % connections, in
 * order), until they run out or `seconds` pass; then waits for the system to settle. CPU
 * is counted from the first send to the end of settle(). Remote write 1.0 unless `target`
 * says otherwise (Strata's gRPC Write).
 */
export async function ingest(
  system: VersusSystem,
  bodies: readonly Body[],
  connections: number,
  seconds: number,
  target: Target = remoteWriteTarget({ port: system.writePort, version: '1.0', apiKey: system.apiKey, connections }),
): Promise<IngestResult> {
  const latencies: number[] = [];
  const failures = new Map<string, { count: number; first: string }>();
  let samples = 0;
  const usage = () => process.cpuUsage();
  const before = { own: sum(system.ownPids()), deps: sum(system.dependencyPids()), gen: usage(), machine: machineCpu(), at: performance.now() };
  const deadline = before.at + seconds * 1_000;
  let lastAck = before.at;
  try {
    await Promise.all(
      Array.from({ length: connections }, async (_, w) => {
        for (let j = w; j < bodies.length && performance.now() < deadline; j += connections) {
          const outcome = await target.send(w, bodies[j].bytes, bodies[j].samples);
          latencies.push(outcome.ms);
          if (outcome.ok) {
            samples += bodies[j].samples;
            lastAck = performance.now();
          } else {
            const seen = failures.get(outcome.code) ?? { count: 0, first: outcome.detail };
            seen.count++;
            failures.set(outcome.code, seen);
            if (seen.count >= 20) throw new Error(`${system.name}: 20 writes failed with ${outcome.code}: ${seen.first}`);
          }
        }
      }),
    );
  } finally {
    target.close();
  }
  await system.settle('committed');
  const at = performance.now();
  const machine = machineCpu();
  const gen = process.cpuUsage(before.gen);
  const cpu = {
    own: sum(system.ownPids()) - before.own,
    dependencies: sum(system.dependencyPids()) - before.deps,
    generator: (gen.user + gen.system) / 1e6,
    machineBusy: (machine.busy - before.machine.busy) / (machine.total - before.machine.total),
  };
  // Then until what was written is stored for good, so that work a system defers past
  // readability (Strata's seals into DynamoDB) is counted too.
  await system.settle('stored');
  return {
    samples,
    sendSeconds: (lastAck - before.at) / 1_000,
    settledSeconds: (at - before.at) / 1_000,
    cpu,
    cpuStored: { own: sum(system.ownPids()) - before.own, dependencies: sum(system.dependencyPids()) - before.deps },
    latencies,
    failures,
  };
}

/**
 * The ingest phase interleaved: the bodies in `rounds` consecutive slices (each a whole
 * number of bodies per connection, so every series stays in time order), each slice sent
 * to every system in turn, the first system rotating by round, each system settling before
 * the next starts. A change in the machine's load then reaches every system, not the one
 * whose phase it fell in. Each system gets `seconds / rounds` per slice. Returns each
 * system's rounds added up.
 */
export async function interleavedIngest(
  systems: readonly VersusSystem[],
  bodies: readonly Body[],
  connections: number,
  seconds: number,
  rounds: number,
  onRound?: (system: VersusSystem, round: number, result: IngestResult) => void,
): Promise<Map<string, IngestResult>> {
  const perSlice = Math.ceil(bodies.length / connections / rounds) * connections;
  const results = new Map<string, IngestResult[]>(systems.map((s) => [s.name, []]));
  for (let round = 0; round * perSlice < bodies.length; round++) {
    const slice = bodies.slice(round * perSlice, (round + 1) * perSlice);
    for (let k = 0; k < systems.length; k++) {
      const system = systems[(round + k) % systems.length];
      const result = await ingest(system, slice, connections, seconds / rounds);
      results.get(system.name)!.push(result);
      onRound?.(system, round, result);
    }
  }
  return new Map([...results].map(([name, parts]) => [name, addIngestResults(parts)]));
}

/** Ingest results of several rounds as one: samples, seconds and CPU added; the machine's busy share weighted by time. */
export function addIngestResults(parts: readonly IngestResult[]): IngestResult {
  const total = (f: (r: IngestResult) => number) => parts.reduce((n, r) => n + f(r), 0);
  const settledSeconds = total((r) => r.settledSeconds);
  const failures = new Map<string, { count: number; first: string }>();
  for (const r of parts) {
    for (const [code, f] of r.failures) {
      const seen = failures.get(code);
      failures.set(code, { count: (seen?.count ?? 0) + f.count, first: seen?.first ?? f.first });
    }
  }
  return {
    samples: total((r) => r.samples),
    sendSeconds: total((r) => r.sendSeconds),
    settledSeconds,
    cpu: {
      own: total((r) => r.cpu.own),
      dependencies: total((r) => r.cpu.dependencies),
      generator: total((r) => r.cpu.generator),
      machineBusy: settledSeconds > 0 ? total((r) => r.cpu.machineBusy * r.settledSeconds) / settledSeconds : 0,
    },
    cpuStored: { own: total((r) => r.cpuStored.own), dependencies: total((r) => r.cpuStored.dependencies) },
    latencies: parts.flatMap((r) => r.latencies),
    failures,
  };
}

/** Writes every body, one at a time, to every system at once (each system's series in time order). */
export async function load(systems: readonly VersusSystem[], bodies: Iterable<Body>): Promise<number> {
  const targets = systems.map((s) => remoteWriteTarget({ port: s.writePort, version: '1.0', apiKey: s.apiKey, connections: 1 }));
  let samples = 0;
  try {
    for (const body of bodies) {
      await Promise.all(
        targets.map(async (t, i) => {
          for (let attempt = 0; ; attempt++) {
            const outcome = await t.send(0, body.bytes, body.samples);
            if (outcome.ok) return;
            if ((outcome.code === '429' || outcome.code.startsWith('5')) && attempt < 20) {
              await sleep(500);
              continue;
            }
            throw new Error(`${systems[i].name} refused a backfill body: ${outcome.code} ${outcome.detail}`);
          }
        }),
      );
      samples += body.samples;
    }
  } finally {
    targets.forEach((t) => t.close());
  }
  return samples;
}

export interface Latencies {
  readonly latencies: number[];
  readonly failures: number;
  readonly firstFailure?: string;
}

/**
 * Time-to-readable: `probes` single samples, started `spacingMs` apart and in flight
 * together; each is timed from its write's acknowledgement to the first instant query at
 * its timestamp that returns its value.
 */
export async function timeToReadable(system: VersusSystem, variant: number, probes: number, spacingMs: number, timeoutMs: number): Promise<Latencies> {
  const { params } = system.freshness[variant];
  const target = remoteWriteTarget({ port: system.writePort, version: '1.0', apiKey: system.apiKey, connections: probes });
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const runId = `${Date.now() % 1_000_000}v${variant}`;
  const probe = async (i: number) => {
    await sleep(i * spacingMs);
    const labels = { probe: String(i), run: runId };
    const value = i + 0.25;
    const timestampMs = Date.now();
    const outcome = await target.send(i, probeBody(labels, value, timestampMs), 1);
    if (!outcome.ok) throw new Error(`${system.name}: probe write failed: ${outcome.code} ${outcome.detail}`);
    const acked = performance.now();
    const query = `${system.queryBase}/api/v1/query?query=${encodeURIComponent(`versus_probe{probe="${i}",run="${runId}"}`)}&time=${timestampMs / 1_000}${params}`;
    for (;;) {
      const res = await fetch(query, { headers: system.queryHeaders });
      const body = (await res.json()) as { status: string; data?: { result: Array<{ value: [number, string] }> }; error?: string };
      if (body.status === 'success' && body.data!.result.some((r) => Number(r.value[1]) === value)) {
        latencies.push(performance.now() - acked);
        return;
      }
      if (body.status !== 'success') firstFailure ??= body.error;
      if (performance.now() - acked > timeoutMs) {
        failures++;
        firstFailure ??= `not readable within ${timeoutMs / 1_000} s`;
        return;
      }
      await sleep(10);
    }
  };
  try {
    await Promise.all(Array.from({ length: probes }, (_, i) => probe(i)));
  } finally {
    target.close();
  }
  return { latencies, failures, firstFailure };
}

export interface PacedLoad {
  /** Samples acknowledged. */
  readonly samples: number;
  /** Samples acknowledged per second, from the first send until the load stopped. */
  readonly samplesPerSecond: number;
  readonly failures: number;
  readonly firstFailure?: string;
  /** The bodies ran out before `until` settled. */
  readonly ranOut: boolean;
}

/**
 * Remote-write load at `samplesPerSecond`: body j goes out on connection j % connections once
 * the bodies before it add up to its share of the rate (at once when the connection is behind),
 * until `until` settles or the bodies run out.
 */
export async function pacedLoad(system: VersusSystem, bodies: readonly Body[], connections: number, samplesPerSecond: number, until: Promise<unknown>): Promise<PacedLoad> {
  const target = remoteWriteTarget({ port: system.writePort, version: '1.0', apiKey: system.apiKey, connections });
  let stopped = false;
  void until.finally(() => (stopped = true));
  const dueAt: number[] = [];
  let cumulative = 0;
  for (const body of bodies) {
    dueAt.push((cumulative / samplesPerSecond) * 1_000);
    cumulative += body.samples;
  }
  const began = performance.now();
  let acked = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  let sent = 0;
  try {
    await Promise.all(
      Array.from({ length: connections }, async (_, w) => {
        for (let j = w; j < bodies.length && !stopped; j += connections) {
          const wait = began + dueAt[j] - performance.now();
          if (wait > 0) await sleep(wait);
          if (stopped) return;
          sent++;
          const outcome = await target.send(w, bodies[j].bytes, bodies[j].samples);
          if (outcome.ok) acked += bodies[j].samples;
          else {
            failures++;
            firstFailure ??= `${outcome.code} ${outcome.detail}`;
          }
        }
      }),
    );
  } finally {
    target.close();
  }
  return { samples: acked, samplesPerSecond: acked / ((performance.now() - began) / 1_000), failures, firstFailure, ranOut: sent === bodies.length && !stopped };
}

/** A query_range request: PromQL and its range, the same for every system. */
export interface RangeQuery {
  readonly query: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
}

/** Runs one query_range; resolves to its latency and the points it returned, or throws what went wrong. */
export async function rangeQuery(system: VersusSystem, q: RangeQuery): Promise<{ ms: number; points: number }> {
  const params = `query=${encodeURIComponent(q.query)}&start=${q.startMs / 1_000}&end=${q.endMs / 1_000}&step=${q.stepMs / 1_000}`;
  const began = performance.now();
  const res = await fetch(`${system.queryBase}/api/v1/query_range?${params}`, { headers: system.queryHeaders, signal: AbortSignal.timeout(120_000) });
  const body = (await res.json()) as { status: string; data?: { result: Array<{ values: unknown[] }> }; error?: string };
  const ms = performance.now() - began;
  if (body.status !== 'success') throw new Error(`${res.status} ${body.error}`);
  return { ms, points: body.data!.result.reduce((n, s) => n + s.values.length, 0) };
}

export interface ShapeResult extends Latencies {
  readonly points: number;
}

/**
 * A query shape on every system, interleaved: query i goes to each system in turn (the
 * same query), after `warmup` rounds. Stops after `queries` rounds or `seconds`.
 */
export async function shape(systems: readonly VersusSystem[], next: (i: number) => RangeQuery, queries: number, warmup: number, seconds: number): Promise<ShapeResult[]> {
  const results = systems.map(() => ({ latencies: [] as number[], failures: 0, firstFailure: undefined as string | undefined, points: 0 }));
  const deadline = performance.now() + seconds * 1_000;
  for (let i = 0; i < warmup + queries && (i < warmup || performance.now() < deadline); i++) {
    const q = next(i);
    for (const [k, system] of systems.entries()) {
      try {
        const { ms, points } = await rangeQuery(system, q);
        if (i >= warmup) {
          results[k].latencies.push(ms);
          results[k].points = Math.max(results[k].points, points);
        }
      } catch (error) {
        results[k].failures++;
        results[k].firstFailure ??= (error as Error).message;
      }
    }
  }
  return results;
}

export interface ConcurrentResult extends Latencies {
  readonly queriesPerSecond: number;
  readonly seconds: number;
  /** CPU seconds over the phase: the system's own processes, its dependencies, the clients (this process), and the machine's busy share. */
  readonly cpu: { own: number; dependencies: number; clients: number; machineBusy: number };
}

/** `clients` clients each sending `next()` one after another for `seconds`. */
export async function concurrentReads(system: VersusSystem, clients: number, seconds: number, next: () => RangeQuery): Promise<ConcurrentResult> {
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const before = { own: sum(system.ownPids()), deps: sum(system.dependencyPids()), clients: process.cpuUsage(), machine: machineCpu() };
  const began = performance.now();
  const deadline = began + seconds * 1_000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        try {
          latencies.push((await rangeQuery(system, next())).ms);
        } catch (error) {
          failures++;
          firstFailure ??= (error as Error).message;
        }
      }
    }),
  );
  const elapsed = (performance.now() - began) / 1_000;
  const machine = machineCpu();
  const used = process.cpuUsage(before.clients);
  const cpu = {
    own: sum(system.ownPids()) - before.own,
    dependencies: sum(system.dependencyPids()) - before.deps,
    clients: (used.user + used.system) / 1e6,
    machineBusy: (machine.busy - before.machine.busy) / (machine.total - before.machine.total),
  };
  return { latencies, failures, firstFailure, queriesPerSecond: latencies.length / elapsed, seconds: elapsed, cpu };
}

export const summary = (l: readonly number[]) => ({ p50: median(l), p99: percentile(l, 99) });
export const CORES = os.cpus().length;
