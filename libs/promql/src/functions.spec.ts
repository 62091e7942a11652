import type { LabelMatcher } from '@strata/model';
import { PromqlExecutionError, type FunctionArg } from './function-types';
import { EXPERIMENTAL_FUNCTIONS, FUNCTIONS, kahanMean, kahanSum, quantile } from './functions';
import { formatLabels, labelsOf, type Labels, type Series, type Vector } from './values';

// Unless a case says otherwise, inputs and expected numbers are taken from Prometheus's
// promql/promqltest/testdata/functions.test and histograms.test (v3.14), cited by the
// `eval` line they come from. Their `load <interval>` lines put the i-th value at
// i × interval; a range selector at t sees the samples in (t − range, t].

const S = 1000;
const M = 60 * S;

type Point = [t: number, v: number];

/** promqltest's series notation: `a+bxn` / `a-bxn` (n + 1 values), numbers, `Inf`, `NaN`, `_` (no sample). */
function load(intervalMs: number, notation: string): Point[] {
  const values: Array<number | undefined> = [];
  const num = (text: string) => Number(text.replace(/Inf$/, 'Infinity'));
  for (const token of notation.trim().split(/\s+/)) {
    const series = /^(-?[\d.]+)([+-])([\d.]+)x(\d+)$/.exec(token);
    if (series) {
      const [, start, sign, step, times] = series;
      for (let i = 0; i <= Number(times); i++) values.push(num(start) + (sign === '+' ? 1 : -1) * i * num(step));
    } else {
      values.push(token === '_' ? undefined : num(token));
    }
  }
  return values.flatMap((v, i): Point[] => (v === undefined ? [] : [[i * intervalMs, v]]));
}

interface Loaded {
  readonly labels: Labels;
  readonly points: Point[];
}

const loaded = (labels: Record<string, string>, intervalMs: number, notation: string): Loaded => ({ labels: labelsOf(labels), points: load(intervalMs, notation) });

/** The range vector `[rangeMs]` of the loaded series at t. */
function range(t: number, rangeMs: number, ...input: Loaded[]): FunctionArg {
  const value: Series[] = input.map(({ labels, points }) => {
    const inWindow = points.filter(([pt]) => pt > t - rangeMs && pt <= t);
    return { labels, t: inWindow.map(([pt]) => pt), v: inWindow.map(([, v]) => v) };
  });
  return { type: 'matrix', value, rangeMs };
}

const vector = (...samples: Array<[Record<string, string>, number]>): FunctionArg => ({ type: 'vector', value: samples.map(([labels, v]) => ({ labels: labelsOf(labels), t: 0, v })) });
const scalar = (value: number): FunctionArg => ({ type: 'scalar', value });
const str = (value: string): FunctionArg => ({ type: 'string', value });

function call(name: string, args: FunctionArg[], t = 0, argMatchers?: LabelMatcher[]): Vector | number {
  const f = FUNCTIONS.get(name);
  if (!f) throw new Error(`no function ${name}`);
  return f.call(args, { t, ...(argMatchers && { argMatchers }) });
}

function vectorOf(name: string, args: FunctionArg[], t = 0, argMatchers?: LabelMatcher[]): Vector {
  const out = call(name, args, t, argMatchers);
  if (typeof out === 'number') throw new Error(`${name} returned a scalar`);
  return out;
}

/** The result as label set → value, labels written as Prometheus prints them. */
function byLabels(name: string, args: FunctionArg[], t = 0, argMatchers?: LabelMatcher[]): Record<string, number> {
  return Object.fromEntries(vectorOf(name, args, t, argMatchers).map((s) => [formatLabels(s.labels), s.v]));
}

/** Equal label sets, and values equal within a relative tolerance (NaN and ±Inf exactly). */
function expectValues(actual: Record<string, number>, expected: Record<string, number>, tolerance = 1e-12): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [key, want] of Object.entries(expected)) {
    const got = actual[key];
    if (!Number.isFinite(want)) expect([key, got]).toEqual([key, want]);
    else expect([key, Math.abs(got - want) <= tolerance * Math.max(1, Math.abs(want))]).toEqual([key, true]);
  }
}

const only = (name: string, args: FunctionArg[], t = 0): number => {
  const out = vectorOf(name, args, t);
  expect(out).toHaveLength(1);
  return out[0].v;
};

describe('the function table', () => {
  it('holds every float function of Prometheus 3.14 and nothing else', () => {
    expect([...FUNCTIONS.keys()].sort()).toEqual(
      [
        'abs', 'absent', 'absent_over_time', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'avg_over_time', 'ceil', 'changes', 'clamp', 'clamp_max',
        'clamp_min', 'cos', 'cosh', 'count_over_time', 'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'deg', 'delta', 'deriv',
        'double_exponential_smoothing', 'exp', 'first_over_time', 'floor', 'histogram_fraction', 'histogram_quantile', 'histogram_quantiles', 'hour',
        'idelta', 'increase', 'irate', 'label_join', 'label_replace', 'last_over_time', 'ln', 'log10', 'log2', 'mad_over_time', 'max_of',
        'max_over_time', 'min_of', 'min_over_time', 'minute', 'month', 'pi', 'predict_linear', 'present_over_time', 'quantile_over_time', 'rad',
        'rate', 'resets', 'round', 'scalar', 'sgn', 'sin', 'sinh', 'sort', 'sort_by_label', 'sort_by_label_desc', 'sort_desc', 'sqrt',
        'stddev_over_time', 'stdvar_over_time', 'sum_over_time', 'tan', 'tanh', 'time', 'timestamp', 'ts_of_first_over_time', 'ts_of_last_over_time',
        'ts_of_max_over_time', 'ts_of_min_over_time', 'vector', 'year',
      ].sort(),
    );
    for (const name of EXPERIMENTAL_FUNCTIONS) expect(FUNCTIONS.has(name)).toBe(true);
  });

  // promql/parser/functions.go: ArgTypes, Variadic (−1: unbounded; n: up to n more) and ReturnType.
  it.each([
    ['rate', ['matrix'], 1, 1, 'vector'],
    ['quantile_over_time', ['scalar', 'matrix'], 2, 2, 'vector'],
    ['double_exponential_smoothing', ['matrix', 'scalar', 'scalar'], 3, 3, 'vector'],
    ['round', ['vector', 'scalar'], 1, 2, 'vector'],
    ['year', ['vector'], 0, 1, 'vector'],
    ['label_replace', ['vector', 'string', 'string', 'string', 'string'], 5, 5, 'vector'],
    ['label_join', ['vector', 'string', 'string', 'string'], 3, Infinity, 'vector'],
    ['sort_by_label', ['vector', 'string'], 1, Infinity, 'vector'],
    ['histogram_quantile', ['scalar', 'vector'], 2, 2, 'vector'],
    ['histogram_quantiles', ['vector', 'string', 'scalar', 'scalar'], 3, 12, 'vector'],
    ['histogram_fraction', ['scalar', 'scalar', 'vector'], 3, 3, 'vector'],
    ['pi', [], 0, 0, 'scalar'],
    ['time', [], 0, 0, 'scalar'],
    ['scalar', ['vector'], 1, 1, 'scalar'],
    ['min_of', ['scalar', 'scalar'], 2, 2, 'scalar'],
    ['vector', ['scalar'], 1, 1, 'vector'],
  ])('declares %s(%j) with %d to %d arguments, returning a %s', (name, argTypes, minArgs, maxArgs, returns) => {
    expect(FUNCTIONS.get(name)).toMatchObject({ name, argTypes, minArgs, maxArgs, returns });
  });
});

