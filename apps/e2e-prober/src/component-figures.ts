import { bucketIncrease, histogramQuantile, type MetricSnapshot } from '@strata/runtime';
import type { Figure } from './dashboard-contract';

/** Two scrapes of one component (about a minute apart): rates need both; the first scrape alone gives gauges only. */
export interface Scrapes {
  readonly current: MetricSnapshot;
  readonly previous?: MetricSnapshot;
  /** Seconds between the two scrapes. */
  readonly seconds: number;
  readonly nowMs: number;
}

/** A component's own threshold for the colour of a figure; alerts have their own, in the rule file. */
const WRITER_LAG_WARN_RECORDS = 10_000;
const WRITER_UTILISATION_WARN = 0.7;
const READER_P99_WARN_SECONDS = 1;
const ARCHIVER_STALE_SECONDS = 86_400;

function formatNumber(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(abs >= 1e7 ? 0 : 1)} M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(abs >= 1e5 ? 0 : 1)} k`;
  if (abs >= 10 || Number.isInteger(value)) return value.toFixed(0);
  if (abs >= 1) return value.toFixed(1);
  return value.toPrecision(2);
}

export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${formatNumber(seconds * 1_000)} ms`;
  if (seconds < 120) return `${formatNumber(seconds)} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3_600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

const pending = (key: string, label: string, why = 'measuring…'): Figure => ({ key, label, value: null, text: why, level: 'info' });

/** Per-second increase of a counter between the scrapes (a reset counts from zero). */
function rate(s: Scrapes, name: string, match: Record<string, string> = {}): number | undefined {
  const now = s.current.sum(name, match);
  if (now === undefined || !s.previous || s.seconds <= 0) return undefined;
  const before = s.previous.sum(name, match) ?? 0;
  return (now >= before ? now - before : now) / s.seconds;
}

function rateFigure(
  s: Scrapes,
  key: string,
  label: string,
  name: string,
  options: { match?: Record<string, string>; perMinute?: boolean; unit: string; warnAbove?: number },
): Figure {
  const perSecond = rate(s, name, options.match);
  if (perSecond === undefined) return pending(key, label, s.current.declares(name) ? 'measuring…' : 'no data');
  const value = options.perMinute ? perSecond * 60 : perSecond;
  const level = options.warnAbove !== undefined && value > options.warnAbove ? 'warn' : 'ok';
  return { key, label, value, text: `${formatNumber(value)} ${options.unit}`, level };
}

function gaugeFigure(
  s: Scrapes,
  key: string,
  label: string,
  name: string,
  format: (v: number) => string,
  warnAbove?: number,
): Figure {
  const value = s.current.sum(name);
  // NaN is a gauge not measured yet (prom-client's event-loop lag before its first sample).
  if (value === undefined || Number.isNaN(value)) return pending(key, label, 'no data');
  return { key, label, value, text: format(value), level: warnAbove !== undefined && value > warnAbove ? 'warn' : 'ok' };
}

/** A latency quantile over the requests between the two scrapes. */
function latencyFigure(
  s: Scrapes,
  key: string,
  label: string,
  name: string,
  q: number,
  options: { match?: Record<string, string>; warnAbove?: number } = {},
): Figure {
  if (!s.current.declares(name)) return pending(key, label, 'no data');
  if (!s.previous) return pending(key, label);
  const current = s.current.buckets(name, options.match);
  const seconds = histogramQuantile(q, bucketIncrease(current, s.previous.buckets(name, options.match)));
  if (seconds === undefined) return { key, label, value: null, text: 'no requests', level: 'info' };
  const level = options.warnAbove !== undefined && seconds > options.warnAbove ? 'warn' : 'ok';
  return { key, label, value: seconds * 1_000, text: formatSeconds(seconds), level };
}

function archiverLastSuccess(s: Scrapes): Figure {
  const key = 'last-success';
  const label = 'last archive run';
  const timestamp = s.current.sum('strata_archiver_last_success_timestamp_seconds');
  // The archiver exports its last completed run, or its start time before the first one;
  // absent means it is not deployed or not scraped.
  if (timestamp === undefined || timestamp <= 0) return { key, label, value: null, text: 'not running yet', level: 'info' };
  const age = Math.max(0, s.nowMs / 1_000 - timestamp);
  return { key, label, value: age, text: `${formatSeconds(age)} ago`, level: age > ARCHIVER_STALE_SECONDS ? 'bad' : 'ok' };
}

/** Whether the writer is rebuilding the hot tier from the log after Redis lost data (hot-recovery.ts). */
function hotTierFigure(s: Scrapes): Figure {
  const key = 'hot-tier';
  const label = 'hot tier';
  const rebuilding = s.current.sum('strata_writer_hot_rebuilding');
  if (rebuilding === undefined) return pending(key, label, 'no data');
  const gap = s.current.sum('strata_writer_rebuild_gap_records') ?? 0;
  if (rebuilding > 0) {
    const remaining = s.current.sum('strata_writer_hot_rebuild_remaining_records') ?? 0;
    return { key, label, value: remaining, text: `rebuilding from the log: ${formatNumber(remaining)} records to go`, level: 'warn' };
  }
  if (gap > 0) return { key, label, value: gap, text: `log retention deleted ${formatNumber(gap)} records not yet sealed`, level: 'bad' };
  return { key, label, value: 0, text: 'whole', level: 'ok' };
}

const bytes = (v: number) => `${formatNumber(v / 1_048_576)} MiB`;

/** The process figures every Strata app exports (prom-client's default metrics, prefix strata_). */
function processFigures(s: Scrapes): Figure[] {
  return [
    gaugeFigure(s, 'heap', 'heap used', 'strata_nodejs_heap_size_used_bytes', bytes),
    gaugeFigure(s, 'event-loop', 'event loop lag p99', 'strata_nodejs_eventloop_lag_p99_seconds', formatSeconds, 0.1),
  ];
}

/**
 * The numbers an operator looks at first for each component (docs/operations.md, "The
 * prober's dashboard"). Unknown components get the process figures only.
 */
export function componentFigures(component: string, s: Scrapes): Figure[] {
  switch (component) {
    case 'ingest':
      return [
        rateFigure(s, 'accepted', 'points accepted', 'strata_ingest_points_accepted_total', { unit: '/s' }),
        rateFigure(s, 'refused', 'points refused', 'strata_ingest_points_refused_total', { unit: '/s', warnAbove: 0 }),
        latencyFigure(s, 'write-p99', 'Write p99', 'strata_ingest_request_duration_seconds', 0.99),
        ...processFigures(s),
      ];
    case 'writer':
      return [
        gaugeFigure(s, 'lag', 'consumer lag', 'strata_writer_consumer_lag_records', (v) => `${formatNumber(v)} records`, WRITER_LAG_WARN_RECORDS),
        rateFigure(s, 'points', 'points written', 'strata_writer_points_total', { unit: '/min', perMinute: true }),
        gaugeFigure(s, 'seal-backlog', 'seal backlog', 'strata_writer_seal_backlog_windows', (v) => `${formatNumber(v)} windows`),
        hotTierFigure(s),
        gaugeFigure(s, 'utilisation', 'utilisation', 'strata_writer_utilisation_ratio', (v) => `${(v * 100).toFixed(0)} %`, WRITER_UTILISATION_WARN),
        rateFigure(s, 'throttled', 'DynamoDB throttles', 'strata_writer_dynamodb_retries_total', {
          match: { reason: 'throttled' },
          unit: '/min',
          perMinute: true,
          warnAbove: 0,
        }),
        ...processFigures(s),
      ];
    case 'reader':
      return [
        rateFigure(s, 'reads', 'reads', 'strata_reader_requests_total', { match: { rpc: 'Read' }, unit: '/s' }),
        latencyFigure(s, 'read-p50', 'Read p50', 'strata_reader_request_duration_seconds', 0.5, { match: { rpc: 'Read' } }),
        latencyFigure(s, 'read-p99', 'Read p99', 'strata_reader_request_duration_seconds', 0.99, {
          match: { rpc: 'Read' },
          warnAbove: READER_P99_WARN_SECONDS,
        }),
        rateFigure(s, 'tier-failures', 'tier failures', 'strata_reader_tier_failures_total', { unit: '/min', perMinute: true, warnAbove: 0 }),
        ...processFigures(s),
      ];
    case 'archiver':
      return [archiverLastSuccess(s), ...processFigures(s)];
    default:
      return processFigures(s);
  }
}
