// Runs the PromQL compliance tester (prometheus/compliance, promql/) against Strata: a
// private Strata (its own Kafka, Redis and DynamoDB Local on free ports, ingest, writer,
// reader), three demo exporters, and the reference Prometheus 3 scraping them every 5 s and
// remote-writing everything to Strata. After the wait the exporters stop (Prometheus marks
// their series stale, in its TSDB and through remote write), so that both sides hold the
// same, final data; then the tester compares every query of its file, as range queries,
// between Prometheus's API and the reader's. Everything listens on 127.0.0.1 and everything
// started here is stopped on the way out, on an error or a signal too.
//
// Run it through tools/bin/promql-compliance.sh, which builds the services first.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensurePrometheus3 } from '@strata/stack';
import { StrataSystem } from '@strata/system-tests';
import { freePorts, pollUntil, sleep } from '@strata/testing';
import { DEMO_INSTANCES, prometheusConfig, SCRAPE_INTERVAL_S, testerConfig } from './configs';
import { startDemoExporter, type DemoExporter } from './demo-exporter';
import { compareInstead, shouldFailCases, type ShouldFailCase } from './query-file';
import { parseRunOptions, USAGE, UsageError, type RunOptions } from './run-options';
import { formatReport, parseTesterOutput } from './tester-report';

const log = (line: string) => process.stdout.write(`[promql-compliance] ${line}\n`);
const REPO = path.resolve(__dirname, '../../..');
/** The tester's query resolution (its default). */
const RESOLUTION_S = 10;
/** The last step of the compared span lies this far before the exporters stopped. */
const END_BEFORE_STOP_MS = 10_000;

interface PromVector {
  status: string;
  data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

/** Everything started, in the order to stop it (last started, first stopped). */
class Started {
  private readonly stops: Array<{ what: string; stop: () => Promise<unknown> }> = [];
  private stopping: Promise<void> | undefined;

  add(what: string, stop: () => Promise<unknown>): void {
    this.stops.push({ what, stop });
  }

  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      for (const { what, stop } of this.stops.reverse()) {
        await stop().catch((error: unknown) => log(`stopping ${what} failed: ${error instanceof Error ? error.message : String(error)}`));
      }
    })();
    return this.stopping;
  }
}

