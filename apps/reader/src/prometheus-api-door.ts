import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseSeriesKey, type LabelMatcher } from '@strata/model';
import { compareLabelSets, parseSeriesSelector, prometheusLabels, SelectorSyntaxError } from '@strata/prometheus';
import { parsePromql, PromqlExecutionError, PromqlSyntaxError, typeName, typeOf } from '@strata/promql';
import {
  BodyTooLargeError,
  readBody,
  refuseBeforeBody,
  StrataError,
  tenantFromHttpHeaders,
  UnauthenticatedError,
  type ApiKeyStore,
  type HttpRoute,
  type Logger,
} from '@strata/runtime';
import { HotChunkCorruptError, HotReadError } from '@strata/storage/hot';
import { DecodeQueueFullError, HotTierFailedError, InvalidQueryError, MalformedRequestError, QueryLimitError, ReadCancelledError } from './errors';
import { PromqlQueueFullError } from './promql-pool';
import type { PromqlQueries } from './promql-queries';
import type { LabelQuery, SeriesLister, SeriesQuery } from './series-lister';

/** Label names and values of the series that selectors match (the lister's label half). */
export interface LabelLister {
  /** Sorted names; of every series when `query.selectors` is empty. */
  labelNames(tenant: string, query: LabelQuery, signal?: AbortSignal): Promise<string[]>;
  /** Sorted values of label `name`; of every series when `query.selectors` is empty. */
  labelValues(tenant: string, name: string, query: LabelQuery, signal?: AbortSignal): Promise<string[]>;
}

export type PrometheusApiLister = Pick<SeriesLister, 'find'> & LabelLister;

export interface PrometheusApiDoorDeps {
  readonly keys: ApiKeyStore;
  readonly lister: PrometheusApiLister;
  readonly logger: Logger;
  /** Answers by endpoint (`series`, `labels`, `label_values`) and HTTP status; a prom-client Counter fits. */
  readonly requests?: { inc(labels: { endpoint: string; status: string }): void };
  /** A POST body at most this. @default 1 MiB */
  readonly maxRequestBytes?: number;
  /** `match[]` selectors one request may hold. @default 64 */
  readonly maxSelectors?: number;
  /**
   * Series one `/api/v1/series` answer may hold, all its selectors together (each one's
   * listing has its own limit, STRATA_LIST_MAX_SERIES); more is refused, 422. @default 10000
   */
  readonly maxSeries?: number;
  /** PromQL (`/api/v1/query`, `/api/v1/query_range`); without it those paths are 404. */
  readonly promql?: Pick<PromqlQueries, 'answer'>;
  /** Metric metadata as remote write delivered it (`/api/v1/metadata`). */
  readonly metadata?: { get(tenant: string, names?: readonly string[]): Promise<Map<string, { type: string; help: string; unit: string }>> };
  /** The time of a query without `time`. @default Date.now */
  readonly now?: () => number;
}

type Endpoint = 'series' | 'labels' | 'label_values' | 'query' | 'query_range' | 'buildinfo' | 'metadata' | 'query_exemplars';

/**
 * The metadata endpoints of Prometheus's HTTP API on the reader's HTTP API port, so that
 * Grafana's Prometheus data source (its metric browser, label filters and variables) and
 * other Prometheus clients can list what a tenant has:
 *
 * - `GET|POST /api/v1/series`: `match[]` (one or more), `start`, `end`, `limit`; the
 *   series as label objects, `__name__` among them.
 * - `GET|POST /api/v1/labels`: label names; `match[]` optional.
 * - `GET|POST /api/v1/label/<name>/values`: see {@link labelValuesHandler}.
 *
 * Prometheus's envelope (`{"status":"success","data":...}`, `warnings` when there are any),
 * its parameters (times in RFC 3339 or Unix seconds; a missing start or end leaves that
 * side open; `limit` truncates with the warning "results truncated due to limit"), and its
 * error types: 400 bad_data, 422 execution (a limit refused the work; the message names
 * the setting), 503 unavailable (Redis failed; retry), 500 internal. Also 401 unauthorized
 * before any body is read, and 413 for a body over the limit. Selection goes through the
 * same lister as gRPC ListSeries and remote read, with its limits.
 */