describe('rate, increase and delta', () => {
  // load 5m: http_requests_total{path="/foo"} 0+10x10, {path="/bar"} 0+18x5 0+18x5, {path="/dings"} 10+10x10, {path="/bumms"} 1+10x10
  const counters = [
    loaded({ path: '/foo' }, 5 * M, '0+10x10'),
    loaded({ path: '/bar' }, 5 * M, '0+18x5 0+18x5'),
    loaded({ path: '/dings' }, 5 * M, '10+10x10'),
    loaded({ path: '/bumms' }, 5 * M, '1+10x10'),
  ];

  it('extrapolates a counter over the window, adding back what a reset dropped', () => {
    // eval instant at 50m increase(http_requests_total[50m])
    expectValues(byLabels('increase', [range(50 * M, 50 * M, ...counters)], 50 * M), { '{path="/foo"}': 100, '{path="/bar"}': 160, '{path="/dings"}': 100, '{path="/bumms"}': 100 });
  });

  it('extrapolates towards the start only until a counter would reach zero', () => {
    // eval instant at 50m increase(http_requests_total[100m]): /bar and /foo start at 0 (no extrapolation); /dings would reach 0 at
    // −5m, beyond half an interval (−2m30s), so it goes half an interval; /bumms reaches 0 at −30s, so only 30s.
    expectValues(byLabels('increase', [range(50 * M, 100 * M, ...counters)], 50 * M), { '{path="/foo"}': 100, '{path="/bar"}': 162, '{path="/dings"}': 105, '{path="/bumms"}': 101 });
  });

  it('reads a decrease as a reset to zero', () => {
    // load 5m 0 1 2 3 2 3 4; eval instant at 30m increase(http_requests_total[30m]) → 7 (3 2 counts as 3 0 1 2)
    expect(only('increase', [range(30 * M, 30 * M, loaded({ path: '/foo' }, 5 * M, '0 1 2 3 2 3 4'))], 30 * M)).toBe(7);
  });

  it('divides by the range in seconds and handles a reset in the middle of the window', () => {
    // load 5m testcounter_reset_middle_total 0+27x4 0+27x5; eval instant at 50m rate(...[50m]) → 0.08
    expect(only('rate', [range(50 * M, 50 * M, loaded({}, 5 * M, '0+27x4 0+27x5'))], 50 * M)).toBeCloseTo(0.08, 15);
    // calculate_rate_window_total 0+80x10; eval instant at 50m rate(...[50m]) → 0.26666666666666666 (to promqltest's tolerance;
    // Prometheus's funcRate itself returns 0.2666666666666667 for this window, and so do we)
    expect(only('rate', [range(50 * M, 50 * M, loaded({}, 5 * M, '0+80x10'))], 50 * M)).toBe(0.2666666666666667);
  });

  it('needs two samples in the window; a reset to 0 with 0 after it is no change', () => {
    const resetAtEnd = loaded({}, 5 * M, '0+10x9 0 10');
    // eval instant at 50m rate(testcounter_reset_end_total[5m]) → nothing; [6m] → 0
    expect(vectorOf('rate', [range(50 * M, 5 * M, resetAtEnd)], 50 * M)).toEqual([]);
    expect(only('rate', [range(50 * M, 6 * M, resetAtEnd)], 50 * M)).toBe(0);
  });

  it('stops left-side extrapolation at zero until half an interval, then at half an interval', () => {
    // load 4m testcounter_zero_cutoff_total{start="Nm"} (N×60)+240x10; eval instant at 10m and 50m rate(...[20m])
    const starts = [0, 1, 2, 3, 4, 5].map((n) => loaded({ start: `${n}m` }, 4 * M, `${n * 60}+240x10`));
    expectValues(byLabels('rate', [range(10 * M, 20 * M, ...starts)], 10 * M), {
      '{start="0m"}': 0.5,
      '{start="1m"}': 0.55,
      '{start="2m"}': 0.6,
      '{start="3m"}': 0.6,
      '{start="4m"}': 0.6,
      '{start="5m"}': 0.6,
    });
    expectValues(byLabels('rate', [range(50 * M, 20 * M, ...starts)], 50 * M), Object.fromEntries([0, 1, 2, 3, 4, 5].map((n) => [`{start="${n}m"}`, 0.6])));
  });

  it('extrapolates a gauge in either direction, without the zero limit', () => {
    // load 5m http_requests{path="/foo"} 0 50 100 150 200, {path="/bar"} 200 150 100 50 0; eval instant at 20m delta(http_requests[20m])
    const gauges = [loaded({ __name__: 'http_requests', path: '/foo' }, 5 * M, '0 50 100 150 200'), loaded({ __name__: 'http_requests', path: '/bar' }, 5 * M, '200 150 100 50 0')];
    expectValues(byLabels('delta', [range(20 * M, 20 * M, ...gauges)], 20 * M), { '{path="/foo"}': 200, '{path="/bar"}': -200 });
  });

  it('extrapolates only half an interval past a series that ends inside the window', () => {
    // Worked from extrapolatedRate: samples 10 20 30 at 10s 20s 30s, window (0, 100s]. Average interval 10s; the start gap (10s)
    // is under 1.1 intervals and extrapolated in full, the end gap (70s) only by 5s: 20 × (20 + 10 + 5) / 20 = 35.
    expect(only('delta', [range(100 * S, 100 * S, loaded({}, 10 * S, '0 10 20 30'))], 100 * S)).toBe(35);
    // The same as a counter: the zero point (10s before the first sample) caps the start at 10s too, so the result is the same.
    expect(only('increase', [range(100 * S, 100 * S, loaded({}, 10 * S, '0 10 20 30'))], 100 * S)).toBe(35);
  });

  it('drops the metric name and refuses two results with one label set', () => {
    const a = loaded({ __name__: 'a_total', job: 'x' }, 5 * M, '0+1x10');
    expect(vectorOf('rate', [range(50 * M, 50 * M, a)], 50 * M)[0]).toMatchObject({ labels: labelsOf({ job: 'x' }), t: 50 * M });
    const b = loaded({ __name__: 'b_total', job: 'x' }, 5 * M, '0+1x10');
    expect(() => call('rate', [range(50 * M, 50 * M, a, b)], 50 * M)).toThrow(new PromqlExecutionError('vector cannot contain metrics with the same labelset'));
  });
});

describe('irate and idelta', () => {
  const total = [loaded({ path: '/foo' }, 5 * M, '0+10x10'), loaded({ path: '/bar' }, 5 * M, '0+10x5 0+10x5')];

  it("takes the last two samples' per-second change, a decrease being a reset", () => {
    // eval instant at 50m irate(http_requests_total[50m]); eval instant at 30m irate(http_requests_total[50m]) (/bar just reset)
    expectValues(byLabels('irate', [range(50 * M, 50 * M, ...total)], 50 * M), { '{path="/foo"}': 0.03333333333333333, '{path="/bar"}': 0.03333333333333333 });
    expectValues(byLabels('irate', [range(30 * M, 50 * M, ...total)], 30 * M), { '{path="/foo"}': 0.03333333333333333, '{path="/bar"}': 0 });
  });

  it('gives NaN while one of the two samples is NaN', () => {
    // http_requests_nan 1 NaN NaN 5 11; eval range from 0 to 20m step 5m irate(http_requests_nan[15m1s]) → _ NaN NaN NaN 0.02
    const nan = loaded({}, 5 * M, '1 NaN NaN 5 11');
    const at = (t: number) => vectorOf('irate', [range(t, 15 * M + S, nan)], t).map((s) => s.v);
    expect([0, 5, 10, 15, 20].map((m) => at(m * M))).toEqual([[], [NaN], [NaN], [NaN], [0.02]]);
    // eval range ... idelta(http_requests_nan[15m1s]) → _ NaN NaN NaN 6
    expect(vectorOf('idelta', [range(20 * M, 15 * M + S, nan)], 20 * M)[0].v).toBe(6);
  });

  it('takes the plain difference for idelta', () => {
    // load 5m http_requests{path="/foo"} 0 50 100 150, {path="/bar"} 0 50 100 50; eval instant at 20m idelta(http_requests[20m])
    const gauges = [loaded({ path: '/foo' }, 5 * M, '0 50 100 150'), loaded({ path: '/bar' }, 5 * M, '0 50 100 50')];
    expectValues(byLabels('idelta', [range(20 * M, 20 * M, ...gauges)], 20 * M), { '{path="/foo"}': 50, '{path="/bar"}': -50 });
  });
});

describe('deriv and predict_linear', () => {
  const resetMiddle = loaded({}, 5 * M, '0+10x4 0+10x5');

  it('fits a least-squares line', () => {
    // eval instant at 50m deriv(testcounter_reset_middle_total[100m]) → 0.010606060606060607
    expect(only('deriv', [range(50 * M, 100 * M, resetMiddle)], 50 * M)).toBe(0.010606060606060607);
    // eval instant at 50m deriv(http_requests_total{...}[50m]) → 0.26666666666666666 (the same as rate here)
    expect(only('deriv', [range(50 * M, 50 * M, loaded({}, 5 * M, '0+80x10'))], 50 * M)).toBe(0.26666666666666666);
  });

  it('predicts from the line anchored at the evaluation time, even when the window is elsewhere', () => {
    // eval instant at 50m predict_linear(testcounter_reset_middle_total[50m], 3600) → 70
    expect(only('predict_linear', [range(50 * M, 50 * M, resetMiddle), scalar(3600)], 50 * M)).toBeCloseTo(70, 12);
    // eval instant at 10m / 70m predict_linear(testcounter_reset_middle_total[55m] @ 3000, 3600): the window is (−5m, 50m], the
    // prediction is for 10m + 1h and 70m + 1h.
    const window = range(50 * M, 55 * M, resetMiddle);
    expect(only('predict_linear', [window, scalar(3600)], 10 * M)).toBeCloseTo(51.36363636363637, 12);
    expect(only('predict_linear', [window, scalar(3600)], 70 * M)).toBeCloseTo(89.54545454545455, 12);
  });

  it('gives NaN for a window with an infinite value and 0 for a constant one', () => {
    // http_requests_inf -Inf 0+80x10 Inf; eval instant at 100m deriv(...[100m]) → NaN; predict_linear(...[100m], 6000) → NaN
    const inf = loaded({}, 5 * M, '-Inf 0+80x10 Inf');
    expect(only('deriv', [range(100 * M, 100 * M, inf)], 100 * M)).toBeNaN();
    expect(only('predict_linear', [range(100 * M, 100 * M, inf), scalar(6000)], 100 * M)).toBeNaN();
    // Worked from linearRegression: equal values short-cut to slope 0 and the value itself.
    expect(only('deriv', [range(M, M, loaded({}, 10 * S, '0.1 0.1 0.1 0.1'))], M)).toBe(0);
    expect(only('predict_linear', [range(M, M, loaded({}, 10 * S, '0.1 0.1 0.1 0.1')), scalar(100)], M)).toBe(0.1);
  });

  it('needs two samples', () => {
    expect(vectorOf('deriv', [range(M, M, loaded({}, M, '_ 5'))], M)).toEqual([]);
  });
});

