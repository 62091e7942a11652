import { bucketFraction, bucketQuantile, classicHistograms, formatOpenMetricsFloat, parseGoFloat, quantile } from './quantile';
import { labelsOf } from './values';

// Expected values below were checked against Go: strconv.ParseFloat (how Prometheus reads `le`),
// labels.FormatOpenMetricsFloat, and promql.BucketQuantile / BucketFraction of Prometheus v3.14.

describe('reading le as Go does', () => {
  it.each<[string, number | undefined]>([
    ['1', 1],
    ['+Inf', Infinity],
    ['+inf', Infinity],
    ['inf', Infinity],
    ['-Infinity', -Infinity],
    ['INFINITY', Infinity],
    ['NaN', NaN],
    ['nan', NaN],
    ['.2', 0.2],
    ['1.', 1],
    ['1e0', 1],
    ['2.0e-1', 0.2],
    ['1E+3', 1000],
    ['+1', 1],
    ['-.5e-3', -0.0005],
    ['01', 1],
    ['1_000', 1000],
    ['1_0.5', 10.5],
    ['1e1_0', 1e10],
    ['0x1p-2', 0.25],
    ['0X1P2', 4],
    ['0x1.8p1', 3],
    ['0x_1p0', 1],
    ['1e-400', 0],
    // Not numbers to Go: signed NaN, spaces, hexadecimal without an exponent, misplaced underscores, out of range.
    ['-NaN', undefined],
    ['+nan', undefined],
    [' 1', undefined],
    ['', undefined],
    ['0x10', undefined],
    ['1__0', undefined],
    ['_1', undefined],
    ['1_e5', undefined],
    ['1e', undefined],
    ['.e5', undefined],
    ['1e400', undefined],
    ['infi', undefined],
    ['Hello World', undefined],
  ])('%j is %d', (text, expected) => {
    expect(parseGoFloat(text)).toBe(expected);
  });
});

describe('writing a quantile label value', () => {
  it.each([
    [0, '0.0'],
    [1, '1.0'],
    [-1, '-1.0'],
    [0.25, '0.25'],
    [0.99, '0.99'],
    [100, '100.0'],
    [123456, '123456.0'],
    [1234567, '1.234567e+06'],
    [1e6, '1e+06'],
    [1e21, '1e+21'],
    [1e100, '1e+100'],
    [0.0001, '0.0001'],
    [1e-5, '1e-05'],
    [2.5e-7, '2.5e-07'],
    [5e-324, '5e-324'],
    [0.1 + 0.2, '0.30000000000000004'],
    [-0.1, '-0.1'],
    [12345.678, '12345.678'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('%d as %s', (value, expected) => {
    expect(formatOpenMetricsFloat(value)).toBe(expected);
  });
});

describe('quantiles of buckets', () => {
  const b = (pairs: Array<[number, number]>) => pairs.map(([upperBound, count]) => ({ upperBound, count }));

  it('does not depend on the order of the buckets and leaves the input alone', () => {
    const input = b([
      [Infinity, 30],
      [-0.1, 20],
      [0.3, 20],
      [-0.2, 10],
    ]);
    expect(bucketQuantile(0.5, input)).toBeCloseTo(-0.15, 15);
    expect(input[0]).toEqual({ upperBound: Infinity, count: 30 });
  });

  it('ignores differences too small to be an observation, in either direction', () => {
    // 1e12 + 1e-1 differs from 1e12 by less than 1e-12 relative: the counts count as equal, so the median is in the first bucket.
    expect(
      bucketQuantile(
        0.5,
        b([
          [1, 1e12],
          [2, 1e12 + 0.1],
          [Infinity, 1e12 + 0.1],
        ]),
      ),
    ).toBe(0.5);
    expect(
      bucketQuantile(
        0.5,
        b([
          [1, 1e12],
          [2, 1e12 - 0.1],
          [Infinity, 1e12],
        ]),
      ),
    ).toBe(0.5);
  });

  it('answers NaN for a NaN bound, whose place Prometheus leaves to its sort', () => {
    expect(
      bucketQuantile(
        0.5,
        b([
          [NaN, 1],
          [Infinity, 2],
        ]),
      ),
    ).toBeNaN();
    expect(
      bucketFraction(
        0,
        1,
        b([
          [NaN, 1],
          [Infinity, 2],
        ]),
      ),
    ).toBeNaN();
  });

  it('answers ±Inf for φ outside [0, 1] before looking at the buckets', () => {
    expect(bucketQuantile(-1, [])).toBe(-Infinity);
    expect(bucketQuantile(2, b([[1, 1]]))).toBe(Infinity);
  });

  it('handles many buckets quickly', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => ({ upperBound: i + 1, count: i }));
    many.push({ upperBound: Infinity, count: 100_000 });
    const started = performance.now();
    expect(bucketQuantile(0.5, many.reverse())).toBe(50_001);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('grouping bucket series', () => {
  it('groups by every label but le, the metric name included, and leaves out unreadable le values', () => {
    const sample = (labels: Record<string, string>, v: number) => ({ labels: labelsOf(labels), t: 0, v });
    const groups = classicHistograms([
      sample({ __name__: 'a_bucket', le: '1' }, 1),
      sample({ __name__: 'b_bucket', le: '1' }, 2),
      sample({ __name__: 'a_bucket', le: '+Inf' }, 3),
      sample({ __name__: 'a_bucket', le: 'x' }, 4),
      sample({ __name__: 'a_bucket' }, 5),
    ]);
    expect(groups).toEqual([
      {
        labels: labelsOf({ __name__: 'a_bucket' }),
        buckets: [
          { upperBound: 1, count: 1 },
          { upperBound: Infinity, count: 3 },
        ],
      },
      { labels: labelsOf({ __name__: 'b_bucket' }), buckets: [{ upperBound: 1, count: 2 }] },
    ]);
  });
});

describe('quantile of values', () => {
  it.each([
    [0, [1, 2, 3, 4], 1],
    [0.5, [4, 1, 3, 2], 2.5],
    [0.9, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 9.1],
    [1, [3, 1, 2], 3],
    [-0.5, [1], -Infinity],
    [1.5, [1], Infinity],
    [NaN, [1], NaN],
    [0.5, [], NaN],
    // NaN ranks lowest.
    [0.5, [NaN, 1, 2], 1],
    // Interpolating at weight 0 next to an infinity gives NaN (Inf × 0), as it does in Go.
    [0, [1, Infinity], NaN],
  ])('φ = %d of %j is %d', (q, values, expected) => {
    const got = quantile(q, values);
    if (Number.isFinite(expected)) expect(got).toBeCloseTo(expected, 12);
    else expect(got).toBe(expected);
  });
});
