import type { ChildProcess } from 'node:child_process';
import { runLogged } from './harness/child-process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mapConcurrently } from '@strata/runtime';
import { ensurePrometheus3 } from '@strata/stack';
import { freePorts, pollUntil, type ServiceProcess } from '@strata/testing';
import { answerDifferences, describeAnswer, isEmptyAnswer, type QueryAnswer, type QueryBody } from './harness/promql-compare';
import { buildDataset, LAST_SCRAPE, postWrite, remoteWriteBodies, SCRAPE_MS, type Dataset } from './harness/promql-dataset';
import { repoRoot } from './harness/repo-root';
import { StrataSystem } from './harness/strata-system';

// PromQL conformance: the reader's `/api/v1/query` and `/api/v1/query_range` against the
// reference, a Prometheus 3 (built from its Go module) fed the same samples. A seeded
// dataset (harness/promql-dataset.ts: 40 minutes at a 15 s scrape interval ending two
// minutes before now; counters with resets and one with jittered scrapes, gauges with gaps
// and a staleness marker, a classic histogram, a series that stops half-way) goes through
// remote write 1.0 to both, byte for byte the same bodies. Then every case of the table
// below is asked of both as instant queries at three times (more near the staleness and
// lookback edges) and as one range query. The answers must have the same resultType, the
// same series, timestamps and values (within a relative 1e-9), in the same order where the
// query sorts at its top level (instant queries), or the same error status and errorType.
// One test per family; each prints its pass count and fails listing every case that differed.

const MINUTE = 60_000;
/** Query pairs in flight at once (the two servers answer each pair concurrently). */
const CONCURRENCY = 4;
const QUERY_TIMEOUT_MS = 60_000;

const log = (line: string) => process.stdout.write(`[promql-conformance] ${line}\n`);

// ---------------------------------------------------------------------------------------
// The cases

const FAMILIES = [
  'selectors',
  'offset and @',
  'subqueries',
  'counters and rates',
  'over time',
  'math',
  'time',
  'labels',
  'sort',
  'scalar, vector, absent',
  'histograms',
  'aggregations',
  'binary operators',
  'scalar operators',
  'staleness and lookback',
  'errors',
] as const;
type Family = (typeof FAMILIES)[number];

interface RangeSpec {
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
}

interface Case {
  readonly family: Family;
  readonly query: string;
  /** Instant-query times. @default the dataset's end, scrape 80 + 7.5 s and scrape 64 + 2 s */
  readonly at?: readonly number[];
  /** The range query. @default the whole dataset at a 60 s step */
  readonly range?: RangeSpec;
  /** The instant answers' order matters (a top-level sort, topk, bottomk); range answers are compared as sets. */
  readonly ordered?: boolean;
  /** The reference answers nothing at every time, by design (a filter that keeps nothing, absent of what exists). */
  readonly empty?: boolean;
}

/** Seconds as a query writes them. */
const sec = (ms: number) => String(ms / 1_000);

