// Where Strata's time-to-readable goes (docs/versus.md, "Where time-to-readable goes"), on a
// private stack with Strata alone, as the versus bench starts it. Each probe is one sample
// through remote write, as the versus bench's; from its acknowledgement it times
// - when the writer's projection has put its series in the tenant's catalogue feed in Redis
//   (the same pipeline as the points; polled every millisecond), and
// - when an instant query through the Prometheus HTTP API first returns it (polled every
//   millisecond, against the versus bench's 10 ms), and how long that first query took;
// idle, then under a paced remote-write load of other series. Before that, one known
// series' instant query after pauses of growing length: what a query costs by itself.
// Run: npm run bench -- freshness. Prints numbers; asserts nothing.
// BENCH_FRESHNESS_PROBES (40), BENCH_FRESHNESS_LOAD (samples/s of the load; 170,000).

import { catalogKeys } from '@strata/storage/hot';
import { remoteWriteTarget } from '../remote-write-target';
import { runBench } from '../run-bench';
import { percentile } from '../stats';
import { pacedLoad } from './phases';
import { startStrata, type VersusSystem } from './systems';
import { ingestBodies, probeBody } from './workload';

const PROBES = Number(process.env['BENCH_FRESHNESS_PROBES'] ?? 40);
const LOAD = Number(process.env['BENCH_FRESHNESS_LOAD'] ?? 170_000);
const PAUSES_MS = [0, 5, 20, 100, 400, 1_000];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const out = (line = '') => process.stdout.write(`${line}\n`);
const figures = (xs: readonly number[]) => `p50 ${percentile([...xs], 50).toFixed(1)}  p90 ${percentile([...xs], 90).toFixed(1)}  max ${Math.max(...xs).toFixed(1)} ms`;

async function instant(system: VersusSystem, selector: string, timeMs: number): Promise<{ ms: number; found: boolean }> {
  const began = performance.now();
  const res = await fetch(`${system.queryBase}/api/v1/query?query=${encodeURIComponent(selector)}&time=${timeMs / 1_000}`, { headers: system.queryHeaders });
  const body = (await res.json()) as { status: string; data?: { result: unknown[] }; error?: string };
  if (body.status !== 'success') throw new Error(`query failed: ${body.error}`);
  return { ms: performance.now() - began, found: body.data!.result.length > 0 };
}

interface Probe {
  /** From the acknowledgement to the series in the catalogue feed (the writer's projection). */
  readonly projected: number;
  /** From the acknowledgement to the first query that returned the sample. */
  readonly readable: number;
  /** How long the first query took, and whether it found the sample. */
  readonly first: { ms: number; found: boolean };
}

async function probes(system: VersusSystem, run: string): Promise<Probe[]> {
  const { redis, tenant } = system.hot!;
  const feed = catalogKeys.feed(tenant);
  const target = remoteWriteTarget({ port: system.writePort, version: '1.0', apiKey: system.apiKey, connections: 1 });
  const results: Probe[] = [];
  try {
    for (let i = 0; i < PROBES; i++) {
      const labels = { probe: String(i), run };
      const timestampMs = Date.now();
      const outcome = await target.send(0, probeBody(labels, i + 0.25, timestampMs), 1);
      if (!outcome.ok) throw new Error(`probe write failed: ${outcome.code} ${outcome.detail}`);
      const acked = performance.now();
      const selector = `versus_probe{probe="${i}",run="${run}"}`;
      const projected = (async () => {
        while ((await redis().zscore(feed, selector)) === null) {
          if (performance.now() - acked > 60_000) throw new Error(`${selector} not projected within 60 s`);
          await sleep(1);
        }
        return performance.now() - acked;
      })();
      const first = await instant(system, selector, timestampMs);
      let found = first.found;
      while (!found) {
        if (performance.now() - acked > 60_000) throw new Error(`${selector} not readable within 60 s`);
        await sleep(1);
        found = (await instant(system, selector, timestampMs)).found;
      }
      results.push({ readable: performance.now() - acked, projected: await projected, first });
      await sleep(250);
    }
  } finally {
    target.close();
  }
  return results;
}

function report(title: string, results: readonly Probe[]): void {
  out(`  ${title}, ${results.length} probes:`);
  out(`    acknowledged -> projected (writer)   ${figures(results.map((r) => r.projected))}`);
  out(`    acknowledged -> readable (reader)    ${figures(results.map((r) => r.readable))}`);
  out(`    first query                          ${figures(results.map((r) => r.first.ms))}; found the sample in ${results.filter((r) => r.first.found).length} of ${results.length}`);
}

async function main(): Promise<void> {
  const system = await startStrata();
  try {
    out(`${system.version}; Strata alone on a private stack`);
    const run = `f${Date.now() % 1_000_000}`;
    // A known series, then its instant query after each pause.
    const known = remoteWriteTarget({ port: system.writePort, version: '1.0', apiKey: system.apiKey, connections: 1 });
    const knownAt = Date.now();
    await known.send(0, probeBody({ probe: 'known', run }, 1.25, knownAt), 1);
    known.close();
    const selector = `versus_probe{probe="known",run="${run}"}`;
    while (!(await instant(system, selector, knownAt)).found) await sleep(5);
    out('  a known series\' instant query, 30 after each pause:');
    for (const pause of PAUSES_MS) {
      const ms: number[] = [];
      for (let i = 0; i < 30; i++) {
        await sleep(pause);
        ms.push((await instant(system, selector, knownAt)).ms);
      }
      out(`    after ${String(pause).padStart(5)} ms   ${figures(ms)}`);
    }
    report('idle', await probes(system, `${run}i`));

    const bodies = ingestBodies({ seriesCount: 5_000, connections: 8, samplesPerBody: 5_000, totalSamples: LOAD * (PROBES * 0.4 + 20), endMs: Date.now() - 2 * 60_000, seed: 23, set: 'load' }).bodies;
    let probesDone!: () => void;
    const probing = new Promise<void>((resolve) => (probesDone = resolve));
    const loading = pacedLoad(system, bodies, 8, LOAD, probing);
    await sleep(2_000); // the load under way before the first probe
    const loaded = await probes(system, `${run}l`).finally(probesDone);
    const load = await loading;
    report(`at ${Math.round(load.samplesPerSecond).toLocaleString('en-US')} samples/s acknowledged (${LOAD.toLocaleString('en-US')} asked${load.ranOut ? ', the bodies ran out first' : ''}${load.failures ? `, ${load.failures} load writes failed: ${load.firstFailure}` : ''})`, loaded);
  } finally {
    await system.stop();
  }
}

runBench(main);
