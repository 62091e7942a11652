/* eslint-disable no-console -- a benchmark prints its numbers */
// PromQL benchmark: the same 24 hours of samples remote-written to a private Strata and to
// the reference Prometheus 3 (its remote-write receiver), then the same queries through
// both HTTP APIs, one at a time, side by side. Prints numbers; asserts nothing.
// Run: npm run bench (or npx tsx tools/bench/src/promql-bench.ts)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { snappyCompress } from '@strata/prometheus';
import { prometheus } from '@strata/proto';
import { StrataSystem } from '@strata/system-tests';
import { startPeerProcess, type PeerProcess } from './peer-process';
import { median, percentile } from './stats';
import { runBench } from './run-bench';

const workspace = path.resolve(__dirname, '../../..');
const QUERIES = Number(process.env['BENCH_PROMQL_QUERIES'] ?? 50);
const HOURS = 24;
const SCRAPE_MS = 30_000;
const HTTP_SERIES = 100;

interface BenchSeries {
  readonly labels: Record<string, string>;
  value(t: number): number;
}

/** 100 request counters (the panel's `x`) and a node_cpu_seconds_total of 2 hosts × 8 cpus × 8 modes. */
function fixture(): BenchSeries[] {
  const series: BenchSeries[] = [];
  for (let i = 0; i < HTTP_SERIES; i++) {
    const perSecond = 1 + (i % 17);
    series.push({ labels: { __name__: 'http_requests_total', job: 'api', instance: `api-${String(i).padStart(3, '0')}` }, value: (t) => Math.floor((t / 1_000) * perSecond) % 5_000_000 });
  }
  const modes = ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'];
  for (const instance of ['node-a:9100', 'node-b:9100']) {
    for (let cpu = 0; cpu < 8; cpu++) {
      modes.forEach((mode, m) => {
        const share = mode === 'idle' ? 0.7 : 0.3 / 7;
        series.push({ labels: { __name__: 'node_cpu_seconds_total', job: 'node', instance, cpu: String(cpu), mode }, value: (t) => Math.round((t / 1_000) * share * 100 + m) / 100 });
      });
    }
  }
  return series;
}

/** Remote-write 1.0 bodies of every series, `perBody` samples each, in time order. */
function* bodies(series: readonly BenchSeries[], fromMs: number, toMs: number, perBody: number): Generator<Buffer> {
  let timeseries: prometheus.TimeSeries[] = [];
  let samples = 0;
  for (let t = fromMs; t <= toMs; t += SCRAPE_MS) {
    for (const s of series) {
      timeseries.push({ labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })), samples: [{ value: s.value(t), timestamp: t }], exemplars: [], histograms: [] });
      if (++samples === perBody) {
        yield snappyCompress(prometheus.WriteRequest.encode({ timeseries, metadata: [] }).finish());
        timeseries = [];
        samples = 0;
      }
    }
  }
  if (timeseries.length > 0) yield snappyCompress(prometheus.WriteRequest.encode({ timeseries, metadata: [] }).finish());
}

async function post(url: string, body: Buffer, headers: Record<string, string>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', ...headers }, body });
    const text = await res.text();
    if (res.status === 204 || res.status === 200) return;
    if ((res.status === 429 || res.status >= 500) && attempt < 20) {
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    throw new Error(`${url}: ${res.status} ${text.slice(0, 300)}`);
  }
}

