import type { ChildProcess } from 'node:child_process';
import { runLogged } from './harness/child-process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { seriesKey, type Label } from '@strata/model';
import { ensurePrometheus3, ensurePrometheusTools } from '@strata/stack';
import { freePorts, pollUntil, type ServiceProcess } from '@strata/testing';
import { createReaderClient, readAll } from './harness/reader-client';
import { repoRoot } from './harness/repo-root';
import { StrataSystem } from './harness/strata-system';

// A real Prometheus scrapes itself and a node_exporter every second and remote-writes to
// Strata's ingest: Debian's 2.42 with remote write 1.0, and Prometheus 3 (built from its Go
// module) with remote write 2.0. Strata's ingest is killed and started again while it
// sends. Afterwards, every sample Prometheus holds in its own TSDB for the test's span is
// in Strata with the same timestamp and value, nothing more; the samples Strata cannot
// store (NaN values) are counted, not silently missing. Then a second Prometheus with no
// data of its own, only `remote_read` pointing at Strata's reader, answers a set of PromQL
// queries exactly as the first one does.

const SCRAPE_INTERVAL_S = 1;
const log = (line: string) => process.stdout.write(`[prometheus-remote-write] ${line}\n`);

interface PromSeries {
  readonly metric: Record<string, string>;
  readonly values: ReadonlyArray<[number, string]>;
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

/** PromQL answered by both, at times inside the compared span (1 s scrapes, 10 s windows). */
const INSTANT_QUERIES = [
  'up',
  'rate(node_cpu_seconds_total[10s])',
  'sum by (mode) (rate(node_cpu_seconds_total[10s]))',
  'topk(3, node_network_receive_bytes_total)',
  'histogram_quantile(0.9, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[10s])))',
  'count by (job) (up)',
];
const RANGE_QUERIES = ['sum(rate(node_cpu_seconds_total[10s]))', 'max by (job) (up)'];

type PromResult = { data: { resultType: string; result: Array<{ metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> }> } };

/** A PromQL answer in one comparable form: series sorted by labels, values as Prometheus prints them. */
function canonical(answer: PromResult): string[] {
  return answer.data.result
    .map((r) => `${JSON.stringify(Object.entries(r.metric).sort())} ${JSON.stringify(r.value ?? r.values)}`)
    .sort();
}

/**
 * Starts a Prometheus with no scrape targets and `remote_read` at Strata's reader, and checks
 * that it answers the queries as `writerBase` (the Prometheus that wrote the data) does.
 */
async function compareThroughRemoteRead(
  sys: StrataSystem,
  binary: string,
  reader: ServiceProcess,
  writerBase: string,
  dir: string,
  span: { startMs: number; endMs: number },
  sender: string,
): Promise<void> {
  const [port] = await freePorts(1);
  const base = `http://127.0.0.1:${port}`;
  const config = path.join(dir, 'reading.yml');
  fs.writeFileSync(
    config,
    [
      // The writer's external label: its remote read asks for it and strips it from the answer.
      'global:',
      '  external_labels:',
      `    sender: ${sender}`,
      'remote_read:',
      `  - url: http://127.0.0.1:${reader.options.httpApiPort}/api/v1/read`,
      '    read_recent: true',
      '    authorization:',
      `      credentials: ${sys.apiKey}`,
      '',
    ].join('\n'),
  );
  const reading = runLogged(binary, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'reading-tsdb')}`, `--web.listen-address=127.0.0.1:${port}`], path.join(dir, 'reading.log'));
  try {
    await pollUntil(async () => ((await fetch(`${base}/-/ready`).catch(() => undefined))?.ok ? true : undefined), { what: 'the reading Prometheus ready', timeoutMs: 30_000, intervalMs: 200 });
    const at = (span.endMs - 1_000) / 1_000;
    let compared = 0;
    for (const query of INSTANT_QUERIES) {
      const path_ = `/api/v1/query?query=${encodeURIComponent(query)}&time=${at}`;
      const [expected, actual] = await Promise.all([getJson<PromResult>(`${writerBase}${path_}`), getJson<PromResult>(`${base}${path_}`)]);
      expect(expected.data.result.length).toBeGreaterThan(0);
      expect({ query, answer: canonical(actual) }).toEqual({ query, answer: canonical(expected) });
      compared++;
    }
    const from = (span.startMs + 12_000) / 1_000;
    for (const query of RANGE_QUERIES) {
      const path_ = `/api/v1/query_range?query=${encodeURIComponent(query)}&start=${from}&end=${at}&step=2`;
      const [expected, actual] = await Promise.all([getJson<PromResult>(`${writerBase}${path_}`), getJson<PromResult>(`${base}${path_}`)]);
      expect(expected.data.result.length).toBeGreaterThan(0);
      expect({ query, answer: canonical(actual) }).toEqual({ query, answer: canonical(expected) });
      compared++;
    }
    const types = (await (await fetch(`http://127.0.0.1:${reader.options.opsPort}/metrics`)).text()).match(/strata_reader_remote_read_requests_total\{[^}]*\} \d+/g);
    log(`remote read: a Prometheus reading only from Strata gave the same answers to ${compared} PromQL queries (${types?.join(', ')})`);
  } finally {
    reading.kill('SIGKILL');
  }
}