export function prometheusApiRoutes(deps: PrometheusApiDoorDeps): HttpRoute[] {
  const series = (req: IncomingMessage, res: ServerResponse) => serve(deps, 'series', req, res, (call) => findSeries(deps, call));
  const labels = (req: IncomingMessage, res: ServerResponse) => serve(deps, 'labels', req, res, (call) => labelNames(deps, call));
  const values = labelValuesHandler(deps);
  const labelValuesRoute = async (req: IncomingMessage, res: ServerResponse) => {
    const name = matchLabelValuesPath(req.url ?? '/');
    if (name === undefined) return refuseBeforeBody(res, 404, `no such endpoint: ${pathOf(req)}`);
    return values(req, res, name);
  };
  const promql = deps.promql;
  const query = (req: IncomingMessage, res: ServerResponse) => serve(deps, 'query', req, res, (call) => instantQuery(deps, promql!, call));
  const queryRange = (req: IncomingMessage, res: ServerResponse) => serve(deps, 'query_range', req, res, (call) => rangeQuery(promql!, call));
  const exemplars = (req: IncomingMessage, res: ServerResponse) => serve(deps, 'query_exemplars', req, res, async () => ({ data: [], warnings: [] }));
  const buildinfo = (req: IncomingMessage, res: ServerResponse) => serve(deps, 'buildinfo', req, res, async () => ({ data: BUILD_INFO, warnings: [] }));
  const metadata = (req: IncomingMessage, res: ServerResponse) => serve(deps, 'metadata', req, res, (call) => metricMetadata(deps, call));
  // Prometheus takes GET and form-encoded POST alike on these.
  const both = (path: string, handle: HttpRoute['handle'], prefix = false): HttpRoute[] => (['GET', 'POST'] as const).map((method) => ({ method, path, handle, prefix }));
  return [
    ...(promql ? [...both('/api/v1/query', query), ...both('/api/v1/query_range', queryRange), ...both('/api/v1/query_exemplars', exemplars)] : []),
    { method: 'GET', path: '/api/v1/status/buildinfo', handle: buildinfo },
    { method: 'GET', path: '/api/v1/metadata', handle: metadata },
    ...both('/api/v1/series', series),
    ...both('/api/v1/labels', labels),
    // /api/v1/label/<name>/values: the name is part of the path.
    ...both('/api/v1/label/', labelValuesRoute, true),
  ];
}

/**
 * `GET|POST /api/v1/label/<name>/values`, for a router that has matched the path with
 * {@link matchLabelValuesPath}: `labelName` is what that returned. Takes `match[]`
 * (optional), `start`, `end` and `limit` as `/api/v1/labels` does.
 */
export function labelValuesHandler(deps: PrometheusApiDoorDeps): (req: IncomingMessage, res: ServerResponse, labelName: string) => Promise<void> {
  return (req, res, labelName) => {
    if (req.method !== 'GET' && req.method !== 'POST') {
      deps.requests?.inc({ endpoint: 'label_values', status: '405' });
      return Promise.resolve(fail(res, 405, 'bad_data', `${req.method} is not allowed on ${pathOf(req)}`, { allow: 'GET, POST', connection: 'close' }));
    }
    return serve(deps, 'label_values', req, res, (call) => labelValues(deps, call, labelName, req));
  };
}

const LABEL_VALUES_PATH = /^\/api\/v1\/label\/([^/]+)\/values$/;

/**
 * The label name in a path `/api/v1/label/<name>/values` (a query string is ignored), or
 * undefined for any other path. The name is percent-decoded, then, when it starts with
 * `U__`, unescaped as Prometheus 3 does (its "values" escaping, which a name holding `/`
 * needs: `U__http_2e_status__code` is `http.status_code`; `_` is written `__`, any other
 * character `_<hex code point>_`; an escape that does not decode leaves the name as
 * given, as in Prometheus). A segment that is not percent-encoded UTF-8 gives "", which
 * the handler refuses as an invalid label name.
 */
