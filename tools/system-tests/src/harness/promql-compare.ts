/**
 * Comparing two answers of Prometheus's query API (`/api/v1/query`, `/api/v1/query_range`)
 * as a conformance test needs to: the reference's answer against the one under test.
 */

/** One answer as it came over HTTP: the status, and the JSON body when it parsed. */
export interface QueryAnswer {
  readonly httpStatus: number;
  readonly body?: QueryBody;
  /** The start of the body as text, for a report when it is not Prometheus's envelope. */
  readonly text: string;
}

export interface QueryBody {
  readonly status: 'success' | 'error';
  readonly data?: { readonly resultType: string; readonly result: unknown };
  readonly errorType?: string;
  readonly error?: string;
}

type Point = readonly [number, string];

interface SeriesAnswer {
  readonly metric: Record<string, string>;
  readonly points: readonly Point[];
}

/** Relative tolerance for two finite values that were computed in a different order. */
export const RELATIVE_TOLERANCE = 1e-9;

/** A value as Prometheus prints it: a number, or NaN, +Inf, -Inf. */
export function parseSampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return text === 'NaN' ? NaN : Number(text);
}

/** Equal, both NaN, the same infinity, or finite and within {@link RELATIVE_TOLERANCE} of each other. */
export function valuesAgree(expected: string, actual: string): boolean {
  if (expected === actual) return true;
  const a = parseSampleValue(expected);
  const b = parseSampleValue(actual);
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

/** A label set as PromQL writes it: `name{a="1",b="2"}`, labels sorted by name. */
export function formatMetric(metric: Record<string, string>): string {
  const { __name__: name, ...rest } = metric;
  const labels = Object.entries(rest)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([n, v]) => `${n}=${JSON.stringify(v)}`);
  return `${name ?? ''}{${labels.join(',')}}`;
}

/** The series of a vector or matrix answer, one point per vector element. */
function seriesOf(body: QueryBody): SeriesAnswer[] {
  const result = (body.data?.result ?? []) as Array<{ metric: Record<string, string>; value?: Point; values?: Point[] }>;
  return result.map((r) => ({ metric: r.metric ?? {}, points: r.values ?? (r.value ? [r.value] : []) }));
}

/** A short description of an answer for a report: the error, or the result's shape and first elements. */
export function describeAnswer(answer: QueryAnswer, maxSeries = 3): string {
  const { body } = answer;
  if (!body) return `HTTP ${answer.httpStatus}, not JSON: ${answer.text.slice(0, 120)}`;
  if (body.status !== 'success') return `error HTTP ${answer.httpStatus} ${body.errorType}: ${(body.error ?? '').slice(0, 160)}`;
  const type = body.data?.resultType;
  if (type === 'scalar' || type === 'string') return `${type} ${JSON.stringify(body.data?.result)}`;
  const series = seriesOf(body);
  if (series.length === 0) return `${type} (empty)`;
  const shown = series.slice(0, maxSeries).map((s) =>
    type === 'vector' ? `${formatMetric(s.metric)} ${s.points[0]?.[1]}` : `${formatMetric(s.metric)} ${s.points.length} points [${s.points[0]?.[1]} … ${s.points.at(-1)?.[1]}]`,
  );
  return `${type}[${series.length}]: ${shown.join('; ')}${series.length > maxSeries ? '; …' : ''}`;
}

/** Whether an answer is a success with no series (or an error): nothing a case could have compared. */
export function isEmptyAnswer(answer: QueryAnswer): boolean {
  const { body } = answer;
  if (!body || body.status !== 'success') return true;
  const type = body.data?.resultType;
  return (type === 'vector' || type === 'matrix') && seriesOf(body).length === 0;
}

/**
 * How `actual` differs from `expected`, at most `maxLines` short lines (a report adds both
 * answers with {@link describeAnswer}); none when they agree.
 * Errors agree when both are errors with the same HTTP status and errorType (the messages
 * may differ). Series are matched by label set; `ordered` also compares their order (for
 * an instant query whose top level sorts). Timestamps must be equal, values equal within
 * {@link RELATIVE_TOLERANCE}.
 */