describe('resets and changes', () => {
  // load 5m http_requests{path="/foo"} 1 2 3 0 1 0 0 1 2 0, {path="/bar"} 1 2 3 4 5 1 2 3 4 5, {path="/biz"} 0 0 0 0 0 1 1 1 1 1
  const series = [
    loaded({ path: '/foo' }, 5 * M, '1 2 3 0 1 0 0 1 2 0'),
    loaded({ path: '/bar' }, 5 * M, '1 2 3 4 5 1 2 3 4 5'),
    loaded({ path: '/biz' }, 5 * M, '0 0 0 0 0 1 1 1 1 1'),
  ];
  const at50m = (name: string, rangeMs: number) => byLabels(name, [range(50 * M, rangeMs, ...series)], 50 * M);

  it.each([
    ['resets', 5 * M, {}],
    ['resets', 10 * M, { '{path="/foo"}': 0, '{path="/bar"}': 0, '{path="/biz"}': 0 }],
    ['resets', 20 * M, { '{path="/foo"}': 1, '{path="/bar"}': 0, '{path="/biz"}': 0 }],
    ['resets', 32 * M, { '{path="/foo"}': 2, '{path="/bar"}': 1, '{path="/biz"}': 0 }],
    ['resets', 50 * M, { '{path="/foo"}': 3, '{path="/bar"}': 1, '{path="/biz"}': 0 }],
    ['changes', 20 * M, { '{path="/foo"}': 2, '{path="/bar"}': 2, '{path="/biz"}': 0 }],
    ['changes', 30 * M, { '{path="/foo"}': 3, '{path="/bar"}': 4, '{path="/biz"}': 0 }],
    ['changes', 50 * M, { '{path="/foo"}': 7, '{path="/bar"}': 8, '{path="/biz"}': 1 }],
  ])('%s over %dms at 50m', (name, rangeMs, expected) => {
    expect(at50m(name, rangeMs)).toEqual(expected);
  });

  it('does not count NaN after NaN as a change', () => {
    // load 5m x{a="b"} NaN NaN NaN, x{a="c"} 0 NaN 0; eval instant at 15m changes(x[20m])
    expect(byLabels('changes', [range(15 * M, 20 * M, loaded({ a: 'b' }, 5 * M, 'NaN NaN NaN'), loaded({ a: 'c' }, 5 * M, '0 NaN 0'))], 15 * M)).toEqual({
      '{a="b"}': 0,
      '{a="c"}': 2,
    });
  });
});