export function matchLabelValuesPath(path: string): string | undefined {
  const query = path.indexOf('?');
  const match = LABEL_VALUES_PATH.exec(query < 0 ? path : path.slice(0, query));
  if (!match) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(match[1]);
  } catch {
    return '';
  }
  return name.startsWith('U__') ? unescapeName(name) : name;
}

/** A parameter that can never be valid as sent: 400 bad_data. */
class BadDataError extends StrataError {}

/** The tenant and parameters of one authenticated request. */
interface Call {
  readonly tenant: string;
  readonly params: FormValues;
  readonly signal: AbortSignal;
}

interface Answer {
  /** The envelope's `data`, or its JSON text already written (`json`). */
  readonly data?: unknown;
  readonly json?: string;
  readonly warnings: readonly string[];
}

async function serve(deps: PrometheusApiDoorDeps, endpoint: Endpoint, req: IncomingMessage, res: ServerResponse, work: (call: Call) => Promise<Answer>): Promise<void> {
  const count = (status: number) => deps.requests?.inc({ endpoint, status: String(status) });
  let tenant: string;
  try {
    tenant = tenantFromHttpHeaders(req.headers, deps.keys);
  } catch (error) {
    if (!(error instanceof UnauthenticatedError)) throw error;
    count(401);
    // Before any body: the connection closes rather than receive a body nobody reads.
    return fail(res, 401, 'unauthorized', error.message, { 'www-authenticate': 'Basic realm="strata", Bearer', connection: 'close' });
  }
  let params: FormValues;
  const maxBytes = deps.maxRequestBytes ?? 1024 * 1024;
  try {
    params = await readParams(req, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      count(413);
      return fail(res, 413, 'bad_data', `request body is over ${maxBytes} bytes; send fewer or shorter match[] selectors`, { connection: 'close' });
    }
    if (!(error instanceof FormError)) throw error;
    count(400);
    return fail(res, 400, 'bad_data', `error parsing form values: ${error.message}`, error.bodyUnread ? { connection: 'close' } : {});
  }
  const abort = new AbortController();
  // 'close' follows every response, answered or not: only one closed before its end was cancelled.
  // (An error per answered request, with its stack, was 1.4% of the reader's CPU under 16 clients.)
  res.once('close', () => {
    if (!res.writableFinished) abort.abort(new ReadCancelledError());
  });
  try {
    const { data, json, warnings } = await work({ tenant, params, signal: abort.signal });
    count(200);
    res.writeHead(200, { 'content-type': 'application/json' });
    const dataJson = json ?? JSON.stringify(data);
    res.end(`{"status":"success","data":${dataJson}${warnings.length > 0 ? `,"warnings":${JSON.stringify(warnings)}` : ''}}`);
  } catch (error) {
    const { status, type, message } = apiErrorOf(error);
    deps.logger[status >= 500 ? 'warn' : 'info']({ tenant, endpoint, status, err: error }, 'Prometheus API request refused');
    count(status);
    if (!res.headersSent) fail(res, status, type, message, status === 503 || isRetriableLimit(error) ? { 'retry-after': '1' } : {});
  }
}

function fail(res: ServerResponse, status: number, errorType: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ status: 'error', errorType, error: message }));
}

async function findSeries(deps: PrometheusApiDoorDeps, { tenant, params, signal }: Call): Promise<Answer> {
  const texts = params.all('match[]');
  if (texts.length === 0) throw new BadDataError('no match[] parameter provided');
  const maxSeries = deps.maxSeries ?? 10_000;
  checkSelectorCount(texts, deps);
  const limit = parseLimit(params);
  const range = parseRange(params);
  const selectors = parseSelectors(texts);
  if (endsBeforeEpoch(range)) return { data: [], warnings: [] };
  const keys = new Set<string>();
  for (const matchers of selectors) {
    const query: SeriesQuery = { matchers, ...range };
    for (const key of await deps.lister.find(tenant, query, signal)) keys.add(key);
    if (keys.size > maxSeries) {
      throw new QueryLimitError(
        `more than ${maxSeries} series match the ${selectors.length} match[] selectors together (STRATA_LIST_MAX_SERIES); narrow them`,
        'STRATA_LIST_MAX_SERIES',
        maxSeries,
      );
    }
  }
  // In Prometheus's order of label sets, which is also what `limit` keeps the head of.
  const series = [...keys].map((key) => {
    const { name, labels } = parseSeriesKey(key);
    return prometheusLabels(name, labels);
  });
  series.sort(compareLabelSets);
  const { kept, warnings } = truncated(series, limit);
  return { data: kept.map((labels) => Object.fromEntries(labels.map((l) => [l.name, l.value]))), warnings };
}

