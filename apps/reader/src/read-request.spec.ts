import { Aggregation, type ReadRequest } from '@strata/proto';
import type { ReadLimits } from './config';
import { InvalidQueryError, RequestTooLargeError } from './errors';
import { parseReadRequest } from './read-request';

const limits: ReadLimits = {
  maxSeriesPerRequest: 3,
  maxRangeMs: 1_000_000,
  maxPointsPerRequest: 100,
  pointsPerSeriesDay: 1_440,
  maxPointsPerMessage: 10,
  maxListSeries: 10,
};
const base: ReadRequest = {
  matchers: [],
  series: [{ name: 'cpu', labels: [{ name: 'host', value: 'a' }] }],
  fromMs: 1_000,
  toMs: 2_000,
  stepMs: 0,
  aggregation: Aggregation.AVG,
};

describe('parseReadRequest', () => {
  it('reads Prometheus names, colons included', () => {
    const parsed = parseReadRequest({ ...base, series: [{ name: 'job:http_requests:rate5m', labels: [{ name: 'job', value: 'api' }] }] }, limits);
    expect(parsed.series.map((s) => s.key)).toEqual(['job:http_requests:rate5m{job="api"}']);
  });

  it('turns selectors into canonical series keys, labels sorted, repeats dropped', () => {
    const parsed = parseReadRequest(
      {
        ...base,
        series: [
          { name: 'cpu', labels: [{ name: 'z', value: '1' }, { name: 'a', value: '2' }] },
          { name: 'cpu', labels: [{ name: 'a', value: '2' }, { name: 'z', value: '1' }] },
          { name: 'mem', labels: [] },
        ],
      },
      limits,
    );
    expect(parsed.series.map((s) => s.key)).toEqual(['cpu{a="2",z="1"}', 'mem']);
    expect(parsed.series[0].labels).toEqual([{ name: 'a', value: '2' }, { name: 'z', value: '1' }]);
    expect(parsed.rollup).toBeUndefined();
  });

  it.each([
    [Aggregation.AVG, 'avg'],
    [Aggregation.MIN, 'min'],
    [Aggregation.MAX, 'max'],
    [Aggregation.SUM, 'sum'],
    [Aggregation.COUNT, 'count'],
    [Aggregation.LAST, 'last'],
  ])('maps aggregation %s to %s when step_ms > 0', (aggregation, rollup) => {
    expect(parseReadRequest({ ...base, stepMs: 60_000, aggregation }, limits).rollup).toBe(rollup);
  });

  it.each<[string, Partial<ReadRequest>, RegExp]>([
    ['no series', { series: [] }, /selects no series/],
    ['to before from', { fromMs: 2_000, toMs: 1_000 }, /to_ms \(1000\) must be greater than from_ms \(2000\)/],
    ['an empty range (to_ms left out)', { toMs: 0, fromMs: 0 }, /must be greater than from_ms/],
    ['a negative from', { fromMs: -5 }, /from_ms -5 is negative/],
    ['a negative step', { stepMs: -1 }, /step_ms -1 is negative/],
    ['an unknown aggregation', { aggregation: 9 as Aggregation }, /aggregation 9 is not one of/],
    ['a bad name', { series: [{ name: 'cpu load', labels: [] }] }, /series\[0\]: name "cpu load" must match/],
    ['a bad label name', { series: [{ name: 'cpu', labels: [{ name: '1x', value: 'a' }] }] }, /label name "1x" must match/],
    ['a repeated label', { series: [{ name: 'cpu', labels: [{ name: 'a', value: '1' }, { name: 'a', value: '2' }] }] }, /label a appears twice/],
    ['an empty label value', { series: [{ name: 'cpu', labels: [{ name: 'a', value: '' }] }] }, /label a has an empty value/],
  ])('refuses %s as INVALID_ARGUMENT, saying why', (_, change, message) => {
    const attempt = () => parseReadRequest({ ...base, ...change }, limits);
    expect(attempt).toThrow(InvalidQueryError);
    expect(attempt).toThrow(message);
  });

  it.each<[string, Partial<ReadRequest>, RegExp]>([
    ['too many series', { series: ['a', 'b', 'c', 'd'].map((name) => ({ name, labels: [] })) }, /selects 4 series; the limit is 3 per Read \(STRATA_READ_MAX_SERIES\)/],
    ['too wide a range', { fromMs: 0, toMs: 1_000_001 }, /spans 1000001 ms; the limit is 1000000 ms per Read \(STRATA_READ_MAX_RANGE_MS\)/],
  ])('refuses %s naming the limit', (_, change, message) => {
    const attempt = () => parseReadRequest({ ...base, ...change }, limits);
    expect(attempt).toThrow(RequestTooLargeError);
    expect(attempt).toThrow(message);
  });
});