function conformanceCases(d: Dataset): Case[] {
  const { t } = d;
  const cases: Case[] = [];
  const add = (family: Family, queries: ReadonlyArray<string | [string, Omit<Case, 'family' | 'query'>]>) => {
    for (const q of queries) cases.push(typeof q === 'string' ? { family, query: q } : { family, query: q[0], ...q[1] });
  };
  const range30 = { startMs: t(0) + 7_000, endMs: t(LAST_SCRAPE), stepMs: 30_000 };

  add('selectors', [
    'demo_memory_bytes',
    'demo_memory_bytes{instance="a:9100"}',
    'demo_memory_bytes{kind!="heap"}',
    'demo_requests_total{status=~"5.."}',
    'demo_requests_total{method!~"G.*",status="200"}',
    'demo_requests_total{job=~"api|batch",status!~"2.*",instance!="c:9100"}',
    '{__name__=~"demo_temp.*"}',
    '{__name__="demo_memory_bytes",instance=~"a.*|c.*"}',
    '{__name__=~"demo_(memory_bytes|temp_celsius)",room!="lab"}',
    'demo_memory_bytes{foo=""}',
    'demo_memory_bytes{instance=~".*",kind=~"HEAP|rss"}',
    'demo_memory_bytes{instance=~"(?i)A:9100"}',
    'demo_memory_bytes{instance!~"a"}',
    ['demo_memory_bytes{instance=~"a"}', { empty: true }],
    'demo_memory_bytes{instance=~"b:.*"}[2m]',
    'demo_requests_total{instance="d:9100"}[1m]',
    ['demo_nonexistent', { empty: true }],
    ['demo_memory_bytes{instance="z:9100"}', { empty: true }],
  ]);

  add('offset and @', [
    'demo_memory_bytes offset 5m',
    'demo_requests_total offset 90s',
    'demo_memory_bytes offset -2m',
    'rate(demo_requests_total[5m] offset 10m)',
    `demo_memory_bytes @ ${sec(t(48))}`,
    `demo_memory_bytes @ ${sec(t(48) + 7_500)} offset 1m`,
    'demo_memory_bytes @ start()',
    'demo_memory_bytes @ end()',
    'rate(demo_requests_total[5m] @ end())',
    'sum(rate(demo_requests_total[2m] @ start() offset -5m))',
    `demo_temp_celsius @ ${sec(d.goneMs)}`,
    `max_over_time(demo_memory_bytes[10m] @ ${sec(t(100))} offset 1m)`,
    'demo_memory_bytes - demo_memory_bytes offset 1m',
  ]);

  add('subqueries', [
    'max_over_time(rate(demo_requests_total[1m])[10m:1m])',
    'avg_over_time(demo_memory_bytes[5m:])',
    'min_over_time(sum by (instance) (demo_memory_bytes)[15m:2m])',
    'rate(demo_requests_total[5m:30s])',
    'sum_over_time(demo_temp_celsius[7m:45s] offset 1m)',
    'count_over_time(demo_memory_bytes[10m:])',
    'last_over_time(deriv(demo_memory_bytes[3m])[6m:1m] @ end())',
    'max_over_time(max_over_time(demo_memory_bytes[2m])[10m:1m])',
    ['avg_over_time(demo_temp_celsius[4m:20s])', { range: range30 }],
  ]);

  add('counters and rates', [
    'rate(demo_requests_total[5m])',
    'rate(demo_requests_total[1m])',
    'rate(demo_requests_total[30s])',
    ['rate(demo_requests_total[2m])', { range: range30 }],
    'increase(demo_requests_total[10m])',
    'increase(demo_requests_total{instance="c:9100"}[20m])',
    'irate(demo_requests_total[2m])',
    'irate(demo_memory_bytes[1m])',
    'rate(demo_requests_total{instance="d:9100"}[1m])',
    'increase(demo_requests_total{instance="d:9100"}[3m])',
    'rate(demo_latency_seconds_count[3m])',
    'delta(demo_memory_bytes[5m])',
    'delta(demo_temp_celsius[10m])',
    'idelta(demo_memory_bytes[1m])',
    'idelta(demo_requests_total{instance="d:9100"}[2m])',
    'deriv(demo_memory_bytes[5m])',
    'deriv(demo_temp_celsius[3m])',
    'predict_linear(demo_memory_bytes[10m], 600)',
    'predict_linear(demo_temp_celsius[5m], 3600)',
    'resets(demo_requests_total[20m])',
    'resets(demo_latency_seconds_bucket[30m])',
    'changes(demo_requests_total{status="500"}[5m])',
    'changes(demo_memory_bytes[10m])',
  ]);

  add('over time', [
    'avg_over_time(demo_memory_bytes[5m])',
    'min_over_time(demo_temp_celsius[10m])',
    'max_over_time(demo_temp_celsius[10m])',
    'sum_over_time(demo_requests_total[2m])',
    'count_over_time(demo_memory_bytes{kind="rss"}[3m])',
    'last_over_time(demo_memory_bytes[1m])',
    'first_over_time(demo_memory_bytes[3m])',
    'present_over_time(demo_temp_celsius[5m])',
    'stddev_over_time(demo_temp_celsius[10m])',
    'stdvar_over_time(demo_memory_bytes[5m])',
    'mad_over_time(demo_temp_celsius[10m])',
    'quantile_over_time(0.9, demo_memory_bytes[10m])',
    'quantile_over_time(0.25, demo_temp_celsius[7m])',
    'quantile_over_time(0, demo_temp_celsius[5m])',
    'quantile_over_time(1.5, demo_temp_celsius[5m])',
    'quantile_over_time(-1, demo_temp_celsius[5m])',
    'double_exponential_smoothing(demo_temp_celsius[10m], 0.5, 0.3)',
    'ts_of_max_over_time(demo_temp_celsius[10m])',
    'ts_of_min_over_time(demo_memory_bytes[5m])',
    'ts_of_last_over_time(demo_memory_bytes[2m])',
    'ts_of_first_over_time(demo_temp_celsius[4m])',
    'absent_over_time(demo_temp_celsius{instance="e:9100"}[5m])',
    'absent_over_time(demo_nonexistent{job="x",instance=~"a.*"}[5m])',
    ['absent_over_time(demo_memory_bytes[5m])', { empty: true }],
  ]);

  add('math', [
    'abs(demo_temp_celsius)',
    'ceil(demo_temp_celsius)',
    'floor(demo_temp_celsius)',
    'round(demo_temp_celsius)',
    'round(demo_temp_celsius, 0.5)',
    'round(demo_memory_bytes, 1e6)',
    'sqrt(demo_temp_celsius)',
    'exp(demo_temp_celsius)',
    'ln(demo_temp_celsius)',
    'log2(demo_memory_bytes)',
    'log10(demo_temp_celsius)',
    'sgn(demo_temp_celsius)',
    'clamp(demo_temp_celsius, -2, 5)',
    'clamp_min(demo_temp_celsius, 0)',
    'clamp_max(demo_temp_celsius, 3)',
    ['clamp(demo_temp_celsius, 5, -2)', { empty: true }],
    'sin(demo_temp_celsius)',
    'atanh(demo_temp_celsius / 100)',
    'deg(demo_temp_celsius) - rad(demo_temp_celsius)',
    '-demo_temp_celsius',
    '-demo_temp_celsius ^ 2',
    'demo_temp_celsius % 3',
    'demo_temp_celsius ^ 2',
    '2 ^ demo_temp_celsius',
    'demo_temp_celsius / 0',
    'timestamp(demo_memory_bytes)',
  ]);

  add('time', [
    'time()',
    'vector(time())',
    'hour(vector(time()))',
    'minute()',
    'day_of_week()',
    'day_of_month(vector(time()))',
    'day_of_year(vector(time()))',
    'days_in_month(vector(time()))',
    'month(vector(time() + 86400 * 40))',
    'year(demo_memory_bytes)',
    'hour(demo_memory_bytes)',
    'minute(timestamp(demo_memory_bytes))',
    'timestamp(demo_temp_celsius)',
    'time() - timestamp(demo_memory_bytes)',
    'day_of_week(demo_temp_celsius * 86400 * 3)',
  ]);

  add('labels', [
    'label_replace(demo_memory_bytes, "host", "$1", "instance", "(.*):.*")',
    'label_replace(demo_memory_bytes, "host", "$1", "instance", "nomatch(.*)")',
    'label_replace(demo_requests_total, "class", "${1}xx", "status", "(.).*")',
    'label_replace(rate(demo_requests_total[5m]), "__name__", "renamed", "", "")',
    'label_replace(demo_memory_bytes, "instance", "", "instance", "a.*")',
    'label_join(demo_memory_bytes, "id", "/", "instance", "kind")',
    'label_join(demo_requests_total, "all", ",", "method", "status", "job")',
    'label_join(demo_instance_info, "instance", "-", "zone", "version")',
  ]);

  add('sort', [
    ['sort(demo_memory_bytes)', { ordered: true }],
    ['sort_desc(demo_temp_celsius)', { ordered: true }],
    ['sort_desc(sum by (instance, method) (rate(demo_requests_total{status="200"}[5m])))', { ordered: true }],
    ['topk(3, demo_memory_bytes)', { ordered: true }],
    ['bottomk(2, demo_memory_bytes)', { ordered: true }],
    ['topk(2, sum by (instance) (rate(demo_requests_total[5m])))', { ordered: true }],
    ['bottomk(1, demo_temp_celsius)', { ordered: true }],
    'topk by (kind) (2, demo_memory_bytes)',
    'bottomk without (instance) (1, demo_memory_bytes)',
    ['sort_by_label(demo_memory_bytes, "kind", "instance")', { ordered: true }],
    ['sort_by_label_desc(demo_requests_total{job="api"}, "status", "method", "instance")', { ordered: true }],
  ]);

  add('scalar, vector, absent', [
    'scalar(demo_temp_celsius{instance="f:9100"})',
    'scalar(demo_memory_bytes)',
    'vector(1)',
    'vector(scalar(sum(demo_memory_bytes)))',
    'absent(demo_nonexistent{job="x",instance=~"a.*"})',
    'absent(demo_temp_celsius{instance="e:9100"})',
    'absent(sum(demo_nonexistent))',
    ['absent(demo_memory_bytes)', { empty: true }],
    'scalar(demo_memory_bytes{instance="b:9100",kind="heap"}) * 2',
  ]);

  add('histograms', [
    'histogram_quantile(0.9, rate(demo_latency_seconds_bucket[5m]))',
    'histogram_quantile(0.5, sum by (le) (rate(demo_latency_seconds_bucket[5m])))',
    'histogram_quantile(0.99, sum by (le, instance) (increase(demo_latency_seconds_bucket[10m])))',
    'histogram_quantile(0.75, sum without (instance) (rate(demo_latency_seconds_bucket[2m])))',
    'histogram_quantile(0.9, demo_latency_seconds_bucket)',
    'histogram_quantile(0, rate(demo_latency_seconds_bucket[5m]))',
    'histogram_quantile(1, rate(demo_latency_seconds_bucket[5m]))',
    'histogram_quantile(1.5, rate(demo_latency_seconds_bucket[5m]))',
    'histogram_quantile(-0.5, rate(demo_latency_seconds_bucket[5m]))',
    'histogram_fraction(0, 0.2, rate(demo_latency_seconds_bucket[5m]))',
    'rate(demo_latency_seconds_sum[5m]) / rate(demo_latency_seconds_count[5m])',
  ]);

  add('aggregations', [
    'sum(demo_memory_bytes)',
    'sum by (instance) (demo_memory_bytes)',
    'sum without (kind) (demo_memory_bytes)',
    'sum(rate(demo_requests_total[5m])) by (status)',
    'sum by (__name__) ({__name__=~"demo_memory_bytes|demo_temp_celsius"})',
    'sum by (nonexistent) (demo_memory_bytes)',
    'avg by (kind) (demo_memory_bytes)',
    'avg(demo_temp_celsius)',
    'min without (instance) (demo_memory_bytes)',
    'min(demo_temp_celsius)',
    'max by (job, instance) (rate(demo_requests_total[5m]))',
    'max without () (demo_memory_bytes)',
    'count by (status) (demo_requests_total)',
    'count without (method, status) (demo_requests_total)',
    'count(demo_temp_celsius)',
    'group by (job) (demo_requests_total)',
    'group without (le) (demo_latency_seconds_bucket)',
    'stddev by (kind) (demo_memory_bytes)',
    'stddev(demo_temp_celsius)',
    'stdvar without (instance) (demo_memory_bytes)',
    'stdvar(rate(demo_requests_total[5m]))',
    'quantile(0.5, demo_memory_bytes)',
    'quantile by (kind) (0.9, demo_memory_bytes)',
    'quantile without (instance) (0.25, rate(demo_requests_total[5m]))',
    'quantile(1.5, demo_temp_celsius)',
    'topk without (instance) (1, demo_memory_bytes)',
    'bottomk by (job) (2, rate(demo_requests_total[5m]))',
    'count_values("bucket", round(demo_temp_celsius))',
    'count_values("celsius", demo_temp_celsius)',
    'count_values by (kind) ("hundred_mb", round(demo_memory_bytes / 1e8))',
    'count_values without (instance) ("version", demo_instance_info)',
  ]);

  add('binary operators', [
    'demo_latency_seconds_sum / demo_latency_seconds_count',
    'demo_memory_bytes{kind="rss"} - ignoring(kind) demo_memory_bytes{kind="heap"}',
    'demo_memory_bytes * on(instance) group_left(zone) demo_instance_info',
    'demo_memory_bytes * on(instance) group_left(zone, version) demo_instance_info',
    'demo_instance_info * on(instance) group_right(zone) demo_memory_bytes',
    'sum by (instance, kind) (demo_memory_bytes) / on(instance) group_left sum by (instance) (rate(demo_requests_total[5m]))',
    'demo_memory_bytes / ignoring(kind) group_left sum by (instance, job) (demo_memory_bytes)',
    'rate(demo_requests_total{status="500"}[5m]) / ignoring(status) rate(demo_requests_total{status="200"}[5m])',
    'demo_memory_bytes > 5e8',
    'demo_temp_celsius < 0',
    'demo_temp_celsius >= 2.5',
    'demo_memory_bytes{kind="heap"} < ignoring(kind) demo_memory_bytes{kind="rss"}',
    'demo_requests_total{status="500"} == demo_requests_total{status="500"} offset 30s',
    'demo_memory_bytes > bool 5e8',
    'demo_temp_celsius <= bool 0',
    'demo_memory_bytes{kind="rss"} > bool ignoring(kind) demo_memory_bytes{kind="heap"}',
    'demo_requests_total != bool demo_requests_total offset 15s',
    'demo_memory_bytes and on(instance) demo_instance_info{zone="z1"}',
    'demo_memory_bytes and demo_memory_bytes > 5e8',
    'demo_memory_bytes or demo_temp_celsius',
    'demo_memory_bytes{kind="heap"} or on(instance) demo_memory_bytes{kind="rss"}',
    'demo_memory_bytes unless demo_memory_bytes{instance="a:9100"}',
    'demo_memory_bytes unless on(instance) demo_instance_info{zone="z2"}',
    'demo_memory_bytes unless ignoring(kind) demo_memory_bytes{kind="heap"}',
    'vector(1) or vector(2)',
    'demo_memory_bytes / on() group_left sum(demo_memory_bytes)',
    'sum by (instance, job) (demo_memory_bytes) / ignoring(kind) group_right demo_memory_bytes',
    'demo_temp_celsius atan2 (demo_temp_celsius offset 1m)',
    'demo_memory_bytes + on(instance, kind) group_left demo_memory_bytes offset 5m',
  ]);

  add('scalar operators', [
    '2 ^ 3 ^ 2',
    '-2 ^ 2',
    '(1 + 2) * 3 - 4 / 8',
    '10 % 3',
    '5 > bool 3',
    '2 == bool 3',
    '1 / 0',
    '-1 / 0',
    '0 / 0',
    'time() - 60',
    'scalar(sum(demo_memory_bytes)) / 1e6',
    '2 * demo_memory_bytes',
    'demo_temp_celsius - 1',
    '100 - demo_temp_celsius',
    '1 > demo_temp_celsius',
    '3 < bool demo_temp_celsius',
    '2 atan2 1',
    '0x10 + 1e1 + .5',
    'Inf - Inf',
    '-Inf',
  ]);

  const staleAt = [d.staleMs - 1_000, d.staleMs, d.staleMs + 1_000, d.staleMs + MINUTE];
  const staleRange = { startMs: d.staleMs - 2 * MINUTE, endMs: d.resumeMs + MINUTE, stepMs: SCRAPE_MS };
  const edge = d.goneMs + 5 * MINUTE;
  const edgeAt = [edge - 1_000, edge - 1, edge, edge + 1];
  const edgeRange = { startMs: d.goneMs + 4 * MINUTE, endMs: d.goneMs + 6 * MINUTE, stepMs: SCRAPE_MS };
  const gapEdge = d.gapLastMs + 5 * MINUTE;
  add('staleness and lookback', [
    ['demo_memory_bytes{instance="c:9100",kind="rss"}', { at: staleAt, range: staleRange }],
    ['demo_memory_bytes', { at: staleAt, range: staleRange }],
    ['count(demo_memory_bytes)', { at: [...staleAt, d.resumeMs - 1, d.resumeMs], range: staleRange }],
    ['last_over_time(demo_memory_bytes{kind="rss"}[2m])', { at: staleAt, range: staleRange }],
    ['count_over_time(demo_memory_bytes{instance="c:9100"}[1m])', { at: staleAt, range: staleRange }],
    ['timestamp(demo_memory_bytes{kind="rss"})', { at: staleAt, range: staleRange }],
    ['changes(demo_memory_bytes{kind="rss"}[10m])', { at: staleAt, range: staleRange }],
    ['demo_memory_bytes{instance="c:9100",kind="rss"} offset 1m', { at: staleAt.map((x) => x + MINUTE), range: staleRange }],
    ['demo_temp_celsius', { at: edgeAt, range: edgeRange }],
    ['absent(demo_temp_celsius{instance="e:9100"})', { at: edgeAt, range: edgeRange }],
    ['demo_temp_celsius offset 5m', { at: edgeAt.map((x) => x + 5 * MINUTE), range: edgeRange }],
    ['demo_memory_bytes{instance="b:9100"}', { at: [gapEdge - 1, gapEdge, d.gapBackMs - 1, d.gapBackMs], range: { startMs: gapEdge - MINUTE, endMs: d.gapBackMs + MINUTE, stepMs: SCRAPE_MS } }],
    ['sum by (instance) (demo_memory_bytes)', { at: [gapEdge - 1, gapEdge, d.staleMs, d.staleMs + 1] }],
  ]);

  add('errors', [
    'demo_requests_total + on(instance) demo_memory_bytes',
    'demo_memory_bytes * on(instance) group_left demo_requests_total',
    'demo_memory_bytes + on(instance) demo_instance_info',
    'label_replace(demo_memory_bytes, "kind", "", "kind", ".*")',
    'rate(demo_memory_bytes)',
    'sum(demo_memory_bytes',
    '1 < 2',
    '{instance=~".*"}',
    'rate(demo_requests_total[5m])[5m]',
    'quantile_over_time(0.5, demo_memory_bytes)',
    'topk(demo_memory_bytes, 2)',
    'demo_memory_bytes{kind="heap"} and 1',
    'no_such_function(demo_memory_bytes)',
    'label_replace(demo_memory_bytes, "x", "$1", "instance", "(")',
  ]);
  return cases;
}