async function labelNames(deps: PrometheusApiDoorDeps, { tenant, params, signal }: Call): Promise<Answer> {
  const query = labelQuery(params, deps);
  if (endsBeforeEpoch(query.query)) return { data: [], warnings: [] };
  const { kept, warnings } = truncated(await deps.lister.labelNames(tenant, query.query, signal), query.limit);
  return { data: kept, warnings };
}

async function labelValues(deps: PrometheusApiDoorDeps, { tenant, params, signal }: Call, name: string, req: IncomingMessage): Promise<Answer> {
  if (name === '') {
    const raw = /\/api\/v1\/label\/([^/?]*)\/values/.exec(req.url ?? '')?.[1] ?? '';
    throw new BadDataError(`invalid label name: ${JSON.stringify(raw)} (a label name is non-empty, percent-encoded UTF-8)`);
  }
  const query = labelQuery(params, deps);
  if (endsBeforeEpoch(query.query)) return { data: [], warnings: [] };
  const { kept, warnings } = truncated(await deps.lister.labelValues(tenant, name, query.query, signal), query.limit);
  return { data: kept, warnings };
}

/** What `/api/v1/status/buildinfo` answers: the Prometheus API version Strata follows, and that it is Strata. */
const BUILD_INFO = {
  version: '3.0.0',
  revision: 'strata',
  branch: 'strata',
  buildUser: 'strata',
  buildDate: '',
  goVersion: 'none (Strata, TypeScript)',
  application: 'strata',
};

/** Points one range query may return per series, as Prometheus limits them. */
const MAX_POINTS_PER_SERIES = 11_000;

/** `GET|POST /api/v1/query`: `query`, `time` (default now). */
async function instantQuery(deps: PrometheusApiDoorDeps, promql: Pick<PromqlQueries, 'answer'>, { tenant, params, signal }: Call): Promise<Answer> {
  const time = params.first('time') === '' ? (deps.now ?? Date.now)() : requiredTime(params, 'time');
  const text = params.first('query');
  return promql.answer(tenant, text, parsePromql(text), { startMs: time, endMs: time, stepMs: 0 }, signal);
}

/** `GET|POST /api/v1/query_range`: `query`, `start`, `end`, `step` (seconds or a duration). */
async function rangeQuery(promql: Pick<PromqlQueries, 'answer'>, { tenant, params, signal }: Call): Promise<Answer> {
  const start = requiredTime(params, 'start');
  const end = requiredTime(params, 'end');
  if (end < start) throw new BadDataError('invalid parameter "end": end timestamp must not be before start time');
  const stepMs = parseStep(params.first('step'));
  if ((end - start) / stepMs > MAX_POINTS_PER_SERIES) {
    throw new BadDataError(`exceeded maximum resolution of ${MAX_POINTS_PER_SERIES.toLocaleString('en-US')} points per timeseries. Try decreasing the query resolution (?step=XX)`);
  }
  const text = params.first('query');
  const expr = parsePromql(text);
  const type = typeOf(expr);
  if (type !== 'vector' && type !== 'scalar') throw new BadDataError(`invalid expression type ${JSON.stringify(typeName(type))} for range query, must be Scalar or instant Vector`);
  return promql.answer(tenant, text, expr, { startMs: start, endMs: end, stepMs }, signal);
}

function requiredTime(params: FormValues, name: string): number {
  const text = params.first(name);
  const ms = text === '' ? undefined : parseTime(text);
  if (ms === undefined || !Number.isFinite(ms)) throw new BadDataError(`invalid parameter ${JSON.stringify(name)}: cannot parse ${JSON.stringify(text)} to a valid timestamp`);
  return ms;
}