export function answerDifferences(expected: QueryAnswer, actual: QueryAnswer, options: { ordered?: boolean; maxLines?: number } = {}): string[] {
  const maxLines = options.maxLines ?? 4;
  const e = expected.body;
  const a = actual.body;
  if (!e) return [`the reference's answer is not JSON (HTTP ${expected.httpStatus}): ${expected.text.slice(0, 120)}`];
  if (!a) return [`not JSON (HTTP ${actual.httpStatus}): ${actual.text.slice(0, 120)}`];
  if (e.status !== 'success' || a.status !== 'success') {
    if (e.status === a.status && expected.httpStatus === actual.httpStatus && e.errorType === a.errorType) return [];
    if (e.status === a.status) return [`both refuse, but with HTTP ${actual.httpStatus} ${a.errorType} for ${expected.httpStatus} ${e.errorType}`];
    return [e.status === 'success' ? `refused (HTTP ${actual.httpStatus} ${a.errorType}) what the reference answers` : `answers what the reference refuses (HTTP ${expected.httpStatus} ${e.errorType})`];
  }
  const type = e.data?.resultType;
  if (type !== a.data?.resultType) return [`resultType: expected ${type}, got ${a.data?.resultType}`];
  if (type === 'scalar' || type === 'string') {
    const [et, ev] = e.data!.result as Point;
    const [at, av] = a.data!.result as Point;
    if (et !== at) return [`timestamp: expected ${et}, got ${at}`];
    const same = type === 'scalar' ? valuesAgree(ev, av) : ev === av;
    return same ? [] : [`value: expected ${ev}, got ${av}`];
  }

  const lines: string[] = [];
  const expectedSeries = seriesOf(e);
  const actualSeries = seriesOf(a);
  const byKey = (list: SeriesAnswer[]) => new Map(list.map((s) => [formatMetric(s.metric), s]));
  const eMap = byKey(expectedSeries);
  const aMap = byKey(actualSeries);
  if (aMap.size !== actualSeries.length) lines.push(`the answer holds the same label set twice (${actualSeries.length} series, ${aMap.size} label sets)`);
  const missing = [...eMap.keys()].filter((k) => !aMap.has(k));
  const extra = [...aMap.keys()].filter((k) => !eMap.has(k));
  const sample = (keys: string[]) =>
    keys
      .slice(0, 3)
      .map((k) => {
        const s = (eMap.get(k) ?? aMap.get(k))!;
        return type === 'vector' ? `${k} ${s.points[0]?.[1]}` : `${k} (${s.points.length} points)`;
      })
      .join('; ') + (keys.length > 3 ? `; … (${keys.length} in all)` : '');
  if (missing.length > 0) lines.push(`missing series: ${sample(missing)}`);
  if (extra.length > 0) lines.push(`unexpected series: ${sample(extra)}`);
  if (options.ordered && missing.length === 0 && extra.length === 0) {
    const eOrder = expectedSeries.map((s) => formatMetric(s.metric));
    const aOrder = actualSeries.map((s) => formatMetric(s.metric));
    if (eOrder.join('\n') !== aOrder.join('\n')) lines.push(`order: expected ${eOrder.join(', ')}; got ${aOrder.join(', ')}`);
  }
  for (const [key, es] of eMap) {
    if (lines.length >= maxLines) break;
    const as = aMap.get(key);
    if (!as) continue;
    const diff = pointDifference(es.points, as.points);
    if (diff) lines.push(`${key}: ${diff}`);
  }
  return lines.slice(0, maxLines);
}

/** The first difference between two series' points, with how many points differ; undefined when none. */
function pointDifference(expected: readonly Point[], actual: readonly Point[]): string | undefined {
  const aAt = new Map(actual.map(([t, v]) => [t, v]));
  const eAt = new Map(expected.map(([t, v]) => [t, v]));
  const onlyExpected = expected.filter(([t]) => !aAt.has(t));
  const onlyActual = actual.filter(([t]) => !eAt.has(t));
  const different = expected.filter(([t, v]) => aAt.has(t) && !valuesAgree(v, aAt.get(t)!));
  if (onlyExpected.length === 0 && onlyActual.length === 0 && different.length === 0) return undefined;
  const parts: string[] = [];
  if (different.length > 0) {
    const [t, v] = different[0];
    parts.push(`${different.length} of ${expected.length} values differ, first @${t}: expected ${v}, got ${aAt.get(t)}`);
  }
  if (onlyExpected.length > 0) parts.push(`${onlyExpected.length} points missing, first @${onlyExpected[0][0]} (${onlyExpected[0][1]})`);
  if (onlyActual.length > 0) parts.push(`${onlyActual.length} points unexpected, first @${onlyActual[0][0]} (${onlyActual[0][1]})`);
  return parts.join('; ');
}