// ---------------------------------------------------------------------------------------
// Asking both

interface Evaluation {
  readonly what: string;
  readonly path: '/api/v1/query' | '/api/v1/query_range';
  readonly params: Record<string, string>;
  readonly ordered: boolean;
}

function evaluationsOf(c: Case, d: Dataset): Evaluation[] {
  const offset = (ms: number) => {
    const s = (ms - d.startMs) / 1_000;
    return `start${s < 0 ? '-' : '+'}${Math.floor(Math.abs(s) / 60)}m${+(Math.abs(s) % 60).toFixed(3)}s`;
  };
  const at = c.at ?? [d.endMs, d.t(80) + 7_500, d.t(64) + 2_000];
  const range = c.range ?? { startMs: d.startMs, endMs: d.endMs, stepMs: MINUTE };
  return [
    ...at.map((ms) => ({ what: `instant @${sec(ms)} (${offset(ms)})`, path: '/api/v1/query' as const, params: { query: c.query, time: sec(ms) }, ordered: c.ordered ?? false })),
    {
      what: `range ${offset(range.startMs)}..${offset(range.endMs)} step ${range.stepMs / 1_000}s`,
      path: '/api/v1/query_range' as const,
      params: { query: c.query, start: sec(range.startMs), end: sec(range.endMs), step: String(range.stepMs / 1_000) },
      ordered: false,
    },
  ];
}