describe('aggregations over time', () => {
  // load 10s metric… ; eval instant at 55s avg_over_time(metricN[1m]) (and the sum/count cases after each)
  it.each([
    ['1 2 3 4 5', 3],
    ['1 2 3 4 Inf', Infinity],
    ['1 2 3 4 -Inf', -Infinity],
    ['1 2 3 Inf -Inf', NaN],
    ['Inf 0 Inf', Infinity],
    ['Inf Inf Inf -Inf', NaN],
    ['1 2 3 -Inf -Inf', -Infinity],
    ['-Inf 0 -Inf', -Infinity],
    ['1 2 -Inf -Inf Inf', NaN],
    ['9.988465674311579e+307 9.988465674311579e+307', 9.988465674311579e307],
    ['-9.988465674311579e+307 -9.988465674311579e+307 -9.988465674311579e+307', -9.988465674311579e307],
    ['-9.988465674311579e+307 9.988465674311579e+307', 0],
    ['1 2 3 NaN NaN', NaN],
  ])('avg_over_time of %s is %d, without overflowing', (notation, expected) => {
    expect(only('avg_over_time', [range(55 * S, M, loaded({}, 10 * S, notation))], 55 * S)).toBe(expected);
  });

  it.each([
    // load 5s metric1…metric10; eval instant at 55s avg_over_time(metricN[1m]) (promqltest compares these within its tolerance)
    ['1e10 1e-6 1e-6 1e-6 1e-6 1e-6', 1.6666666666666675e9],
    ['5.30921651659898 0.961118537914768 1.62091361305318 0.865089463758091 0.323055185914577 0.951811357687154', 1.67186744582113],
    ['1.78264e50 0.76342771 1.9592258 7.69805412 458.90154', 3.56528e49],
    ['0.76342771 1.9592258 7.69805412 1.78264e50 458.90154', 3.56528e49],
    ['1.78264E+50 0.76342771 1.9592258 2.258E+220 7.69805412 458.90154', 3.76333333333333e219],
    ['-1.78264E+50 0.76342771 1.9592258 2.258E+220 7.69805412 -458.90154', 3.76333333333333e219],
    ['-1.78264E+50 0.76342771 1.9592258 -2.258E+220 7.69805412 -458.90154', -3.76333333333333e219],
    ['-1.78264E+215 0.76342771 1.9592258 2.258E+220 7.69805412 -458.90154', 3.76330362266667e219],
    ['-1.78264E+215 0.76342771 1.9592258 2.258E+220 7.69805412 1.78264E+215 -458.90154', 3.225714285714286e219],
    ['-1.78264E+219 0.76342771 1.9592258 2.3757689E+217 -2.3757689E+217 2.258E+220 7.69805412 1.78264E+219 -458.90154', 2.5088888888888888e219],
    // Even compensated summation gets 0 here, and so does Prometheus (the true mean is −44.848083237000004).
    ['-2.258E+220 -1.78264E+219 0.76342771 1.9592258 2.3757689E+217 -2.3757689E+217 2.258E+220 7.69805412 1.78264E+219 -458.90154', 0],
  ])('avg_over_time of %s is %d', (notation, expected) => {
    const values = notation.split(' ').map(Number);
    const v = only('avg_over_time', [range(values.length * 5 * S, values.length * 5 * S, loaded({}, 5 * S, `_ ${notation}`))], values.length * 5 * S);
    expect(Math.abs(v - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));
  });

  it('keeps tiny values next to huge ones, and an average of equal values exact', () => {
    // load 10s metric 1 1e100 1 -1e100; eval instant at 1m sum_over_time(metric[2m]) → 2, avg_over_time → 0.5
    const big = range(M, 2 * M, loaded({}, 10 * S, '1 1e100 1 -1e100'));
    expect(only('sum_over_time', [big], M)).toBe(2);
    expect(only('avg_over_time', [big], M)).toBe(0.5);
    // load 10s foo 52+0x100; eval instant at 10m avg_over_time(foo[100s] … [130s]) == 52
    for (const seconds of [100, 110, 120, 130]) expect(only('avg_over_time', [range(10 * M, seconds * S, loaded({}, 10 * S, '52+0x100'))], 10 * M)).toBe(52);
  });

  it('sums dense windows exactly', () => {
    // load 1ms metric 1+0x4000; eval instant at 4s sum_over_time(metric[1000ms]) → 1000, and so on
    const dense = loaded({}, 1, '1+0x4000');
    for (const ms of [1000, 1001, 2003, 3003]) expect(only('sum_over_time', [range(4 * S, ms, dense)], 4 * S)).toBe(ms);
  });

  it('counts, takes extremes with NaN only where nothing else is, and the first and last sample', () => {
    // load 10s data{type=…} 2 0 3 / 2 0 NaN / 2 NaN 1 / NaN 0 1 / NaN NaN NaN, data_sparse _ 5 2 _ 4 _; eval instant at 1m …(data[2m])
    const data = [
      loaded({ __name__: 'data', type: 'numbers' }, 10 * S, '2 0 3'),
      loaded({ __name__: 'data', type: 'some_nan' }, 10 * S, '2 0 NaN'),
      loaded({ __name__: 'data', type: 'some_nan2' }, 10 * S, '2 NaN 1'),
      loaded({ __name__: 'data', type: 'some_nan3' }, 10 * S, 'NaN 0 1'),
      loaded({ __name__: 'data', type: 'only_nan' }, 10 * S, 'NaN NaN NaN'),
      loaded({ __name__: 'data_sparse', type: 'sparse_numbers' }, 10 * S, '_ 5 2 _ 4 _'),
    ];
    const w = range(M, 2 * M, ...data);
    expect(byLabels('min_over_time', [w], M)).toEqual({
      '{type="numbers"}': 0,
      '{type="some_nan"}': 0,
      '{type="some_nan2"}': 1,
      '{type="some_nan3"}': 0,
      '{type="only_nan"}': NaN,
      '{type="sparse_numbers"}': 2,
    });
    expect(byLabels('max_over_time', [w], M)).toEqual({
      '{type="numbers"}': 3,
      '{type="some_nan"}': 2,
      '{type="some_nan2"}': 2,
      '{type="some_nan3"}': 1,
      '{type="only_nan"}': NaN,
      '{type="sparse_numbers"}': 5,
    });
    // last_over_time and first_over_time keep the metric name; count_over_time drops it.
    expect(byLabels('last_over_time', [w], M)).toEqual({
      '{__name__="data", type="numbers"}': 3,
      '{__name__="data", type="some_nan"}': NaN,
      '{__name__="data", type="some_nan2"}': 1,
      '{__name__="data", type="some_nan3"}': 1,
      '{__name__="data", type="only_nan"}': NaN,
      '{__name__="data_sparse", type="sparse_numbers"}': 4,
    });
    expect(byLabels('first_over_time', [w], M)).toMatchObject({ '{__name__="data", type="some_nan3"}': NaN, '{__name__="data_sparse", type="sparse_numbers"}': 5 });
    expect(byLabels('count_over_time', [w], M)).toMatchObject({ '{type="only_nan"}': 3, '{type="sparse_numbers"}': 3 });
    expect(byLabels('present_over_time', [w], M)).toMatchObject({ '{type="only_nan"}': 1, '{type="numbers"}': 1 });
  });

  it('gives the time of the extreme and of the first and last samples', () => {
    // load 10s53ms metric 1 2 3 0 5 6 2 1 4; eval instant at 90s ts_of_min_over_time(metric[90s]) → 30.159, ts_of_max → 50.265
    const odd = range(90 * S, 90 * S, loaded({ __name__: 'metric' }, 10053, '1 2 3 0 5 6 2 1 4'));
    expect(byLabels('ts_of_min_over_time', [odd], 90 * S)).toEqual({ '{}': 30.159 });
    expect(only('ts_of_max_over_time', [odd], 90 * S)).toBe(50.265);
    // metric 1 2 3 _ _ → ts_of_last_over_time at 90s and 95s → 20.106; metric _ _ 1 2 3 → ts_of_first_over_time → 20.106
    expect(only('ts_of_last_over_time', [range(95 * S, 90 * S, loaded({}, 10053, '1 2 3 _ _'))], 95 * S)).toBe(20.106);
    expect(only('ts_of_first_over_time', [range(90 * S, 90 * S, loaded({}, 10053, '_ _ 1 2 3 _ _'))], 90 * S)).toBe(20.106);
    // Worked from compareOverTime: ties go to the latest sample for ts_of_*, the earliest value for min/max.
    expect(only('ts_of_max_over_time', [range(M, M, loaded({}, 10 * S, '_ 7 1 7 2'))], M)).toBe(30);
  });

  it('takes a quantile with linear interpolation, ±Inf out of [0, 1]', () => {
    // load 10s data{test="two samples"} 0 1, {…"three samples"} 0 1 2, {…"uneven samples"} 0 1 4; eval instant at 1m quantile_over_time(q, data[2m])
    const data = [loaded({ test: 'two' }, 10 * S, '0 1'), loaded({ test: 'three' }, 10 * S, '0 1 2'), loaded({ test: 'uneven' }, 10 * S, '0 1 4')];
    const q = (phi: number) => byLabels('quantile_over_time', [scalar(phi), range(M, 2 * M, ...data)], M);
    expect(q(0)).toEqual({ '{test="two"}': 0, '{test="three"}': 0, '{test="uneven"}': 0 });
    expect(q(0.5)).toEqual({ '{test="two"}': 0.5, '{test="three"}': 1, '{test="uneven"}': 1 });
    expectValues(q(0.75), { '{test="two"}': 0.75, '{test="three"}': 1.5, '{test="uneven"}': 2.5 });
    expectValues(q(0.8), { '{test="two"}': 0.8, '{test="three"}': 1.6, '{test="uneven"}': 2.8 });
    expect(q(1)).toEqual({ '{test="two"}': 1, '{test="three"}': 2, '{test="uneven"}': 4 });
    expect(q(-1)).toEqual({ '{test="two"}': -Infinity, '{test="three"}': -Infinity, '{test="uneven"}': -Infinity });
    expect(q(2)).toEqual({ '{test="two"}': Infinity, '{test="three"}': Infinity, '{test="uneven"}': Infinity });
  });

  it('computes variance and the median absolute deviation', () => {
    // load 10s metric 0 8 8 2 3; eval instant at 1m stdvar_over_time(metric[2m]) → 10.56, stddev_over_time → 3.249615
    const w = range(M, 2 * M, loaded({}, 10 * S, '0 8 8 2 3'));
    expect(only('stdvar_over_time', [w], M)).toBeCloseTo(10.56, 12);
    expect(only('stddev_over_time', [w], M)).toBeCloseTo(3.249615, 6);
    // metric 1.5990505637277868 ×3; eval instant at 55s stdvar_over_time / stddev_over_time → 0
    expect(only('stdvar_over_time', [range(55 * S, M, loaded({}, 10 * S, '1.5990505637277868 1.5990505637277868 1.5990505637277868'))], 55 * S)).toBe(0);
    // load 10s; eval mad_over_time: metric 4 6 2 1 999 1 2 at 70s [70s] → 1, metric_odd 1 2 3 4 5 at 40s [50s] → 1,
    // metric_equal 7×5 → 0, metric_single 5 at 0s [10s] → 0, metric_nan 1 2 NaN 4 at 30s [40s] → NaN
    expect(only('mad_over_time', [range(70 * S, 70 * S, loaded({}, 10 * S, '4 6 2 1 999 1 2'))], 70 * S)).toBe(1);
    expect(only('mad_over_time', [range(40 * S, 50 * S, loaded({}, 10 * S, '1 2 3 4 5'))], 40 * S)).toBe(1);
    expect(only('mad_over_time', [range(40 * S, 50 * S, loaded({}, 10 * S, '7 7 7 7 7'))], 40 * S)).toBe(0);
    expect(only('mad_over_time', [range(0, 10 * S, loaded({}, 10 * S, '5'))], 0)).toBe(0);
    expect(only('mad_over_time', [range(30 * S, 40 * S, loaded({}, 10 * S, '1 2 NaN 4'))], 30 * S)).toBeNaN();
  });

  it('smooths with double_exponential_smoothing and refuses factors outside (0, 1)', () => {
    // load 10s http_requests{…} 0+10x1000 100+30x1000 (and the others); eval instant at 8000s double_exponential_smoothing(http_requests[1m], 0.01, 0.1)
    const up = [
      loaded({ i: '0p' }, 10 * S, '0+10x1000 100+30x1000'),
      loaded({ i: '1p' }, 10 * S, '0+20x1000 200+30x1000'),
      loaded({ i: '0c' }, 10 * S, '0+30x1000 300+80x1000'),
      loaded({ i: '1c' }, 10 * S, '0+40x2000'),
    ];
    const smooth = (t: number, input: Loaded[], sf = 0.01, tf = 0.1) => byLabels('double_exponential_smoothing', [range(t, M, ...input), scalar(sf), scalar(tf)], t);
    expectValues(smooth(8000 * S, up), { '{i="0p"}': 8000, '{i="1p"}': 16000, '{i="0c"}': 24000, '{i="1c"}': 32000 });
    // negative trends: 8000-10x1000 → 0, 0-20x1000 → -16000
    expectValues(smooth(8000 * S, [loaded({ i: 'a' }, 10 * S, '8000-10x1000'), loaded({ i: 'b' }, 10 * S, '0-20x1000')]), { '{i="a"}': 0, '{i="b"}': -16000 });
    expect(() => smooth(8000 * S, up, 0, 0.1)).toThrow(new PromqlExecutionError('invalid smoothing factor. Expected: 0 < sf < 1, got: 0.000000'));
    expect(() => smooth(8000 * S, up, 0.5, 1)).toThrow(new PromqlExecutionError('invalid trend factor. Expected: 0 < tf < 1, got: 1.000000'));
    // Only checked when a series has samples, as in Prometheus.
    expect(smooth(8000 * S, [], 0, 0)).toEqual({});
  });

  it('skips series without samples in the window', () => {
    const empty = range(M, M, loaded({ a: 'x' }, 10 * M, '_ 1'));
    for (const name of ['avg_over_time', 'count_over_time', 'last_over_time', 'present_over_time', 'changes', 'resets']) expect(vectorOf(name, [empty], M)).toEqual([]);
  });
});

describe('absent and absent_over_time', () => {
  const eq = (name: string, value: string): LabelMatcher => ({ name, type: '=', value });

  it.each<[string, LabelMatcher[], Record<string, number>]>([
    // eval instant at 50m absent(nonexistent) → {} 1
    ['no matchers', [eq('__name__', 'nonexistent')], { '{}': 1 }],
    // absent(nonexistent{job="testjob", instance="testinstance", method=~".x"})
    ['equality matchers only', [eq('__name__', 'nonexistent'), eq('job', 'testjob'), eq('instance', 'testinstance'), { name: 'method', type: '=~', value: '.x' }], { '{instance="testinstance", job="testjob"}': 1 }],
    // absent(nonexistent{job="testjob",job="testjob2",foo="bar"}) → {foo="bar"}
    ['a label pinned twice', [eq('job', 'testjob'), eq('job', 'testjob2'), eq('foo', 'bar')], { '{foo="bar"}': 1 }],
    // absent(nonexistent{job="testjob",job=~"testjob2",foo="bar"}) → {foo="bar"}
    ['a label matched again', [eq('job', 'testjob'), { name: 'job', type: '=~', value: 'testjob2' }, eq('foo', 'bar')], { '{foo="bar"}': 1 }],
    // Worked from createLabelsForAbsentFunction: a `=` after another matcher on the label still pins it; `=""` pins nothing.
    ['a label matched before it is pinned', [{ name: 'job', type: '!=', value: 'a' }, eq('job', 'b'), eq('env', '')], { '{job="b"}': 1 }],
  ])('answers absent() with the labels %s pins down', (_, matchers, expected) => {
    expect(byLabels('absent', [vector()], 50 * M, matchers)).toEqual(expected);
  });

  it('answers nothing when the argument has samples, or {} when it is not a selector', () => {
    expect(vectorOf('absent', [vector([{ job: 'x' }, 1])], 0, [eq('job', 'x')])).toEqual([]);
    // eval instant at 50m absent(sum(nonexistent{job="testjob", instance="testinstance"})) → {} 1
    expect(byLabels('absent', [vector()], 0)).toEqual({ '{}': 1 });
  });

  it('answers absent_over_time only when no series has a sample in the window', () => {
    // eval instant at 1m absent_over_time(http_requests_total{handler="/foo", handler="/bar", instance="127.0.0.1"}[5m]) → {instance="127.0.0.1"} 1
    const matchers = [eq('__name__', 'http_requests_total'), eq('handler', '/foo'), eq('handler', '/bar'), eq('instance', '127.0.0.1')];
    expect(byLabels('absent_over_time', [range(M, 5 * M)], M, matchers)).toEqual({ '{instance="127.0.0.1"}': 1 });
    // httpd_log_lines_total 1 (load 1m): present at 0m, absent at 1m with [30s]
    const once = loaded({ instance: '127.0.0.1' }, M, '1');
    expect(vectorOf('absent_over_time', [range(0, 30 * S, once)], 0)).toEqual([]);
    expect(byLabels('absent_over_time', [range(M, 30 * S, once)], M, [eq('instance', '127.0.0.1')])).toEqual({ '{instance="127.0.0.1"}': 1 });
  });
});

