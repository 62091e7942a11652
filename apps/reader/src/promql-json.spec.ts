import fc from 'fast-check';
import type { Labels, QueryValue } from '@strata/promql';
import { formatValue } from '@strata/promql';
import { formatQueryValue, queryValueJson, secondsJson, valueString } from './promql-json';

/** Label names that JSON objects keep in insertion order (no integer-like ones), each once. */
const labels: fc.Arbitrary<Labels> = fc
  .uniqueArray(fc.tuple(fc.string({ minLength: 1 }).filter((n) => !/^(0|[1-9]\d*)$/.test(n)), fc.string({ unit: 'binary' })), { maxLength: 6, selector: ([name]) => name })
  .map((pairs) => pairs.map(([name, value]) => ({ name, value })));
const value = fc.oneof(
  fc.double(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e21, 1e-7, 5e-324, 12.34, -0.1, 2 ** 53),
  fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 100),
);
/** Millisecond times, including ones before 1970 and with odd milliseconds. */
const time = fc.integer({ min: -1e13, max: 1e13 });

const queryValue: fc.Arbitrary<QueryValue> = fc.oneof(
  fc.array(fc.record({ labels, t: time, v: value }), { maxLength: 5 }).map((result) => ({ resultType: 'vector' as const, result })),
  fc
    .array(
      fc.array(fc.tuple(time, value), { maxLength: 20 }).chain((points) =>
        labels.map((l) => ({ labels: l, t: points.map(([t]) => t), v: points.map(([, v]) => v) })),
      ),
      { maxLength: 4 },
    )
    .map((result) => ({ resultType: 'matrix' as const, result })),
  fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), value).map((result) => ({ resultType: 'scalar' as const, result })),
  fc.tuple(fc.integer(), fc.string({ unit: 'binary' })).map((result) => ({ resultType: 'string' as const, result })),
);

describe('queryValueJson', () => {
  it('writes exactly what JSON.stringify writes of formatQueryValue, for every result type', () => {
    fc.assert(
      fc.property(queryValue, (v) => {
        expect(queryValueJson(v)).toBe(JSON.stringify(formatQueryValue(v)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('writes values and times exactly as formatValue and JSON.stringify do, on the fast path and off it', () => {
    const decimals = fc.tuple(fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), fc.constantFrom(1, 10, 100, 1_000)).map(([n, d]) => n / d);
    fc.assert(
      fc.property(fc.oneof(fc.double(), decimals, value), (v) => {
        expect(valueString(v)).toBe(formatValue(v));
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), fc.double(), time), (ms) => {
        expect(secondsJson(ms)).toBe(JSON.stringify(ms / 1_000));
      }),
      { numRuns: 20_000 },
    );
    for (const v of [0.01, -0.01, 0.05, 0.1, 0.5, 1.05, 99.99, 1e14 + 0.01, 9.99e14, -9.99e14, 1e15, 0.015, 1e-6, 1e-7]) expect(valueString(v)).toBe(formatValue(v));
    for (const ms of [0, -0, 1, 10, 100, 999, 1_000, 1_001, 1_010, 1_100, -1, -1_500, 999_999_999_999_999, -999_999_999_999_999]) expect(secondsJson(ms)).toBe(JSON.stringify(ms / 1_000));
  });

  it('escapes label names and values that need it', () => {
    const v: QueryValue = { resultType: 'vector', result: [{ labels: [{ name: 'a"b', value: 'line\nbreak \\ \u0001 \ud800' }], t: 1_500, v: 2 }] };
    expect(JSON.parse(queryValueJson(v))).toEqual({ resultType: 'vector', result: [{ metric: { 'a"b': 'line\nbreak \\ \u0001 \ud800' }, value: [1.5, '2'] }] });
  });
});