/**
 * Strata's series, label names and label values (the Prometheus HTTP API on the reader) of
 * one sender's series against what that Prometheus holds: every series with a finite sample
 * in the compared span is listed, with its names and values, and nothing is listed that the
 * Prometheus does not know (its own API, asked afterwards, so that it has every series Strata
 * could have).
 */
async function compareLabelApis(
  sys: StrataSystem,
  reader: ServiceProcess,
  promBase: string,
  span: { startMs: number; endMs: number },
  sender: string,
  stored: ReadonlyArray<Record<string, string>>,
): Promise<void> {
  const strata = async <T>(path_: string): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${reader.options.httpApiPort}${path_}`, { headers: { 'x-api-key': sys.apiKey } });
    const body = (await res.json()) as { status: string; data: T };
    expect({ path_, status: res.status, envelope: body.status }).toEqual({ path_, status: 200, envelope: 'success' });
    return body.data;
  };
  const mine = encodeURIComponent(`{sender="${sender}"}`);
  const range = `start=${span.startMs / 1_000}&end=${span.endMs / 1_000}`;
  const series = await strata<Array<Record<string, string>>>(`/api/v1/series?match[]=${mine}&${range}`);
  const names = await strata<string[]>(`/api/v1/labels?match[]=${mine}&${range}`);
  const metricNames = await strata<string[]>(`/api/v1/label/__name__/values?match[]=${mine}&${range}`);
  const jobs = await strata<string[]>(`/api/v1/label/job/values?match[]=${mine}&${range}`);
  const withoutSender = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).filter(([n]) => n !== 'sender').sort());
  const known = new Set((await getJson<{ data: Array<Record<string, string>> }>(`${promBase}/api/v1/series?match[]=${encodeURIComponent('{__name__=~".+"}')}`)).data.map(withoutSender));
  const knownNames = new Set([...(await getJson<{ data: string[] }>(`${promBase}/api/v1/labels`)).data, 'sender']);
  const listed = new Set(series.map(withoutSender));
  expect(stored.map(withoutSender).filter((s) => !listed.has(s)).slice(0, 5)).toEqual([]);
  expect(series.map(withoutSender).filter((s) => !known.has(s)).slice(0, 5)).toEqual([]);
  expect(series.every((s) => s['sender'] === sender)).toBe(true);
  const expectedNames = new Set(['sender', ...stored.flatMap((s) => Object.keys(s))]);
  expect({ missing: [...expectedNames].filter((n) => !names.includes(n)), unknown: names.filter((n) => !knownNames.has(n)) }).toEqual({ missing: [], unknown: [] });
  expect([...new Set(stored.map((s) => s['__name__']))].filter((n) => !metricNames.includes(n))).toEqual([]);
  expect(metricNames).toEqual([...new Set(series.map((s) => s['__name__']))].sort());
  expect(jobs).toEqual([...new Set(series.flatMap((s) => (s['job'] === undefined ? [] : [s['job']])))].sort());
  log(`label API: ${series.length} series, ${names.length} label names, ${metricNames.length} metric names, jobs ${jobs.join(', ')}; all known to the Prometheus, none it stored missing`);
}

describe('a real Prometheus remote-writes to Strata', () => {
  let system: StrataSystem | undefined;
  const children: ChildProcess[] = [];
  const logger = { info: log, warn: log };
  let prometheus3 = '';
  let reader: ServiceProcess;

  beforeAll(async () => {
    await ensurePrometheusTools({ logger });
    prometheus3 = await ensurePrometheus3({ workspace: repoRoot(), logger });
    system = await StrataSystem.start({ name: 'prometheus', baseEnv: process.env, keepDir: process.env['STRATA_SYSTEM_TESTS_KEEP'] === '1' });
    await system.startWriter('writer');
    reader = await system.startReader('reader', { STRATA_COLD_ENABLED: 'false' });
  }, 900_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await system?.stop();
  }, 60_000);

  it.each([
    { name: 'Debian Prometheus 2.42', protocol: '1.0', binary: () => 'prometheus', message: undefined },
    { name: 'Prometheus 3', protocol: '2.0', binary: () => prometheus3, message: 'io.prometheus.write.v2.Request' },
  ])('holds every sample $name sends with remote write $protocol, across an ingest restart, with no gap and nothing extra', ({ name, protocol, binary, message }) =>
    system!.saveLogsOnFailure(async (sys) => {
      const sender = `rw-${protocol}`;
      const senderLabel = { name: 'sender', value: sender };
      const [promPort, exporterPort] = await freePorts(2);
      const promBase = `http://127.0.0.1:${promPort}`;
      const dir = path.join(sys.dir, `prometheus-${protocol}`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(
        path.join(dir, 'prometheus.yml'),
        [
          'global:',
          `  scrape_interval: ${SCRAPE_INTERVAL_S}s`,
          // Tells the two senders' series apart in Strata's one tenant.
          '  external_labels:',
          `    sender: ${sender}`,
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
          ...(message ? [`    protobuf_message: ${message}`] : []),
          '    queue_config:',
          '      batch_send_deadline: 1s',
          '      min_backoff: 100ms',
          '      max_backoff: 1s',
          '',
        ].join('\n'),
      );
      children.push(runLogged('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${exporterPort}`], path.join(dir, 'node-exporter.log')));
      const startMs = Date.now();
      children.push(
        runLogged(
          binary(),
          [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`],
          path.join(dir, 'prometheus.log'),
        ),
      );
      const strata = createReaderClient(reader.grpcAddress);
      const upNode = { name: 'up', labels: [{ name: 'instance', value: `127.0.0.1:${exporterPort}` }, { name: 'job', value: 'node' }, senderLabel] };
      const readUp = async () => (await readAll(strata, sys.apiKey, { matchers: [], series: [upNode], fromMs: startMs, toMs: Date.now() + 1, stepMs: 0, aggregation: 0 })).series;
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
        const labels: Label[] = [...Object.entries(rest).map(([n, value]) => ({ name: n, value })), senderLabel];
        return { name, labels, key: seriesKey(name, labels) };
      });
      const inStrata = new Map<string, ReadonlyArray<readonly [number, number]>>();
      for (let i = 0; i < selectors.length; i += 50) {
        const batch = selectors.slice(i, i + 50).map(({ name, labels }) => ({ name, labels }));
        const result = await readAll(strata, sys.apiKey, { matchers: [], series: batch, fromMs: startMs - 60_000, toMs: endMs + 1, stepMs: 0, aggregation: 0 });
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
      log(`${name}: ${inPrometheus.length} series, ${compared} finite samples compared, ${nonFinite} NaN/Inf samples (refused NON_FINITE_VALUE, absent from Strata)`);
      expect(missing.slice(0, 10)).toEqual([]);
      expect(different.slice(0, 10)).toEqual([]);

      // No gap across the restart: up{job="node"} has every scrape of the span.
      const up = [...((await readUp()).values().next().value ?? [])].map(([t]) => t).filter((t) => t <= endMs);
      const gaps = up.slice(1).map((t, i) => t - up[i]).filter((gap) => gap > 2 * SCRAPE_INTERVAL_S * 1_000);
      expect(gaps).toEqual([]);
      // Scrapes made while ingest was down reached Strata through Prometheus's retries.
      const whileDown = up.filter((t) => t > killedAt && t < restartedAt - 1_000).length;
      expect(whileDown).toBeGreaterThanOrEqual(Math.floor((restartedAt - killedAt) / 1_000 / SCRAPE_INTERVAL_S) - 2);
      await compareThroughRemoteRead(sys, binary(), reader, promBase, dir, { startMs, endMs }, sender);
      const stored = inPrometheus.filter(({ values }) => values.some(([, v]) => Number.isFinite(Number(v)))).map(({ metric }) => metric);
      await compareLabelApis(sys, reader, promBase, { startMs, endMs }, sender, stored);

      // The sender spoke the protocol under test (the restarted ingest counts by version).
      const answered = await sys.metric(sys.ingest, 'strata_ingest_remote_write_requests_total');
      const text = await (await fetch(`http://127.0.0.1:${sys.ingest.options.opsPort}/metrics`)).text();
      expect(text).toMatch(new RegExp(`strata_ingest_remote_write_requests_total\\{status="\\d+",version="${protocol.replace('.', '\\.')}"`));
      log(
        `${name}: up{job="node"}: ${up.length} samples, ${whileDown} of them scraped while ingest was down, no gap over ` +
          `${2 * SCRAPE_INTERVAL_S} s; the restarted ingest answered ${answered} remote-write requests`,
      );
    }),
  );
});
