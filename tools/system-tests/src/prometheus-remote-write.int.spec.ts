import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { seriesKey, type Label } from '@strata/model';
import { ensurePrometheusTools } from '@strata/stack';
import { freePorts, pollUntil } from '@strata/testing';
import { createReaderClient, readAll } from './harness/reader-client';
import { StrataSystem } from './harness/strata-system';

// A real Prometheus (Debian's 2.42) scrapes itself and a node_exporter every second and
// remote-writes to Strata's ingest. Strata's ingest is killed and started again while it
// sends. Afterwards, every sample Prometheus holds in its own TSDB for the test's span is
// in Strata with the same timestamp and value, nothing more; the samples Strata cannot
// store (NaN values, staleness markers) are counted, not silently missing.

const SCRAPE_INTERVAL_S = 1;
const log = (line: string) => process.stdout.write(`[prometheus-remote-write] ${line}\n`);

interface PromSeries {
  readonly metric: Record<string, string>;
  readonly values: ReadonlyArray<[number, string]>;
}

/** A child process whose output goes to a file, killed at the end of the test. */
function run(command: string, args: readonly string[], logFile: string): ChildProcess {
  const fd = fs.openSync(logFile, 'a');
  try {
    return spawn(command, args, { stdio: ['ignore', fd, fd] });
  } finally {
    fs.closeSync(fd);
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** One value of a Prometheus metric from its own /metrics (sums its series), or undefined. */
async function promMetric(base: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const values = text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
}

describe('a real Prometheus remote-writes to Strata', () => {
  let system: StrataSystem | undefined;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    await ensurePrometheusTools({ logger: { info: log, warn: log } });
    system = await StrataSystem.start({ name: 'prometheus', baseEnv: process.env, keepDir: process.env['STRATA_SYSTEM_TESTS_KEEP'] === '1' });
  }, 300_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await system?.stop();
  }, 60_000);

  it('holds every sample Prometheus holds, across an ingest restart, with no gap and nothing extra', () =>
    system!.saveLogsOnFailure(async (sys) => {
      await sys.startWriter('writer');
      const reader = await sys.startReader('reader', { STRATA_COLD_ENABLED: 'false' });
      const [promPort, exporterPort] = await freePorts(2);
      const promBase = `http://127.0.0.1:${promPort}`;
      const dir = path.join(sys.dir, 'prometheus');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(
        path.join(dir, 'prometheus.yml'),
        [
          'global:',
          `  scrape_interval: ${SCRAPE_INTERVAL_S}s`,
          `  scrape_timeout: ${SCRAPE_INTERVAL_S}s`,
          'scrape_configs:',
          '  - job_name: prometheus',
          '    static_configs:',
          `      - targets: ['127.0.0.1:${promPort}']`,
          '  - job_name: node',
          '    static_configs:',
          `      - targets: ['127.0.0.1:${exporterPort}']`,
          'remote_write:',
          `  - url: ${sys.ingestHttpUrl}/api/v1/write`,
          '    basic_auth:',
          '      username: prometheus',
          `      password: ${sys.apiKey}`,
          '    queue_config:',
          '      batch_send_deadline: 1s',
          '      min_backoff: 100ms',
          '      max_backoff: 1s',
          '',
        ].join('\n'),
      );
      children.push(run('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${exporterPort}`], path.join(dir, 'node-exporter.log')));
      const startMs = Date.now();
      children.push(
        run(
          'prometheus',
          [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`],
          path.join(dir, 'prometheus.log'),
        ),
      );
      const strata = createReaderClient(reader.grpcAddress);
      const upNode = { name: 'up', labels: [{ name: 'instance', value: `127.0.0.1:${exporterPort}` }, { name: 'job', value: 'node' }] };
      const readUp = async () => (await readAll(strata, sys.apiKey, { series: [upNode], fromMs: startMs, toMs: Date.now() + 1, stepMs: 0, aggregation: 0 })).series;
      await pollUntil(async () => ((await readUp()).size > 0 ? true : undefined), { what: 'up{job="node"} readable in Strata', timeoutMs: 60_000, intervalMs: 500 });
      log(`first samples readable ${Date.now() - startMs} ms after Prometheus started`);

      await new Promise((resolve) => setTimeout(resolve, 10_000));
      const killedAt = Date.now();
      await sys.ingest.kill();
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      await sys.startIngestAgain('ingest-2');
      const restartedAt = Date.now();
      log(`ingest down for ${restartedAt - killedAt} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10_000));

      // The span compared: from Prometheus's start to a moment all of whose samples it has sent.
      const endMs = Date.now() - 2_000;
      await pollUntil(
        async () => ((await promMetric(promBase, 'prometheus_remote_storage_queue_highest_sent_timestamp_seconds')) ?? 0) * 1_000 >= endMs + 1_000 || undefined,
        { what: 'Prometheus to have sent past the compared span', timeoutMs: 60_000, intervalMs: 500 },
      );
      await sys.waitForCatchUp(60_000);
      const rangeS = Math.ceil((endMs - startMs) / 1_000) + 5;
      const answer = await getJson<{ data: { result: PromSeries[] } }>(
        `${promBase}/api/v1/query?query=${encodeURIComponent(`{__name__=~".+"}[${rangeS}s]`)}&time=${endMs / 1_000}`,
      );
      const inPrometheus = answer.data.result;
      expect(inPrometheus.length).toBeGreaterThan(300);

      // What Strata holds of the same series over the same span, in batches of selectors.
      const selectors = inPrometheus.map(({ metric }) => {
        const { __name__: name, ...rest } = metric;
        const labels: Label[] = Object.entries(rest).map(([n, value]) => ({ name: n, value }));
        return { name, labels, key: seriesKey(name, labels) };
      });
      const inStrata = new Map<string, ReadonlyArray<readonly [number, number]>>();
      for (let i = 0; i < selectors.length; i += 50) {
        const batch = selectors.slice(i, i + 50).map(({ name, labels }) => ({ name, labels }));
        const result = await readAll(strata, sys.apiKey, { series: batch, fromMs: startMs - 60_000, toMs: endMs + 1, stepMs: 0, aggregation: 0 });
        for (const [key, points] of result.series) inStrata.set(key, points);
      }

      let compared = 0;
      let nonFinite = 0;
      const missing: string[] = [];
      const different: string[] = [];
      inPrometheus.forEach(({ values }, i) => {
        const { key } = selectors[i];
        const strataPoints = new Map((inStrata.get(key) ?? []).map(([t, v]) => [t, v]));
        const expected = new Set<number>();
        for (const [seconds, text] of values) {
          const t = Math.round(seconds * 1_000);
          const value = Number(text);
          if (!Number.isFinite(value)) {
            nonFinite++;
            expect(strataPoints.has(t)).toBe(false);
            continue;
          }
          expected.add(t);
          compared++;
          if (!strataPoints.has(t)) missing.push(`${key} @ ${t}`);
          else if (strataPoints.get(t) !== value) different.push(`${key} @ ${t}: Prometheus ${text}, Strata ${strataPoints.get(t)}`);
        }
        // Nothing extra in the span: every Strata point there is one Prometheus has.
        for (const t of strataPoints.keys()) if (t >= startMs && t <= endMs && !expected.has(t)) different.push(`${key} @ ${t}: only in Strata`);
      });
      log(`${inPrometheus.length} series, ${compared} finite samples compared, ${nonFinite} NaN/Inf samples (refused NON_FINITE_VALUE, absent from Strata)`);
      expect(missing.slice(0, 10)).toEqual([]);
      expect(different.slice(0, 10)).toEqual([]);

      // No gap across the restart: up{job="node"} has every scrape of the span.
      const up = [...((await readUp()).values().next().value ?? [])].map(([t]) => t).filter((t) => t <= endMs);
      const gaps = up.slice(1).map((t, i) => t - up[i]).filter((gap) => gap > 2 * SCRAPE_INTERVAL_S * 1_000);
      expect(gaps).toEqual([]);
      // Scrapes made while ingest was down reached Strata through Prometheus's retries.
      const whileDown = up.filter((t) => t > killedAt && t < restartedAt - 1_000).length;
      expect(whileDown).toBeGreaterThanOrEqual(Math.floor((restartedAt - killedAt) / 1_000 / SCRAPE_INTERVAL_S) - 2);
      const refused = await sys.metric(sys.ingest, 'strata_ingest_remote_write_requests_total');
      log(`up{job="node"}: ${up.length} samples, ${whileDown} of them scraped while ingest was down, no gap over ${2 * SCRAPE_INTERVAL_S} s; the restarted ingest answered ${refused} remote-write requests`);
    }),
  );
});