/** One query to one server: GET for an instant query, a POSTed form for a range query (both are Prometheus's). */
async function ask(base: string, evaluation: Evaluation, headers: Record<string, string>): Promise<QueryAnswer> {
  const form = new URLSearchParams(evaluation.params);
  try {
    const res =
      evaluation.path === '/api/v1/query'
        ? await fetch(`${base}${evaluation.path}?${form}`, { headers, signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) })
        : await fetch(`${base}${evaluation.path}`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
            body: form.toString(),
            signal: AbortSignal.timeout(QUERY_TIMEOUT_MS),
          });
    const text = await res.text();
    let body: QueryBody | undefined;
    try {
      body = JSON.parse(text) as QueryBody;
    } catch {
      body = undefined;
    }
    return { httpStatus: res.status, body, text: text.slice(0, 300) };
  } catch (error) {
    return { httpStatus: 0, text: `no answer: ${(error as Error).message}` };
  }
}

interface Outcome {
  readonly c: Case;
  readonly evaluation: Evaluation;
  readonly expected: QueryAnswer;
  readonly actual: QueryAnswer;
  readonly differences: string[];
}

describe('PromQL on the reader answers as Prometheus 3 does, on the same samples', () => {
  let system: StrataSystem | undefined;
  let reference: ChildProcess | undefined;
  let dataset: Dataset;
  let cases: Case[];
  let promBase = '';
  let strataBase = '';
  let strataHeaders: Record<string, string> = {};
  const summaries: string[] = [];

  beforeAll(async () => {
    const setupStarted = Date.now();
    const logger = { info: log, warn: log };
    const binary = await ensurePrometheus3({ workspace: repoRoot(), logger });
    system = await StrataSystem.start({ name: 'promql-conformance', baseEnv: process.env, keepDir: process.env['STRATA_SYSTEM_TESTS_KEEP'] === '1', ingestEnv: { STRATA_LOG_LEVEL: 'warn' } });
    await system.startWriter('writer', { env: { STRATA_LOG_LEVEL: 'warn' } });
    const reader: ServiceProcess = await system.startReader('reader', { STRATA_COLD_ENABLED: 'false', STRATA_LOG_LEVEL: 'warn' });
    strataBase = `http://127.0.0.1:${reader.options.httpApiPort}`;
    strataHeaders = { 'x-api-key': system.apiKey };

    // The reference: no scrape targets, remote-write receiver on, experimental functions on (the engine implements them).
    const [port] = await freePorts(1);
    promBase = `http://127.0.0.1:${port}`;
    const dir = path.join(system.dir, 'prometheus3');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), ['storage:', '  tsdb:', '    out_of_order_time_window: 1h', ''].join('\n'));
    reference = runLogged(
      binary,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-remote-write-receiver',
        '--enable-feature=promql-experimental-functions',
      ],
      path.join(dir, 'prometheus.log'),
    );
    await pollUntil(async () => ((await fetch(`${promBase}/-/ready`).catch(() => undefined))?.ok ? true : undefined), {
      what: 'Prometheus 3 ready',
      timeoutMs: 60_000,
      intervalMs: 200,
    });

    // The same bodies to both, in time order; the dataset ends two minutes ago on a whole minute.
    dataset = buildDataset(Math.floor((Date.now() - 2 * MINUTE) / MINUTE) * MINUTE);
    cases = conformanceCases(dataset);
    const bodies = remoteWriteBodies(dataset);
    for (const body of bodies) {
      await postWrite(`${promBase}/api/v1/write`, body, {});
      await postWrite(`${system.ingestHttpUrl}/api/v1/write`, body, { 'x-api-key': system.apiKey });
    }
    const samples = dataset.series.reduce((n, s) => n + s.samples.length, 0);
    await system.waitForCatchUp(120_000);
    await pollUntil(async () => ((await system!.dueWindows()) === 0 ? true : undefined), { what: 'every due window sealed', timeoutMs: 120_000, intervalMs: 250 });
    // Both list every series before any query runs (the reader's label index follows the writer's feed).
    const listed = async (base: string, headers: Record<string, string>) => {
      const url = `${base}/api/v1/series?${new URLSearchParams({ 'match[]': '{__name__=~"demo_.+"}', start: sec(dataset.startMs), end: sec(dataset.endMs + MINUTE) })}`;
      const body = (await (await fetch(url, { headers })).json()) as { data?: unknown[] };
      return body.data?.length ?? 0;
    };
    for (const [base, headers] of [[promBase, {}], [strataBase, strataHeaders]] as const) {
      await pollUntil(async () => ((await listed(base, headers)) === dataset.series.length ? true : undefined), { what: `${base} to list all ${dataset.series.length} series`, timeoutMs: 60_000, intervalMs: 250 });
    }
    // The reference holds every sample it was sent (the marker is not a sample), so its answers are the dataset's.
    const held = await ask(promBase, { what: 'setup', path: '/api/v1/query', params: { query: '{__name__=~"demo_.+"}[45m]', time: sec(dataset.endMs + 10_000) }, ordered: false }, {});
    const heldSamples = ((held.body?.data?.result ?? []) as Array<{ values: unknown[] }>).reduce((n, s) => n + s.values.length, 0);
    expect(heldSamples).toBe(dataset.series.reduce((n, s) => n + s.samples.filter((x) => x.v !== 'stale').length, 0));
    log(
      `setup ${Date.now() - setupStarted} ms: ${dataset.series.length} series, ${samples} samples in ${bodies.length} remote-write bodies ` +
        `(${new Date(dataset.startMs).toISOString()} .. ${new Date(dataset.endMs).toISOString()}); ${cases.length} cases`,
    );
  }, 900_000);

  afterAll(async () => {
    reference?.kill('SIGKILL');
    if (summaries.length > 0) log(`summary:\n  ${summaries.join('\n  ')}`);
    await system?.stop();
  }, 60_000);

  it.each(FAMILIES.map((family) => ({ family })))('$family', ({ family }) =>
    system!.saveLogsOnFailure(async () => {
      const started = Date.now();
      const mine = cases.filter((c) => c.family === family);
      const work = mine.flatMap((c) => evaluationsOf(c, dataset).map((evaluation) => ({ c, evaluation })));
      const outcomes: Outcome[] = await mapConcurrently(work, CONCURRENCY, async ({ c, evaluation }) => {
        const [expected, actual] = await Promise.all([ask(promBase, evaluation, {}), ask(strataBase, evaluation, strataHeaders)]);
        return { c, evaluation, expected, actual, differences: answerDifferences(expected, actual, { ordered: evaluation.ordered }) };
      });

      // A case whose reference answer is empty at every time tests little: the table says so where it is meant.
      const pointless = mine.filter((c) => {
        const own = outcomes.filter((o) => o.c === c);
        return family === 'errors' ? own.some((o) => o.expected.body?.status !== 'error') : !c.empty && own.every((o) => isEmptyAnswer(o.expected));
      });
      const failing = outcomes.filter((o) => o.differences.length > 0);
      const failingCases = new Set(failing.map((o) => o.c));
      const summary = `${family}: ${mine.length - failingCases.size}/${mine.length} cases agree (${outcomes.length - failing.length}/${outcomes.length} queries) in ${Date.now() - started} ms`;
      log(summary);
      summaries.push(summary);
      const report = failing.map(
        (o) =>
          `${o.c.query}  [${o.evaluation.what}]\n      ${o.differences.join('\n      ')}\n      Prometheus: ${describeAnswer(o.expected)}\n      Strata:     ${describeAnswer(o.actual)}`,
      );
      for (const line of report) log(`MISMATCH ${line}`);
      expect({
        family,
        cases: mine.length,
        meaningless: pointless.map((c) => `${c.query}: ${family === 'errors' ? 'the reference did not refuse it' : 'the reference answered nothing at every time'}`),
        mismatches: report,
      }).toEqual({ family, cases: mine.length, meaningless: [], mismatches: [] });
    }),
    180_000,
  );
});