describe('math on instant vectors', () => {
  // load 5m data{type=…} 2.5 2 -2.5 -2 0 -0 +Inf -Inf NaN; eval instant at 0m abs/ceil/floor/round(data)
  const data = vector(
    [{ type: 'positive' }, 2.5],
    [{ type: 'whole' }, 2],
    [{ type: 'negative' }, -2.5],
    [{ type: 'nwhole' }, -2],
    [{ type: 'zero' }, 0],
    [{ type: 'inf' }, Infinity],
    [{ type: 'ninf' }, -Infinity],
    [{ type: 'nan' }, NaN],
  );

  it.each([
    ['abs', [2.5, 2, 2.5, 2, 0, Infinity, Infinity, NaN]],
    ['ceil', [3, 2, -2, -2, 0, Infinity, -Infinity, NaN]],
    ['floor', [2, 2, -3, -2, 0, Infinity, -Infinity, NaN]],
    ['round', [3, 2, -2, -2, 0, Infinity, -Infinity, NaN]],
  ])('%s', (name, expected) => {
    expect(vectorOf(name, [data]).map((s) => s.v)).toEqual(expected);
  });

  it('rounds to a multiple, ties up', () => {
    // Worked from funcRound: floor(v / toNearest + 0.5) × toNearest, through the inverse.
    expect(vectorOf('round', [vector([{}, 12.5], [{ a: '1' }, -12.5], [{ a: '2' }, 0.24]), scalar(5)]).map((s) => s.v)).toEqual([15, -10, 0]);
    expect(vectorOf('round', [vector([{}, 2.25]), scalar(0.5)])[0].v).toBe(2.5);
  });

  it('clamps, and answers nothing when max < min', () => {
    // load 5m test_clamp{src="clamp-a"} -50, {…-b} 0, {…-c} 100
    const clampData = vector([{ src: 'a' }, -50], [{ src: 'b' }, 0], [{ src: 'c' }, 100]);
    const values = (name: string, ...bounds: number[]) => vectorOf(name, [clampData, ...bounds.map(scalar)]).map((s) => s.v);
    expect(values('clamp_max', 75)).toEqual([-50, 0, 75]);
    expect(values('clamp_min', -25)).toEqual([-25, 0, 100]);
    expect(values('clamp', -25, 75)).toEqual([-25, 0, 75]);
    expect(values('clamp', 0, NaN)).toEqual([NaN, NaN, NaN]);
    expect(values('clamp', NaN, 0)).toEqual([NaN, NaN, NaN]);
    expect(values('clamp', 5, -5)).toEqual([]);
  });

  it('takes the sign, keeping zero and NaN', () => {
    // load 5m test_sgn -Inf Inf NaN -50 0 100 → -1 1 NaN -1 0 1
    expect(vectorOf('sgn', [vector([{ a: '1' }, -Infinity], [{ a: '2' }, Infinity], [{ a: '3' }, NaN], [{ a: '4' }, -50], [{ a: '5' }, 0], [{ a: '6' }, 100])]).map((s) => s.v)).toEqual([
      -1,
      1,
      NaN,
      -1,
      0,
      1,
    ]);
  });

  it.each([
    // load 5m exp_root_log{l="x"} 10, {l="y"} 20; eval instant at 1m exp/ln/sqrt/log2/log10(exp_root_log) and of exp_root_log - 10, - 20
    ['exp', 10, 22026.465794806718],
    ['exp', 20, 485165195.4097903],
    // Go's Exp on amd64 gives 4.5399929762484854e-05, one ulp from V8's: elementary functions agree to a few ulps, not always exactly.
    ['exp', -10, 4.5399929762484854e-5],
    ['ln', 10, 2.302585092994046],
    ['ln', 20, 2.995732273553991],
    ['ln', 0, -Infinity],
    ['ln', -10, NaN],
    ['sqrt', 10, 3.1622776601683795],
    ['sqrt', 20, 4.47213595499958],
    // promqltest writes 3.3219280948873626; Go's math.Log2(10) is 3.321928094887362, as is ours.
    ['log2', 10, 3.3219280948873626],
    ['log2', 20, 4.321928094887363],
    ['log2', 0, -Infinity],
    ['log2', -10, NaN],
    ['log10', 10, 1],
    ['log10', 20, 1.301029995663981],
    ['log10', 0, -Infinity],
    // Worked from Go's math package: exact values.
    ['log2', 1024, 10],
    ['sin', 0, 0],
    ['cos', 0, 1],
    ['tan', 0, 0],
    ['asin', 1, Math.PI / 2],
    ['acos', 1, 0],
    ['acos', 2, NaN],
    ['atan', Infinity, Math.PI / 2],
    ['sinh', 0, 0],
    ['cosh', 0, 1],
    ['tanh', Infinity, 1],
    ['asinh', 0, 0],
    ['acosh', 1, 0],
    ['atanh', 1, Infinity],
    ['deg', Math.PI, 180],
    ['rad', 180, Math.PI],
  ])('%s(%d) = %d', (name, input, expected) => {
    const out = vectorOf(name, [vector([{ __name__: 'm', l: 'x' }, input])], 5);
    expect(out.map((s) => [s.labels, s.t])).toEqual([[labelsOf({ l: 'x' }), 5]]);
    expectValues({ v: out[0].v }, { v: expected }, 1e-15);
  });

  it('drops the metric name, failing when that leaves two samples with one label set', () => {
    expect(vectorOf('abs', [vector([{ __name__: 'a' }, -1])], 7)).toEqual([{ labels: [], t: 7, v: 1 }]);
    expect(() => call('abs', [vector([{ __name__: 'a', l: 'x' }, 1], [{ __name__: 'b', l: 'x' }, 2])])).toThrow('vector cannot contain metrics with the same labelset');
  });

  it('gives timestamp() the time of each sample, in seconds', () => {
    // load 10s metric 1 1; eval instant at 5s timestamp(metric) → 0 (the sample at 0s), at 10s → 10
    const samples: FunctionArg = { type: 'vector', value: [{ labels: labelsOf({ __name__: 'metric' }), t: 10 * S, v: 1 }] };
    expect(vectorOf('timestamp', [samples], 15 * S)).toEqual([{ labels: [], t: 15 * S, v: 10 }]);
  });

  it('converts between scalars and vectors', () => {
    // eval instant at 0m scalar(metric) with two floats → NaN; scalar({l="x"}) → 1; vector(1) → {} 1; time(), pi()
    expect(call('scalar', [vector([{ l: 'x' }, 1], [{ l: 'y' }, 2])])).toBeNaN();
    expect(call('scalar', [vector([{ l: 'x' }, 1])])).toBe(1);
    expect(call('scalar', [vector()])).toBeNaN();
    expect(call('vector', [scalar(1)], 5)).toEqual([{ labels: [], t: 5, v: 1 }]);
    expect(call('time', [], 1)).toBe(0.001);
    expect(call('time', [], 50 * M)).toBe(3000);
    expect(call('pi', [])).toBe(Math.PI);
    // eval instant at 0s min_of(3, 5) → 3, max_of(-2, -5) → -2, min_of(NaN, 3) → NaN
    expect(call('min_of', [scalar(3), scalar(5)])).toBe(3);
    expect(call('max_of', [scalar(-2), scalar(-5)])).toBe(-2);
    expect(call('min_of', [scalar(NaN), scalar(3)])).toBeNaN();
  });
});

