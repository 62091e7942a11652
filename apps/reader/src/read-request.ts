import { LABEL_NAME_PATTERN, SERIES_NAME_PATTERN, seriesKey, sortLabels, type Label, type RollupFunction } from '@strata/model';
import { Aggregation, type ReadRequest } from '@strata/proto';
import type { ReadLimits } from './config';
import { InvalidQueryError, RequestTooLargeError } from './errors';

/** One series a Read asks for: its canonical key and its identity, labels sorted. */
export interface SeriesRef {
  readonly key: string;
  readonly name: string;
  readonly labels: readonly Label[];
}

export interface ParsedRead {
  /** In request order, each series once. */
  readonly series: readonly SeriesRef[];
  readonly fromMs: number;
  readonly toMs: number;
  /** 0 = raw points. */
  readonly stepMs: number;
  /** Set when stepMs > 0. */
  readonly rollup?: RollupFunction;
}

const ROLLUP_OF: Readonly<Record<number, RollupFunction>> = {
  [Aggregation.AVG]: 'avg',
  [Aggregation.MIN]: 'min',
  [Aggregation.MAX]: 'max',
  [Aggregation.SUM]: 'sum',
  [Aggregation.COUNT]: 'count',
  [Aggregation.LAST]: 'last',
};

/**
 * Validates a Read and turns its selectors into series. A selector names exactly one
 * series: its name plus ALL its labels (label order is free). There is no label matching
 * or regex here; ListSeries finds series by name glob. A selector repeated in one request
 * is read once. Throws InvalidQueryError or RequestTooLargeError saying what to change.
 */
export function parseReadRequest(request: ReadRequest, limits: ReadLimits): ParsedRead {
  const { fromMs, toMs, stepMs } = request;
  if (request.series.length === 0) throw new InvalidQueryError('the request selects no series: add at least one SeriesSelector');
  if (request.series.length > limits.maxSeriesPerRequest) {
    throw new RequestTooLargeError(
      `the request selects ${request.series.length} series; the limit is ${limits.maxSeriesPerRequest} per Read ` +
        '(STRATA_READ_MAX_SERIES): split it into several calls',
      'STRATA_READ_MAX_SERIES',
      limits.maxSeriesPerRequest,
    );
  }
  if (fromMs < 0) throw new InvalidQueryError(`from_ms ${fromMs} is negative; timestamps are ms since the epoch`);
  if (toMs <= fromMs) {
    throw new InvalidQueryError(`to_ms (${toMs}) must be greater than from_ms (${fromMs}): the range is [from_ms, to_ms)`);
  }
  if (toMs - fromMs > limits.maxRangeMs) {
    throw new RequestTooLargeError(
      `the range [${fromMs}, ${toMs}) spans ${toMs - fromMs} ms; the limit is ${limits.maxRangeMs} ms per Read ` +
        '(STRATA_READ_MAX_RANGE_MS): split it into several calls',
      'STRATA_READ_MAX_RANGE_MS',
      limits.maxRangeMs,
    );
  }
  if (stepMs < 0) throw new InvalidQueryError(`step_ms ${stepMs} is negative; use 0 for raw points or a bucket width in ms`);
  const rollup = ROLLUP_OF[request.aggregation];
  if (rollup === undefined) {
    throw new InvalidQueryError(`aggregation ${request.aggregation} is not one of AVG, MIN, MAX, SUM, COUNT, LAST`);
  }
  const seen = new Set<string>();
  const series: SeriesRef[] = [];
  request.series.forEach((selector, index) => {
    const ref = parseSelector(selector.name, selector.labels, index);
    if (seen.has(ref.key)) return;
    seen.add(ref.key);
    series.push(ref);
  });
  return { series, fromMs, toMs, stepMs, ...(stepMs > 0 && { rollup }) };
}

function parseSelector(name: string, labels: readonly Label[], index: number): SeriesRef {
  const where = `series[${index}]`;
  if (!SERIES_NAME_PATTERN.test(name)) {
    throw new InvalidQueryError(`${where}: name ${JSON.stringify(name.slice(0, 300))} must match [a-zA-Z0-9._:-]{1,255}`);
  }
  const names = new Set<string>();
  for (const label of labels) {
    if (!LABEL_NAME_PATTERN.test(label.name)) {
      throw new InvalidQueryError(`${where} (${name}): label name ${JSON.stringify(label.name.slice(0, 200))} must match [a-zA-Z_][a-zA-Z0-9_]*`);
    }
    if (names.has(label.name)) throw new InvalidQueryError(`${where} (${name}): label ${label.name} appears twice`);
    if (label.value === '') {
      throw new InvalidQueryError(`${where} (${name}): label ${label.name} has an empty value; series never carry empty labels, leave it out`);
    }
    names.add(label.name);
  }
  const sorted = sortLabels(labels).map((l) => ({ name: l.name, value: l.value }));
  return { key: seriesKey(name, sorted), name, labels: sorted };
}