async function startPrometheus3(dir: string): Promise<PeerProcess> {
  const bin = path.join(workspace, '.cache/bin/prometheus3');
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: build it with bash tools/bin/go-tools.sh prometheus3`);
  const config = path.join(dir, 'prometheus.yml');
  // Samples up to a day old are taken out of order into the head.
  fs.writeFileSync(config, 'global:\n  scrape_interval: 1m\nstorage:\n  tsdb:\n    out_of_order_time_window: 2d\n');
  return startPeerProcess({
    name: 'prometheus',
    bin,
    dir,
    readyPath: '/-/ready',
    args: (port) => [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver', '--log.level=warn'],
  });
}

async function main(): Promise<void> {
  const series = fixture();
  const endMs = Math.floor((Date.now() - 120_000) / SCRAPE_MS) * SCRAPE_MS;
  const startMs = endMs - HOURS * 3_600_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-promql-bench-'));
  const reference = await startPrometheus3(dir);
  const system = await StrataSystem.start({
    name: 'bench-promql',
    baseEnv: process.env,
    ingestEnv: { STRATA_LOG_LEVEL: 'warn', STRATA_TENANT_POINTS_PER_SECOND: '1000000000', STRATA_TENANT_BYTES_PER_SECOND: '100000000000' },
  });
  try {
    // The shipped 4 h window (the system-test harness's default is 1 minute, for quick seals).
    const shipped = { STRATA_WINDOW_MS: '14400000', STRATA_SEAL_GRACE_MS: '300000', STRATA_LOG_LEVEL: 'warn' };
    await system.startWriter('writer', { env: shipped });
    const reader = await system.startReader('reader', { ...shipped, STRATA_COLD_ENABLED: 'false', STRATA_READ_TENANT_POINTS_PER_SECOND: '1000000000' });
    const strataBase = `http://127.0.0.1:${reader.options.httpApiPort}`;
    const auth = { authorization: `Bearer ${system.apiKey}` };
    const loadBegan = performance.now();
    let samples = 0;
    for (const body of bodies(series, startMs, endMs, 4_000)) {
      await Promise.all([post(`http://127.0.0.1:${system.ingest.options.httpApiPort}/api/v1/write`, body, auth), post(`${reference.base}/api/v1/write`, body, {})]);
      samples += 4_000;
    }
    await system.waitForCatchUp(300_000);
    console.log(`promql: ${series.length} series, ${HOURS} h at ${SCRAPE_MS / 1000} s (${samples.toLocaleString('en-US')} samples) written to both in ${((performance.now() - loadBegan) / 1000).toFixed(0)} s`);

    const shapes = [
      { name: 'rate(x[5m]), 100 series, 24 h, 60 s step', query: 'rate(http_requests_total[5m])', target: 'p99 <= 100 ms' },
      { name: 'sum by (mode) (rate(node_cpu_seconds_total[5m])), 24 h, 60 s', query: 'sum by (mode) (rate(node_cpu_seconds_total[5m]))' },
    ];
    console.log(`\nPromQL, query_range over ${HOURS} h at a 60 s step, ${QUERIES} queries per shape and target, one at a time, after 3 warm-up queries:`);
    for (const shape of shapes) {
      const params = `query=${encodeURIComponent(shape.query)}&start=${startMs / 1000}&end=${endMs / 1000}&step=60`;
      const timed = async (base: string, headers: Record<string, string>) => {
        for (let i = 0; i < 3; i++) await fetch(`${base}/api/v1/query_range?${params}`, { headers }).then((r) => r.text());
        const latencies: number[] = [];
        let points = 0;
        for (let i = 0; i < QUERIES; i++) {
          const t = performance.now();
          const res = await fetch(`${base}/api/v1/query_range?${params}`, { headers });
          const body = (await res.json()) as { status: string; data?: { result: Array<{ values: unknown[] }> }; error?: string };
          latencies.push(performance.now() - t);
          if (body.status !== 'success') throw new Error(`${base}: ${body.error}`);
          points = body.data!.result.reduce((n, s) => n + s.values.length, 0);
        }
        return { latencies, points };
      };
      const strata = await timed(strataBase, auth);
      const prom = await timed(reference.base, {});
      const line = (who: string, r: { latencies: number[]; points: number }) => `${who} p50 ${median(r.latencies).toFixed(1)} ms, p99 ${percentile(r.latencies, 99).toFixed(1)} ms (${r.points} points)`;
      console.log(`  ${shape.name}${shape.target ? ` (target ${shape.target})` : ''}`);
      console.log(`    ${line('Strata    ', strata)}`);
      console.log(`    ${line('Prometheus', prom)}`);
      console.log(`    Strata / Prometheus: p50 ${(median(strata.latencies) / median(prom.latencies)).toFixed(2)}x, p99 ${(percentile(strata.latencies, 99) / percentile(prom.latencies, 99)).toFixed(2)}x`);
    }
    console.log('  max_over_time(x[1d]) over 460 days at a 1 d step, 10 series: measured by the read path section (it has the archived days), shape "PromQL max_over_time[1d]"');
  } finally {
    await reference.stop();
    await system.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