const STEP_DURATION = /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/;

/** A step: seconds with decimals, or a duration such as 15s or 1m30s. */
function parseStep(text: string): number {
  let ms: number | undefined;
  if (/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) ms = Math.round(Number(text) * 1_000);
  else {
    const m = text === '' ? null : STEP_DURATION.exec(text);
    if (m) {
      const units = [31_536_000_000, 604_800_000, 86_400_000, 3_600_000, 60_000, 1_000, 1];
      ms = units.reduce((sum, unit, i) => sum + Number(m[2 + i * 2] ?? 0) * unit, 0);
    }
  }
  if (ms === undefined || !Number.isFinite(ms)) throw new BadDataError(`invalid parameter "step": cannot parse ${JSON.stringify(text)} to a valid duration`);
  if (ms <= 0) throw new BadDataError('invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
  return ms;
}

/** `GET /api/v1/metadata`: `metric` (optional), `limit`, `limit_per_metric` (one entry per metric is kept). */
async function metricMetadata(deps: PrometheusApiDoorDeps, { tenant, params }: Call): Promise<Answer> {
  if (!deps.metadata) return { data: {}, warnings: [] };
  const limit = parseLimit(params);
  const metric = params.first('metric');
  const found = await deps.metadata.get(tenant, metric === '' ? undefined : [metric]);
  const names = [...found.keys()].sort();
  const kept = limit > 0 ? names.slice(0, limit) : names;
  return { data: Object.fromEntries(kept.map((n) => [n, [found.get(n)!]])), warnings: [] };
}

/** The parameters of the label endpoints, checked in Prometheus's order: limit, start, end, match[]. */
function labelQuery(params: FormValues, deps: PrometheusApiDoorDeps): { query: LabelQuery; limit: number } {
  const texts = params.all('match[]');
  checkSelectorCount(texts, deps);
  const limit = parseLimit(params);
  const range = parseRange(params);
  return { query: { selectors: parseSelectors(texts), ...range }, limit };
}

function checkSelectorCount(texts: readonly string[], deps: PrometheusApiDoorDeps): void {
  const max = deps.maxSelectors ?? 64;
  if (texts.length > max) throw new BadDataError(`a request may hold at most ${max} match[] selectors; it holds ${texts.length}`);
}

function parseSelectors(texts: readonly string[]): LabelMatcher[][] {
  return texts.map((text) => {
    try {
      return parseSeriesSelector(text);
    } catch (error) {
      if (error instanceof SelectorSyntaxError) throw new BadDataError(`invalid parameter "match[]": ${error.message}`, { cause: error });
      throw error;
    }
  });
}

function truncated<T>(items: T[], limit: number): { kept: T[]; warnings: string[] } {
  return limit > 0 && items.length > limit ? { kept: items.slice(0, limit), warnings: ['results truncated due to limit'] } : { kept: items, warnings: [] };
}

/** `limit`: 0 (or absent) for none, as Prometheus 3 takes it. */
function parseLimit(params: FormValues): number {
  const text = params.first('limit');
  if (text === '') return 0;
  if (!/^[+-]?\d+$/.test(text)) throw new BadDataError(`invalid parameter "limit": cannot parse ${JSON.stringify(text)} as a whole number`);
  const limit = Number(text);
  if (limit < 0) throw new BadDataError('invalid parameter "limit": limit must be non-negative');
  if (BigInt(text) > 2n ** 63n - 1n) throw new BadDataError(`invalid parameter "limit": ${JSON.stringify(text)} is out of range`);
  return limit;
}

/** The lister's range: `start` and `end` inclusive, in ms; a side left open is absent. */
function parseRange(params: FormValues): { fromMs?: number; toMs?: number } {
  const start = parseTimeParam(params, 'start', -Infinity);
  const end = parseTimeParam(params, 'end', Infinity);
  if (end < start) throw new BadDataError('end timestamp must not be before start time');
  return { ...(start === -Infinity ? {} : { fromMs: start }), ...(end === Infinity ? {} : { toMs: end + 1 }) };
}

/**
 * A range that ends before 1970, where Strata holds nothing: answered empty without a
 * listing, whose `toMs` of 0 or less would mean "no end".
 */
function endsBeforeEpoch(range: { toMs?: number }): boolean {
  return range.toMs !== undefined && range.toMs <= 0;
}

/** Prometheus's MinTime and MaxTime as it formats them: clients send them for "no bound". */
const MIN_TIME_FORMATTED = '-292273086-05-16T16:47:06Z';
const MAX_TIME_FORMATTED = '292277025-08-18T07:12:54.999999999Z';

function parseTimeParam(params: FormValues, name: 'start' | 'end', absent: number): number {
  const text = params.first(name);
  if (text === '') return absent;
  const ms = parseTime(text);
  if (ms === undefined) throw new BadDataError(`invalid parameter ${JSON.stringify(name)}: invalid time value for '${name}': cannot parse ${JSON.stringify(text)} to a valid timestamp`);
  return ms;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * A timestamp in ms as Prometheus reads one: Unix seconds with decimals (rounded to the
 * millisecond, halves away from zero), else RFC 3339 with optional fractional seconds
 * (cut to the millisecond), else its own MinTime and MaxTime (±Infinity here). Non-finite
 * numbers (`Inf`, `NaN`, `1e999`), which Prometheus turns into arbitrary times, are refused.
 */
function parseTime(text: string): number | undefined {
  if (DECIMAL.test(text)) {
    const seconds = Number(text);
    if (!Number.isFinite(seconds)) return undefined;
    const whole = Math.trunc(seconds);
    const fraction = (seconds - whole) * 1000;
    return whole * 1000 + Math.sign(fraction) * Math.round(Math.abs(fraction));
  }
  if (text === MIN_TIME_FORMATTED) return -Infinity;
  if (text === MAX_TIME_FORMATTED) return Infinity;
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const [sign, offsetHours, offsetMinutes] = [m[8], Number(m[9] ?? 0), Number(m[10] ?? 0)];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (days === undefined || day < 1 || day > days || hour > 23 || minute > 59 || second > 59 || offsetHours > 24 || offsetMinutes > 60) return undefined;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, takes years 0-99 as they are.
  date.setUTCFullYear(year, month - 1, day);
  const offsetMs = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const millis = Number((m[7] ?? '').slice(0, 3).padEnd(3, '0'));
  return date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000 + millis - offsetMs;
}

/** The one place where a failure of these endpoints becomes Prometheus's error type and an HTTP status. */
function apiErrorOf(error: unknown): { status: number; type: string; message: string } {
  if (error instanceof PromqlSyntaxError) return { status: 400, type: 'bad_data', message: `invalid parameter "query": ${error.message}` };
  if (error instanceof QueryLimitError && error.setting === 'STRATA_PROMQL_TIMEOUT_MS') return { status: 503, type: 'timeout', message: error.message };
  if (error instanceof PromqlExecutionError) return { status: 422, type: 'execution', message: error.message };
  if (error instanceof BadDataError || error instanceof InvalidQueryError || error instanceof MalformedRequestError) return { status: 400, type: 'bad_data', message: error.message };
  if (error instanceof PromqlQueueFullError) return { status: 503, type: 'unavailable', message: error.message };
  if (error instanceof QueryLimitError) return { status: 422, type: 'execution', message: error.message };
  if (error instanceof DecodeQueueFullError) return { status: 503, type: 'unavailable', message: error.message };
  if (error instanceof HotTierFailedError) {
    return error.cause instanceof HotChunkCorruptError ? { status: 500, type: 'internal', message: error.message } : { status: 503, type: 'unavailable', message: error.message };
  }
  if (error instanceof HotReadError) return { status: 503, type: 'unavailable', message: `${error.message}; retry` };
  if (error instanceof ReadCancelledError) return { status: 503, type: 'unavailable', message: error.message };
  return { status: 500, type: 'internal', message: 'internal error in the reader; see the reader log' };
}

/** A limit that passes with the load (the tenant's read queue): worth a Retry-After. */
function isRetriableLimit(error: unknown): boolean {
  return error instanceof QueryLimitError && error.retriable;
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0];
}

/**
 * Prometheus 3's "values" unescaping of a `U__` name (prometheus/common's UnescapeName
 * with ValueEncodingEscaping): after the prefix, `__` is `_` and `_<1-6 hex digits>_` a
 * code point; anything that does not decode returns the name unchanged.
 */
function unescapeName(name: string): string {
  const escaped = name.slice(3);
  let out = '';
  for (let i = 0; i < escaped.length; i++) {
    if (escaped[i] !== '_') {
      out += escaped[i];
      continue;
    }
    i++;
    if (i >= escaped.length) return name;
    if (escaped[i] === '_') {
      out += '_';
      continue;
    }
    // In Go's order: out of input, then six characters seen (even if the seventh is the
    // closing `_`, so at most five digits), then the closing `_`.
    let code = 0;
    for (let digits = 0; ; digits++, i++) {
      if (i >= escaped.length || digits >= 6) return name;
      if (escaped[i] === '_') break;
      // Go lowers a byte by setting bit 0x20, digits included.
      const c = escaped.charCodeAt(i) | 0x20;
      if (c >= 0x30 && c <= 0x39) code = code * 16 + (c - 0x30);
      else if (c >= 0x61 && c <= 0x66) code = code * 16 + (c - 0x61 + 10);
      else return name;
    }
    if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) return name;
    out += String.fromCodePoint(code);
  }
  return out;
}