describe('calendar functions', () => {
  it.each([
    // eval instant at 0m year() → 1970, month() → 1, day_of_month() → 1, day_of_year() → 1, day_of_week() → 4 (Thursday), hour() → 0, minute() → 0
    ['year', 1970],
    ['month', 1],
    ['day_of_month', 1],
    ['day_of_year', 1],
    ['day_of_week', 4],
    ['days_in_month', 31],
    ['hour', 0],
    ['minute', 0],
  ])('%s() at the epoch is %d', (name, expected) => {
    expect(vectorOf(name, [], 0)).toEqual([{ labels: [], t: 0, v: expected }]);
  });

  it.each([
    // eval instant at 0m f(vector(1136239445)) (2006-01-02 22:04:05 UTC, a Monday)
    ['year', 1136239445, 2006],
    ['month', 1136239445, 1],
    ['day_of_month', 1136239445, 2],
    ['day_of_year', 1136239445, 2],
    ['day_of_week', 1136239445, 1],
    ['hour', 1136239445, 22],
    ['minute', 1136239445, 4],
    // around the 2008 leap second, 29 February 2016, the 366th day of 2016, the 365th of 2022, February 2016 and 2017
    ['year', 1230767999, 2008],
    ['year', 1230768000, 2009],
    ['month', 1456790399, 2],
    ['day_of_month', 1456790399, 29],
    ['month', 1456790400, 3],
    ['day_of_month', 1456790400, 1],
    ['day_of_year', 1483191420, 366],
    ['day_of_year', 1672493820, 365],
    ['days_in_month', 1454284800, 29],
    ['days_in_month', 1485907200, 28],
    // Checked against Go's time.Unix(int64(v), 0).UTC() (go1.26, amd64): fractions truncate towards zero, years run past 9999
    // and before 1, and NaN, ±Inf and values out of int64's range become the minimum int64, whose date wraps around.
    ['year', -1, 1969],
    ['day_of_year', -1, 365],
    ['day_of_week', -1, 3],
    ['minute', -1, 59],
    ['day_of_month', -0.5, 1],
    ['year', -62135596801, 0],
    ['day_of_year', -62135596801, 366],
    ['year', 253402300800, 10000],
    ['year', -9.2e18, -291536392293],
    ['day_of_month', 1e17, 6],
    ['year', NaN, 292277026596],
    ['month', Infinity, 12],
    ['day_of_month', -Infinity, 4],
    ['hour', 1e19, 15],
  ])('%s(vector(%d)) is %d', (name, seconds, expected) => {
    expect(vectorOf(name, [vector([{ __name__: 'x' }, seconds])], 0).map((s) => s.v)).toEqual([expected]);
  });

  it('truncates a negative evaluation time towards zero, as Go divides', () => {
    // Worked from dateWrapper: time.Unix(enh.Ts/1000, 0); −1.5s becomes −1s, 1969-12-31 23:59:59.
    expect(vectorOf('minute', [], -1500)[0].v).toBe(59);
    expect(vectorOf('year', [], -999)[0].v).toBe(1970);
  });
});