/** A child whose output goes to a file; stop() is SIGTERM, then SIGKILL after `graceMs`. */
function spawnLogged(command: string, args: readonly string[], logFile: string): { child: ChildProcess; stop: (graceMs?: number) => Promise<void> } {
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    child,
    stop: async (graceMs = 10_000) => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${(await res.text()).slice(0, 500)}`);
  return (await res.json()) as T;
}

/** One number from a process' /metrics (the sum over its label sets), or undefined. */
async function scrapeMetric(base: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const values = text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
}

const tail = (file: string, lines = 30) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)');

async function run(options: RunOptions, started: Started): Promise<number> {
  const began = Date.now();
  const prometheus3 = await ensurePrometheus3({ workspace: REPO, logger: { info: log, warn: log } });

  log('starting a private Strata (Kafka, Redis, DynamoDB Local, ingest, writer, reader) …');
  const system = await StrataSystem.start({ name: 'promql-compliance', baseEnv: process.env, keepDir: options.keep });
  started.add('Strata', () => system.stop());
  await system.startWriter('writer');
  const reader = await system.startReader('reader', { STRATA_COLD_ENABLED: 'false' });
  const strataUrl = `http://127.0.0.1:${reader.options.httpApiPort}`;
  const strataAuth = { Authorization: `Bearer ${system.apiKey}` };
  log(`Strata: remote write ${system.ingestHttpUrl}/api/v1/write, PromQL ${strataUrl} (run directory ${system.dir})`);

  const exporters: DemoExporter[] = [];
  for (let i = 0; i < DEMO_INSTANCES.length; i++) {
    const exporter = await startDemoExporter({ port: 0, instance: i });
    exporters.push(exporter);
    started.add(`demo exporter ${i}`, () => exporter.close());
  }
  log(`demo exporters: ${exporters.map((e, i) => `127.0.0.1:${e.port} (instance="${DEMO_INSTANCES[i]}")`).join(', ')}`);

  const [promPort] = await freePorts(1);
  const promUrl = `http://127.0.0.1:${promPort}`;
  const promDir = path.join(system.dir, 'prometheus');
  fs.mkdirSync(promDir, { recursive: true });
  const promConfig = path.join(promDir, 'prometheus.yml');
  fs.writeFileSync(
    promConfig,
    prometheusConfig({
      exporters: exporters.map((e) => `127.0.0.1:${e.port}`),
      remoteWriteUrl: `${system.ingestHttpUrl}/api/v1/write`,
      apiKey: system.apiKey,
      remoteWriteVersion: options.remoteWriteVersion,
    }),
  );
  const promLog = path.join(promDir, 'prometheus.log');
  const prometheus = spawnLogged(
    prometheus3,
    [`--config.file=${promConfig}`, `--storage.tsdb.path=${path.join(promDir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`],
    promLog,
  );
  started.add('Prometheus 3', () => prometheus.stop());
  const promAlive = async () => {
    if (prometheus.child.exitCode !== null) throw new Error(`Prometheus 3 exited with ${prometheus.child.exitCode}; log tail:\n${tail(promLog)}`);
  };
  await pollUntil(async () => (await promAlive(), (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.ok ? true : undefined), {
    what: 'Prometheus 3 to be ready',
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  const dataStartMs = Date.now();
  log(`Prometheus 3 at ${promUrl}: job "demo" every ${SCRAPE_INTERVAL_S} s, remote write ${options.remoteWriteVersion} to Strata`);

  const count = async (base: string, query: string, headers: Record<string, string> = {}) => {
    const answer = await getJson<PromVector>(`${base}/api/v1/query?query=${encodeURIComponent(query)}`, headers);
    return answer.data.result.length === 0 ? 0 : Number(answer.data.result[0].value[1]);
  };
  await pollUntil(async () => (await promAlive(), (await count(strataUrl, 'count(demo_num_cpus)', strataAuth)) === exporters.length ? true : undefined), {
    what: 'the first scrapes to be readable through Strata (demo_num_cpus of every instance)',
    timeoutMs: 120_000,
    intervalMs: 1_000,
  });
  log(`first samples readable in Strata after ${((Date.now() - dataStartMs) / 1_000).toFixed(1)} s; collecting for ${options.waitMs / 60_000} min …`);

  const waitUntil = dataStartMs + options.waitMs;
  while (Date.now() < waitUntil) {
    await sleep(Math.min(60_000, waitUntil - Date.now()));
    await promAlive();
    const [sent, failed, series] = await Promise.all([
      scrapeMetric(promUrl, 'prometheus_remote_storage_samples_total'),
      scrapeMetric(promUrl, 'prometheus_remote_storage_samples_failed_total'),
      count(strataUrl, 'count({__name__=~"demo_.+"})', strataAuth),
    ]);
    log(`${Math.round((Date.now() - dataStartMs) / 1_000)} s: Prometheus sent ${sent ?? '?'} samples (${failed ?? 0} failed); Strata has ${series} demo series`);
  }

  // The exporters stop: Prometheus's next scrape fails and marks their series stale, and
  // from then on neither side gets demo samples. Both then hold the same final data.
  const stoppedAtMs = Date.now();
  await Promise.all(exporters.map((e) => e.close()));
  const down = await pollUntil(
    async () => {
      const answer = await getJson<PromVector>(`${promUrl}/api/v1/query?query=${encodeURIComponent('timestamp(up{job="demo"} == 0)')}`);
      return answer.data.result.length === exporters.length ? Math.max(...answer.data.result.map((r) => Number(r.value[1]) * 1_000)) : undefined;
    },
    { what: 'Prometheus to see every exporter down', timeoutMs: 4 * SCRAPE_INTERVAL_S * 1_000, intervalMs: 500 },
  );
  let highestSent = 0;
  await pollUntil(async () => ((highestSent = ((await scrapeMetric(promUrl, 'prometheus_remote_storage_queue_highest_sent_timestamp_seconds')) ?? 0) * 1_000) >= down ? true : undefined), {
    what: 'Prometheus to have sent the failed scrapes (and the staleness markers) to Strata',
    timeoutMs: 60_000,
    intervalMs: 500,
    describe: () => `highest sent ${new Date(highestSent).toISOString()}, last scrape ${new Date(down).toISOString()}`,
  });
  await system.waitForCatchUp(120_000);

  const endMs = Math.floor((stoppedAtMs - END_BEFORE_STOP_MS) / 1_000) * 1_000;
  const collectedS = Math.floor((endMs - dataStartMs) / 1_000);
  const rangeS = options.rangeS ?? Math.max(RESOLUTION_S, Math.min(600, collectedS - 60));
  const series = `/api/v1/series?match[]=${encodeURIComponent('{__name__=~"demo_.+"}')}&start=${dataStartMs / 1_000}&end=${endMs / 1_000}`;
  const [inPrometheus, inStrata] = await Promise.all([
    getJson<{ data: unknown[] }>(`${promUrl}${series}`).then((answer) => answer.data.length),
    getJson<{ data: unknown[] }>(`${strataUrl}${series}`, strataAuth).then((answer) => answer.data.length),
  ]);
  log(`collected ${collectedS} s of data: ${inPrometheus} demo series in Prometheus, ${inStrata} in Strata`);

  const testerDir = path.join(system.dir, 'tester');
  fs.mkdirSync(testerDir, { recursive: true });
  const adjusted = await adjustQueryFile(options.queries, path.join(testerDir, 'queries.yml'), promUrl, { endMs, rangeS });
  for (const query of adjusted.comparedInstead) log(`should_fail case answered by Prometheus 3, compared instead: ${query}`);
  const testerConfigFile = path.join(testerDir, 'strata.yml');
  fs.writeFileSync(testerConfigFile, testerConfig({ referenceUrl: promUrl, testUrl: strataUrl, apiKey: system.apiKey, endMs, rangeS, resolutionS: RESOLUTION_S }));
  log(
    `running the tester: range queries from ${new Date(endMs - rangeS * 1_000).toISOString()} to ${new Date(endMs).toISOString()} every ${RESOLUTION_S} s, ` +
      `${options.parallelism} at a time (config ${testerConfigFile})`,
  );
  const output = await runTester(options, adjusted.file, testerConfigFile, testerDir);
  fs.writeFileSync(options.output, output);
  const report = parseTesterOutput(output);
  if (!report) throw new Error(`the tester printed no "Total:" line; its output is in ${options.output}, its stderr in ${path.join(testerDir, 'stderr.log')}:\n${tail(path.join(testerDir, 'stderr.log'))}`);
  const summary = formatReport(report, adjusted.comparedInstead.map((query) => `expected to fail by the query file, answered by Prometheus 3, compared instead: ${query}`));
  const summaryFile = options.output.replace(/(\.txt)?$/, '-summary.txt');
  fs.writeFileSync(summaryFile, summary);
  process.stdout.write(`\n${summary}\n`);
  log(`tester output: ${options.output}; summary: ${summaryFile}; whole run ${Math.round((Date.now() - began) / 1_000)} s`);
  return report.passed === report.total ? 0 : 1;
}

/**
 * A copy of the query file in which the `should_fail` cases the reference answers over the
 * compared span are compared instead (query-file.ts says why).
 */
async function adjustQueryFile(queries: string, copy: string, promUrl: string, span: { endMs: number; rangeS: number }): Promise<{ file: string; comparedInstead: string[] }> {
  const text = fs.readFileSync(queries, 'utf8');
  const answered: ShouldFailCase[] = [];
  for (const c of shouldFailCases(text)) {
    const params = new URLSearchParams({ query: c.query, start: String(span.endMs / 1_000 - span.rangeS), end: String(span.endMs / 1_000), step: String(RESOLUTION_S) });
    const res = await fetch(`${promUrl}/api/v1/query_range?${params}`, { signal: AbortSignal.timeout(10_000) });
    if (res.ok) answered.push(c);
  }
  fs.writeFileSync(copy, compareInstead(text, answered));
  return { file: copy, comparedInstead: answered.map((c) => c.query) };
}

/** The tester's stdout (its text report); stderr (progress, fatal errors) goes to a file. */
async function runTester(options: RunOptions, queries: string, configFile: string, dir: string): Promise<string> {
  const stderrFile = path.join(dir, 'stderr.log');
  const stderr = fs.openSync(stderrFile, 'w');
  const child = spawn(options.tester, ['-config-file', queries, '-config-file', configFile, '-query-parallelism', String(options.parallelism), '-output-format', 'text'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', stderr],
  });
  fs.closeSync(stderr);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    if (options.echo) process.stdout.write(chunk);
  });
  const timer = setTimeout(() => {
    log(`the tester ran longer than ${options.testerTimeoutMs / 60_000} min: killing it`);
    child.kill('SIGKILL');
  }, options.testerTimeoutMs);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  clearTimeout(timer);
  process.off('exit', killOnExit);
  // 0: every query passed; 1: some did not (or it died early: log.Fatalf exits 1 too).
  if (exit.code !== 0 && exit.code !== 1) log(`the tester exited with ${exit.code ?? exit.signal}`);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<number> {
  let options: RunOptions;
  try {
    options = parseRunOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    return 2;
  }
  const started = new Started();
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping everything started …`);
    void started.stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await run(options, started);
  } catch (error) {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  } finally {
    log('stopping everything started …');
    await started.stopAll();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