/** A query string or form body that does not decode, as Go's url.ParseQuery refuses it. */
class FormError extends StrataError {
  constructor(
    message: string,
    /** The request's body was left unread: the connection must close after the answer. */
    readonly bodyUnread = false,
  ) {
    super(message);
  }
}

/** Decoded form values, as Go's `r.Form`: the body's first, then the URL's. */
class FormValues {
  constructor(private readonly values: ReadonlyMap<string, readonly string[]>) {}

  all(name: string): readonly string[] {
    return this.values.get(name) ?? [];
  }

  /** The first value, or "" (Go's FormValue): an empty value counts as absent. */
  first(name: string): string {
    return this.values.get(name)?.[0] ?? '';
  }
}

async function readParams(req: IncomingMessage, maxBytes: number): Promise<FormValues> {
  const values = new Map<string, string[]>();
  if (req.method === 'POST') {
    const contentType = req.headers['content-type'] ?? '';
    if (contentType.split(';')[0].trim().toLowerCase() === 'application/x-www-form-urlencoded') {
      addPairs(values, (await readBody(req, maxBytes)).toString('latin1'));
    } else if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined) {
      throw new FormError(`unsupported Content-Type ${JSON.stringify(contentType)}: a POST body must be application/x-www-form-urlencoded`, true);
    }
  }
  const url = req.url ?? '';
  const query = url.indexOf('?');
  if (query >= 0) addPairs(values, url.slice(query + 1));
  return new FormValues(values);
}

/** `a=1&b=2` pairs (one character per byte) into `values`, as Go's url.ParseQuery. */
function addPairs(values: Map<string, string[]>, text: string): void {
  for (const pair of text.split('&')) {
    if (pair.includes(';')) throw new FormError('invalid semicolon separator in query');
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = decodeComponent(eq < 0 ? '' : pair.slice(eq + 1));
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `+` is a space and `%XX` a byte; the bytes must be UTF-8. */
function decodeComponent(text: string): string {
  if (!/[%+\u0080-\uffff]/.test(text)) return text;
  const bytes = Buffer.allocUnsafe(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2b) {
      bytes[n++] = 0x20;
    } else if (c === 0x25) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new FormError(`invalid URL escape ${JSON.stringify(text.slice(i, i + 3))}`);
      bytes[n++] = parseInt(hex, 16);
      i += 2;
    } else if (c <= 0xff) {
      bytes[n++] = c;
    } else {
      n += bytes.write(text[i], n, 'utf8');
    }
  }
  try {
    return utf8.decode(bytes.subarray(0, n));
  } catch {
    throw new FormError(`a parameter is not valid UTF-8 once decoded: ${JSON.stringify(text.slice(0, 100))}`);
  }
}