describe('label_replace and label_join', () => {
  // load 5m testmetric{src="source-value-10",dst="original-destination-value"} 0, {src="source-value-20",…} 1
  const testmetric = vector(
    [{ __name__: 'testmetric', src: 'source-value-10', dst: 'original-destination-value' }, 0],
    [{ __name__: 'testmetric', src: 'source-value-20', dst: 'original-destination-value' }, 1],
  );
  const replaced = (dst: string, replacement: string, src: string, regex: string, input = testmetric) =>
    vectorOf('label_replace', [input, str(dst), str(replacement), str(src), str(regex)]).map((s) => formatLabels(s.labels));

  it.each([
    // label_replace(testmetric, "dst", "destination-value-$1", "src", "source-value-(.*)")
    ['replaces on a full match', 'dst', 'destination-value-$1', 'src', 'source-value-(.*)', ['destination-value-10', 'destination-value-20']],
    // … "value-(.*)": no sub-string match
    ['leaves it on a partial match', 'dst', 'destination-value-$1', 'src', 'value-(.*)', ['original-destination-value', 'original-destination-value']],
    // … "$1-value-$2", "src", "(.*)-value-(.*)"
    ['expands several groups', 'dst', '$1-value-$2', 'src', '(.*)-value-(.*)', ['source-value-10', 'source-value-20']],
    // … "nonexistent-src", "source-value-(.*)": no match on the empty value
    ['leaves it when the source is missing', 'dst', 'value-$1', 'nonexistent-src', 'source-value-(.*)', ['original-destination-value', 'original-destination-value']],
    // … "nonexistent-src", "(.*)": the empty value matches
    ['sets it when the missing source matches', 'dst', 'value-$1', 'nonexistent-src', '(.*)', ['value-', 'value-']],
  ])('%s', (_, dst, replacement, src, regex, expected) => {
    const out = vectorOf('label_replace', [testmetric, str(dst), str(replacement), str(src), str(regex)], 3);
    expect(out.map((s) => s.labels.find((l) => l.name === 'dst')?.value)).toEqual(expected);
    expect(out.map((s) => [s.t, s.v, s.labels[0]])).toEqual([
      [3, 0, { name: '__name__', value: 'testmetric' }],
      [3, 1, { name: '__name__', value: 'testmetric' }],
    ]);
  });

  it('removes a label set to the empty string', () => {
    // label_replace(testmetric, "dst", "", "dst", ".*")
    expect(replaced('dst', '', 'dst', '.*')).toEqual(['{__name__="testmetric", src="source-value-10"}', '{__name__="testmetric", src="source-value-20"}']);
  });

  it.each([
    // Worked from Go's Regexp.Expand: $name takes letters, digits and _, so $1x names a group "1x" (none: empty); ${1}x is group 1
    // then x; $$ is a dollar; a $ that starts no name stays; a number with a leading zero is a name; named groups by name.
    ['$1x', ''],
    ['${1}x', '10x'],
    ['$$1', '$1'],
    ['cost: $', 'cost: $'],
    ['$-$1', '$-10'],
    ['a$01b', 'a'],
    ['${num}/$num/$num_', '10/10/'],
    ['$9', ''],
  ])('expands %s as Go does', (replacement, expected) => {
    const out = vectorOf('label_replace', [vector([{ src: 'v-10' }, 1]), str('dst'), str(replacement), str('src'), str('v-(?P<num>\\d+)')]);
    expect(out[0].labels.find((l) => l.name === 'dst')?.value ?? '').toBe(expected);
  });

  it('anchors the expression and lets . match a newline, as Prometheus builds it', () => {
    expect(replaced('dst', '$1', 'src', 'a(.)b', vector([{ src: 'a\nb' }, 1]))).toEqual(['{dst="\\n", src="a\\nb"}']);
    // Prometheus concatenates "^(?s:" + regex + ")$", so a regex that closes the group early still compiles.
    expect(replaced('dst', '$1', 'src', 'a)(b', vector([{ src: 'ab' }, 1]))).toEqual(['{dst="b", src="ab"}']);
  });

  it('sets the metric name when told to', () => {
    expect(replaced('__name__', 'renamed_$1', 'src', 'source-value-(.*)')).toEqual([
      '{__name__="renamed_10", dst="original-destination-value", src="source-value-10"}',
      '{__name__="renamed_20", dst="original-destination-value", src="source-value-20"}',
    ]);
  });

  it.each([
    // label_replace(testmetric, "dst", "value-$1", "src", "(.*") → fail
    ['an invalid regex', ['dst', 'value-$1', 'src', '(.*'], 'invalid regular expression in label_replace(): (.*'],
    ['a regex RE2 does not have', ['dst', 'x', 'src', '(?=a)'], 'invalid regular expression in label_replace(): (?=a)'],
    // label_replace(testmetric, "\xff", "", "src", "(.*)") → fail (our strings cannot hold invalid UTF-8: a lone surrogate, and "")
    ['an invalid destination', ['\ud800', '', 'src', '(.*)'], 'invalid destination label name in label_replace(): \ud800'],
    ['an empty destination', ['', '', 'src', '(.*)'], 'invalid destination label name in label_replace(): '],
    // label_replace(testmetric, "src", "", "", "") → fail: both samples end up with the same labels
    ['a result with one label set twice', ['src', '', '', ''], 'vector cannot contain metrics with the same labelset'],
  ])('fails on %s', (_, [dst, replacement, src, regex], message) => {
    expect(() => call('label_replace', [testmetric, str(dst), str(replacement), str(src), str(regex)])).toThrow(new PromqlExecutionError(message));
  });

  it('runs a pattern that would backtrack for ever in a backtracking engine in linear time', () => {
    const started = performance.now();
    expect(replaced('dst', 'x', 'src', '(a+)+b', vector([{ src: `${'a'.repeat(50_000)}c` }, 1]))).toEqual([`{src="${'a'.repeat(50_000)}c"}`]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  // load 5m testmetric{src="a",src1="b",src2="c",dst="original-destination-value"} 0, {src="d",src1="e",src2="f",…} 1
  const joinInput = vector([{ src: 'a', src1: 'b', src2: 'c', dst: 'original' }, 0], [{ src: 'd', src1: 'e', src2: 'f', dst: 'original' }, 1]);
  const joined = (...args: string[]) => vectorOf('label_join', [joinInput, ...args.map(str)]).map((s) => s.labels.find((l) => l.name === 'dst')?.value);

  it('joins source labels in order, a missing one as empty, and removes an empty result', () => {
    // label_join(testmetric, "dst", "-", "src", "src1", "src2") → a-b-c, d-e-f
    expect(joined('dst', '-', 'src', 'src1', 'src2')).toEqual(['a-b-c', 'd-e-f']);
    // label_join(testmetric, "dst", "-", "src", "src3", "src1") → a--b, d--e
    expect(joined('dst', '-', 'src', 'src3', 'src1')).toEqual(['a--b', 'd--e']);
    // label_join(testmetric, "dst", "", "emptysrc", "emptysrc1", "emptysrc2") and label_join(testmetric, "dst", ", ") → no dst
    expect(joined('dst', '', 'emptysrc', 'emptysrc1', 'emptysrc2')).toEqual([undefined, undefined]);
    expect(joined('dst', ', ')).toEqual([undefined, undefined]);
  });

  it('fails on a bad label name or a duplicate result', () => {
    expect(() => joined('dst', '-', 'src', '')).toThrow(new PromqlExecutionError('invalid source label name in label_join(): '));
    expect(() => joined('', '-', 'src')).toThrow(new PromqlExecutionError('invalid destination label name in label_join(): '));
    // dup{label="a", this="a"}, dup{label="b", this="a"}; eval instant at 0m label_join(dup, "label", "", "this") → fail
    const dup = vector([{ label: 'a', this: 'a' }, 1], [{ label: 'b', this: 'a' }, 1]);
    expect(() => call('label_join', [dup, str('label'), str(''), str('this')])).toThrow('vector cannot contain metrics with the same labelset');
  });
});

describe('sorting', () => {
  // load 5m http_requests{job, instance, group} …; eval instant at 50m sort(http_requests) / sort_desc(http_requests)
  const requests = vector(
    [{ job: 'api-server', instance: '0', group: 'production' }, 100],
    [{ job: 'api-server', instance: '1', group: 'production' }, 200],
    [{ job: 'api-server', instance: '0', group: 'canary' }, 300],
    [{ job: 'api-server', instance: '1', group: 'canary' }, 400],
    [{ job: 'api-server', instance: '2', group: 'canary' }, NaN],
    [{ job: 'app-server', instance: '0', group: 'production' }, 500],
    [{ job: 'app-server', instance: '1', group: 'production' }, 600],
    [{ job: 'app-server', instance: '0', group: 'canary' }, 700],
    [{ job: 'app-server', instance: '1', group: 'canary' }, 800],
    [{ job: 'api-server', instance: '2', group: 'production' }, 100],
  );

  it('sorts by value, NaN last either way, keeping the metric name', () => {
    expect(vectorOf('sort', [requests]).map((s) => s.v)).toEqual([100, 100, 200, 300, 400, 500, 600, 700, 800, NaN]);
    expect(vectorOf('sort_desc', [requests]).map((s) => s.v)).toEqual([800, 700, 600, 500, 400, 300, 200, 100, 100, NaN]);
    expect(vectorOf('sort', [vector([{ __name__: 'up' }, 1])], 9)).toEqual([{ labels: labelsOf({ __name__: 'up' }), t: 9, v: 1 }]);
  });

  const order = (name: string, input: FunctionArg, ...labels: string[]) => vectorOf(name, [input, ...labels.map(str)]).map((s) => formatLabels(s.labels));

  it('sorts by labels, then by the whole label set', () => {
    // eval instant at 50m sort_by_label(http_requests, "instance") (expect ordered)
    expect(order('sort_by_label', requests, 'instance')).toEqual([
      '{group="canary", instance="0", job="api-server"}',
      '{group="canary", instance="0", job="app-server"}',
      '{group="production", instance="0", job="api-server"}',
      '{group="production", instance="0", job="app-server"}',
      '{group="canary", instance="1", job="api-server"}',
      '{group="canary", instance="1", job="app-server"}',
      '{group="production", instance="1", job="api-server"}',
      '{group="production", instance="1", job="app-server"}',
      '{group="canary", instance="2", job="api-server"}',
      '{group="production", instance="2", job="api-server"}',
    ]);
    // eval instant at 50m sort_by_label(http_requests, "job", "instance", "group")
    expect(order('sort_by_label', requests, 'job', 'instance', 'group').slice(0, 3)).toEqual([
      '{group="canary", instance="0", job="api-server"}',
      '{group="production", instance="0", job="api-server"}',
      '{group="canary", instance="1", job="api-server"}',
    ]);
    // eval instant at 50m sort_by_label_desc(http_requests, "instance")
    expect(order('sort_by_label_desc', requests, 'instance').slice(0, 4)).toEqual([
      '{group="production", instance="2", job="api-server"}',
      '{group="canary", instance="2", job="api-server"}',
      '{group="production", instance="1", job="app-server"}',
      '{group="production", instance="1", job="api-server"}',
    ]);
  });

  it('compares numbers inside label values as numbers', () => {
    // cpu_time_total{cpu="0"…"100"}; eval instant at 50m sort_by_label(cpu_time_total, "cpu")
    const cpus = vector(...['0', '1', '2', '3', '10', '11', '12', '20', '21', '100'].reverse().map((cpu): [Record<string, string>, number] => [{ cpu }, 100]));
    expect(vectorOf('sort_by_label', [cpus, str('cpu')]).map((s) => s.labels[0].value)).toEqual(['0', '1', '2', '3', '10', '11', '12', '20', '21', '100']);
    // node_uname_info{instance="4m600"/"4m5"/"4m1000", release="1.2.3"/"1.11.3"/"1.111.3"}
    const uname = vector([{ instance: '4m600', release: '1.2.3' }, 1], [{ instance: '4m5', release: '1.11.3' }, 1], [{ instance: '4m1000', release: '1.111.3' }, 1]);
    expect(order('sort_by_label', uname, 'instance')).toEqual(['{instance="4m5", release="1.11.3"}', '{instance="4m600", release="1.2.3"}', '{instance="4m1000", release="1.111.3"}']);
    expect(order('sort_by_label', uname, 'release')).toEqual(['{instance="4m600", release="1.2.3"}', '{instance="4m5", release="1.11.3"}', '{instance="4m1000", release="1.111.3"}']);
  });

  it('orders what natural order cannot tell apart by code points', () => {
    // facette/natsort says "1" and "01" each precede the other, and "" precedes nothing; Prometheus's order there depends on
    // its sort. Ours: code point order, so a missing label sorts first. Digit runs beyond int64 compare as text, as Atoi fails.
    const odd = vector([{ v: '1' }, 1], [{ v: '01' }, 1], [{ w: 'x' }, 1], [{ v: '99999999999999999999' }, 1], [{ v: '100000000000000000000' }, 1], [{ v: 'b' }, 1]);
    expect(vectorOf('sort_by_label', [odd, str('v')]).map((s) => s.labels[0].value)).toEqual(['x', '01', '1', '100000000000000000000', '99999999999999999999', 'b']);
    // With no label named, only the label sets decide; code point order puts U+FFFD after U+10000 (a surrogate pair) in UTF-16
    // but before it in UTF-8, as Prometheus compares.
    expect(vectorOf('sort_by_label', [vector([{ v: '\u{10000}' }, 1], [{ v: '\ufffd' }, 1])]).map((s) => s.labels[0].value)).toEqual(['\ufffd', '\u{10000}']);
  });
});

describe('classic histograms', () => {
  const buckets = (labels: Record<string, string>, counts: Record<string, number>): Array<[Record<string, string>, number]> =>
    Object.entries(counts).map(([le, count]) => [{ ...labels, le }, count]);
  // load 5m testhistogram_bucket{le=…, start="positive"|"negative"} 0+5x10 …, at 50m
  const testhistogram = vector(
    ...buckets({ __name__: 'testhistogram_bucket', start: 'positive' }, { '0.1': 50, '.2': 70, '1e0': 110, '+Inf': 120 }),
    ...buckets({ __name__: 'testhistogram_bucket', start: 'negative' }, { '-.2': 10, '-0.1': 20, '0.3': 20, '+Inf': 30 }),
  );
  // load 5m testhistogram3_bucket{…} at 50m
  const testhistogram3 = vector(
    ...buckets({ start: 'positive' }, { '0': 0, '0.1': 50, '.2': 70, '1e0': 110, '+Inf': 110 }),
    ...buckets({ start: 'negative' }, { '-.25': 0, '-.2': 10, '-0.1': 20, '0.3': 20, '+Inf': 20 }),
  );
  const quantileOf = (q: number, input: FunctionArg) => byLabels('histogram_quantile', [scalar(q), input], 50 * M);

  it.each([
    // eval instant at 50m histogram_quantile(φ, testhistogram_bucket)
    [0, 0, -0.2],
    [0.2, 0.048, -0.2],
    [0.5, 0.15, -0.15],
    [0.8, 0.72, 0.3],
    [1, 1, 0.3],
    [-0.1, -Infinity, -Infinity],
    [1.01, Infinity, Infinity],
    [NaN, NaN, NaN],
  ])('histogram_quantile(%d, testhistogram_bucket) is %d and %d', (q, positive, negative) => {
    expectValues(quantileOf(q, testhistogram), { '{start="positive"}': positive, '{start="negative"}': negative });
  });

  it.each([
    // eval instant at 50m histogram_quantile(φ, testhistogram3_bucket)
    [0, 0, -0.25],
    [0.25, 0.055, -0.225],
    [0.5, 0.125, -0.2],
    [0.75, 0.45, -0.15],
    [1, 1, -0.1],
  ])('histogram_quantile(%d, testhistogram3_bucket) is %d and %d', (q, positive, negative) => {
    expectValues(quantileOf(q, testhistogram3), { '{start="positive"}': positive, '{start="negative"}': negative });
  });

  it('aggregated buckets give the aggregate quantile', () => {
    // histogram_quantile(0.3 | 0.5, sum(rate(request_duration_seconds_bucket[10m])) by (le)) → 0.075, 0.1277777777777778; the
    // summed 10m increases per bucket are 10, 19, 25 (rates scale them all alike).
    const summed = vector(...buckets({}, { '0.1': 10 / 600, '0.2': 19 / 600, '+Inf': 25 / 600 }));
    expectValues(quantileOf(0.3, summed), { '{}': 0.075 });
    expectValues(quantileOf(0.5, summed), { '{}': 0.1277777777777778 });
  });

  it('forces non-decreasing bucket counts', () => {
    // nonmonotonic_bucket{le="0.1"} 0+2x10, {le="1"} 0+1x10, {le="10"} 0+5x10, {le="100"} 0+4x10, {le="1000"} 0+9x10, {le="+Inf"} 0+8x10 at 50m
    const nonmonotonic = vector(...buckets({}, { '0.1': 20, '1': 10, '10': 50, '100': 40, '1000': 90, '+Inf': 80 }));
    expectValues(quantileOf(0.01, nonmonotonic), { '{}': 0.0045 });
    expectValues(quantileOf(0.5, nonmonotonic), { '{}': 8.5 });
    expectValues(quantileOf(0.99, nonmonotonic), { '{}': 979.75 });
  });

  it('merges bounds written differently and needs two buckets, a +Inf bucket and observations', () => {
    // mixed_bucket{instance="ins1", le="0.1"|"0.2"|"2e-1"|"2.0e-1"|"+Inf"} 0+1x10 … 0+4x10, {instance="ins2", le="+inf"|"+Inf"} 0x10:
    // histogram_quantile(0.5 | 0.75 | 1, rate(mixed_bucket[10m])) → 0.15 | 0.2 | 0.2 for ins1, NaN for ins2
    const mixed = vector(...buckets({ instance: 'ins1' }, { '0.1': 1, '0.2': 1, '2e-1': 1, '2.0e-1': 1, '+Inf': 4 }), ...buckets({ instance: 'ins2' }, { '+inf': 0, '+Inf': 0 }));
    expectValues(quantileOf(0.5, mixed), { '{instance="ins1"}': 0.15, '{instance="ins2"}': NaN });
    expectValues(quantileOf(0.75, mixed), { '{instance="ins1"}': 0.2, '{instance="ins2"}': NaN });
    expectValues(quantileOf(1, mixed), { '{instance="ins1"}': 0.2, '{instance="ins2"}': NaN });
    // empty_bucket 0x10 everywhere → NaN; BucketQuantile: no +Inf bucket → NaN
    expectValues(quantileOf(0.2, vector(...buckets({}, { '0.1': 0, '0.2': 0, '+Inf': 0 }))), { '{}': NaN });
    expectValues(quantileOf(0.5, vector(...buckets({}, { '0.1': 1, '0.2': 2 }))), { '{}': NaN });
    // A series with a missing or malformed le is left out (Prometheus warns): series{ale="0.1"}, series{le="Hello World"} → nothing
    expect(quantileOf(0.8, vector([{ ale: '0.1' }, 2], [{ le: 'Hello World' }, 2]))).toEqual({});
  });

  it('fails when two histograms differ only in their name', () => {
    // histogram_quantile(0.99, {__name__=~"request_duration_seconds\\d*_bucket"}) → fail
    const twoNames = vector(...buckets({ __name__: 'a_bucket', job: 'x' }, { '0.1': 1, '+Inf': 2 }), ...buckets({ __name__: 'b_bucket', job: 'x' }, { '0.1': 1, '+Inf': 2 }));
    expect(() => quantileOf(0.99, twoNames)).toThrow(new PromqlExecutionError('vector cannot contain metrics with the same labelset'));
  });

  it('labels each quantile with histogram_quantiles', () => {
    // eval instant at 50m histogram_quantiles(testhistogram3_bucket, "q", 0, 0.25, 0.5, 0.75, 1)
    const out = byLabels('histogram_quantiles', [testhistogram3, str('q'), ...[0, 0.25, 0.5, 0.75, 1].map(scalar)], 50 * M);
    expectValues(out, {
      '{q="0.0", start="positive"}': 0,
      '{q="0.0", start="negative"}': -0.25,
      '{q="0.25", start="positive"}': 0.055,
      '{q="0.25", start="negative"}': -0.225,
      '{q="0.5", start="positive"}': 0.125,
      '{q="0.5", start="negative"}': -0.2,
      '{q="0.75", start="positive"}': 0.45,
      '{q="0.75", start="negative"}': -0.15,
      '{q="1.0", start="positive"}': 1,
      '{q="1.0", start="negative"}': -0.1,
    });
    // histogram_quantiles(testhistogram, "q", NaN) → q="NaN"; (…, "start", …) → fail
    expect(Object.keys(byLabels('histogram_quantiles', [testhistogram, str('q'), scalar(NaN)]))).toEqual(['{q="NaN", start="positive"}', '{q="NaN", start="negative"}']);
    expect(() => call('histogram_quantiles', [testhistogram3, str('start'), scalar(0.5), scalar(0.9)])).toThrow('vector cannot contain metrics with the same labelset');
  });

  // testhistogram2_bucket{le="0"|"2"|"4"|"6"|"+Inf"} 0+0x10 0+1x10 0+2x10 0+3x10 0+3x10, at 50m: 0 10 20 30 30
  const testhistogram2 = vector(...buckets({}, { '0': 0, '2': 10, '4': 20, '6': 30, '+Inf': 30 }));
  const standard = { '1': 1, '2': 3, '3': 6, '+Inf': 100 };
  const negative = { '-3': 10, '-2': 12, '-1': 15, '+Inf': 100 };

  it.each<[string, number, number, number, FunctionArg]>([
    // eval instant at 50m histogram_fraction(lower, upper, <name>_bucket)
    ['testhistogram2', 0, 4, 0.6666666666666666, testhistogram2],
    ['testhistogram2', 0, 6, 1, testhistogram2],
    ['testhistogram2', 0, 3.5, 0.5833333333333334, testhistogram2],
    ['positive_buckets_lower_falls_in_the_first_bucket', 0, 1.5, 0.02, vector(...buckets({}, standard))],
    ['negative_buckets_lower_falls_in_the_first_bucket', -4, -2, 0.02, vector(...buckets({}, negative))],
    ['lower_is_negative_Inf', -Infinity, -1.5, 0.135, vector(...buckets({}, negative))],
    ['lower_is_negative_Inf_and_upper_is_positive_Inf (negative buckets)', -Infinity, Infinity, 1, vector(...buckets({}, negative))],
    ['lower_and_upper_fall_in_last_bucket', 4, 5, 0, vector(...buckets({}, standard))],
    ['upper_falls_in_last_bucket', 2, 5, 0.03, vector(...buckets({}, standard))],
    ['upper_is_positive_Inf', 400, Infinity, 0.94, vector(...buckets({}, standard))],
    ['lower_equals_upper', 2, 2, 0, vector(...buckets({}, standard))],
    ['lower_greater_than_upper', 3, 2, 0, vector(...buckets({}, standard))],
    ['single_bucket', 0, 1, 0, vector(...buckets({}, { '+Inf': 100 }))],
    ['all_zero_counts', 0, 5, NaN, vector(...buckets({}, { '1': 0, '2': 0, '3': 0, '+Inf': 0 }))],
    ['upper_exactly_on_bucket_boundary', 0.5, 2, 0.025, vector(...buckets({}, standard))],
    ['fractional_bucket_bounds', 0.1, 0.75, 0.045, vector(...buckets({}, { '0.5': 2.5, '1': 7.5, '+Inf': 100 }))],
    ['range_crosses_zero', -1, 1, 0.1, vector(...buckets({}, { '-2': 5, '-1': 10, '0': 15, '1': 20, '+Inf': 100 }))],
    ['lower_is_NaN', NaN, 1, NaN, vector(...buckets({}, { '1': 1, '+Inf': 100 }))],
    ['upper_is_NaN', 0, NaN, NaN, vector(...buckets({}, { '1': 1, '+Inf': 100 }))],
  ])('histogram_fraction over %s from %d to %d is %d', (_, lower, upper, expected, input) => {
    expectValues(byLabels('histogram_fraction', [scalar(lower), scalar(upper), input]), { '{}': expected });
  });
});

describe('summation and quantile helpers', () => {
  it('sums and averages with compensation', () => {
    expect(kahanSum([1, 1e100, 1, -1e100])).toBe(2);
    expect(kahanSum([])).toBe(0);
    expect(kahanSum([Infinity, 1])).toBe(Infinity);
    expect(kahanMean([9.988465674311579e307, 9.988465674311579e307])).toBe(9.988465674311579e307);
    expect(kahanMean([])).toBeNaN();
  });

  it('ranks NaN lowest and leaves its input alone', () => {
    const values = [2, NaN, 1];
    expect(quantile(0.5, values)).toBe(1);
    expect(values).toEqual([2, NaN, 1]);
    expect(quantile(0, [NaN, 5])).toBeNaN();
    expect(quantile(0.5, [])).toBeNaN();
  });
});
