import { RE2JS } from 're2js';
import { PromqlExecutionError, type CallContext, type FunctionArg, type PromqlFunction } from './function-types';
import { bucketFraction, bucketQuantile, classicHistograms, formatOpenMetricsFloat, quantile } from './quantile';
import { dropMetricName, labelsKey, labelValue, METRIC_NAME, withLabel, type Label, type Labels, type Matrix, type Series, type ValueType, type Vector } from './values';

/**
 * PromQL's functions on float samples, with Prometheus 3.x's semantics (promql/functions.go,
 * promql/quantile.go as of v3.14). Functions that only read native histograms are not here:
 * Strata stores none, and on floats Prometheus returns nothing from them.
 *
 * Each function sees its arguments evaluated at one step and returns that step's result.
 * Range-vector functions get one Series per selected series holding its samples in the
 * window (t − range, t]; a series without samples there gives no output, as in Prometheus.
 * Output samples carry `t` = the step's time; labels lose `__name__` except where Prometheus
 * keeps it (last_over_time, first_over_time, sort*, label_replace, label_join). A result
 * that would hold two samples with one label set fails, as in Prometheus.
 */

export { quantile } from './quantile';

// ——— Summation ———

/**
 * One step of Kahan–Neumaier compensated summation: adds `inc` to `sum`, carrying the lost
 * low-order part in `c` (reset once the sum is infinite). The result is `sum + c`.
 */
export function kahanInc(inc: number, sum: number, c: number): [sum: number, c: number] {
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) return [t, 0];
  if (Math.abs(sum) >= Math.abs(inc)) return [t, c + (sum - t + inc)];
  return [t, c + (inc - t + sum)];
}

/** The compensated sum of the values (what sum_over_time and the `sum` aggregation compute). */
export function kahanSum(values: readonly number[]): number {
  let sum = 0;
  let c = 0;
  for (const v of values) [sum, c] = kahanInc(v, sum, c);
  return sum === Infinity || sum === -Infinity ? sum : sum + c;
}

/**
 * The mean of the values as Prometheus's avg_over_time and `avg` aggregation compute it: a
 * compensated sum divided by the count while the sum stays finite, then, if it would
 * overflow, an incremental mean. NaN for no values.
 */
export function kahanMean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = values[0];
  let c = 0;
  let mean = 0;
  let incremental = false;
  let count = 1;
  for (let i = 1; i < values.length; i++) {
    const v = values[i];
    count = i + 1;
    if (!incremental) {
      const [newSum, newC] = kahanInc(v, sum, c);
      if (newSum !== Infinity && newSum !== -Infinity) {
        sum = newSum;
        c = newC;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    [mean, c] = kahanInc(v / count, q * mean, q * c);
  }
  return incremental ? mean + c : sum / count + c / count;
}

// ——— Arguments and results ———

function vectorArg(args: readonly FunctionArg[], i: number): Vector {
  const a = args[i];
  if (a?.type !== 'vector') throw new Error(`internal: argument ${i + 1} must be an instant vector, got ${a?.type ?? 'nothing'}`);
  return a.value;
}

function matrixArg(args: readonly FunctionArg[], i: number): { value: Matrix; rangeMs: number; windowEndMs?: number; distinctWithoutName?: boolean } {
  const a = args[i];
  if (a?.type !== 'matrix') throw new Error(`internal: argument ${i + 1} must be a range vector, got ${a?.type ?? 'nothing'}`);
  return a;
}

function scalarArg(args: readonly FunctionArg[], i: number): number {
  const a = args[i];
  if (a?.type !== 'scalar') throw new Error(`internal: argument ${i + 1} must be a scalar, got ${a?.type ?? 'nothing'}`);
  return a.value;
}

function stringArg(args: readonly FunctionArg[], i: number): string {
  const a = args[i];
  if (a?.type !== 'string') throw new Error(`internal: argument ${i + 1} must be a string, got ${a?.type ?? 'nothing'}`);
  return a.value;
}

/** The vector, failing as Prometheus does when two of its samples have one label set. */
function distinct(vector: Vector): Vector {
  const seen = new Set<string>();
  for (const s of vector) {
    const key = labelsKey(s.labels);
    if (seen.has(key)) throw new PromqlExecutionError('vector cannot contain metrics with the same labelset');
    seen.add(key);
  }
  return vector;
}

/** Each sample's value through f, without the metric name. */
function mapSamples(vector: Vector, t: number, f: (v: number, sampleT: number) => number): Vector {
  let renamed = false;
  const out = vector.map((s) => {
    const labels = dropMetricName(s.labels);
    if (labels !== s.labels) renamed = true;
    return { labels, t, v: f(s.v, s.t) };
  });
  // Only dropping a name can make two label sets equal.
  return renamed ? distinct(out) : out;
}

function define(
  name: string,
  argTypes: readonly ValueType[],
  returns: 'vector' | 'scalar',
  call: PromqlFunction['call'],
  arity: { min?: number; max?: number } = {},
): PromqlFunction {
  return { name, argTypes, minArgs: arity.min ?? argTypes.length, maxArgs: arity.max ?? argTypes.length, returns, call };
}

// ——— Range-vector functions ———

/**
 * What a range-vector function knows of its window besides the samples: (t − rangeMs, t],
 * t being the call's evaluation time as function-types.ts defines it. Under `offset` or `@`
 * Prometheus's window ends elsewhere, and rate/increase/delta extrapolate to that end.
 */
interface Window {
  readonly t: number;
  readonly rangeMs: number;
}

/** One value per series that has samples (undefined: no output for that series). */
type PerSeries = (s: Series, w: Window) => number | undefined;

function overTime(args: readonly FunctionArg[], context: CallContext, matrixIndex: number, keepName: boolean, f: PerSeries): Vector {
  const { value, rangeMs, windowEndMs, distinctWithoutName } = matrixArg(args, matrixIndex);
  // The window's own end (under offset or @ it is not the step's time); predict_linear anchors at the step's time itself.
  const window = { t: windowEndMs ?? context.t, rangeMs };
  const out: Vector = [];
  let renamed = false;
  for (const s of value) {
    if (s.t.length === 0) continue;
    const v = f(s, window);
    if (v === undefined) continue;
    const labels = keepName ? s.labels : dropMetricName(s.labels);
    if (labels !== s.labels) renamed = true;
    out.push({ labels, t: context.t, v });
  }
  return renamed && !distinctWithoutName ? distinct(out) : out;
}

function rangeFunction(name: string, f: PerSeries, keepName = false): PromqlFunction {
  return define(name, ['matrix'], 'vector', (args, context) => overTime(args, context, 0, keepName, f));
}

/** Go's time.Duration.Seconds() of a millisecond count (whole seconds plus the nanosecond rest, as Go rounds it). */
function durationSeconds(ms: number): number {
  const rest = ms % 1000;
  return (ms - rest) / 1000 + (rest * 1e6) / 1e9;
}

/**
 * rate, increase and delta: the change between the first and last sample (for counters,
 * adding back each value a reset dropped), extrapolated towards the window's edges. A gap to
 * an edge shorter than 1.1 average sample intervals is extrapolated in full, a longer one
 * only by half an interval (the series likely starts or ends inside the window); a counter
 * is never extrapolated below zero. Needs two samples.
 */
function extrapolatedRate(s: Series, w: Window, isCounter: boolean, isRate: boolean): number | undefined {
  const n = s.t.length;
  if (n < 2) return undefined;
  const rangeStart = w.t - w.rangeMs;
  const rangeEnd = w.t;
  const first = s.v[0];
  let result = s.v[n - 1] - first;
  if (isCounter) {
    for (let i = 1; i < n; i++) if (s.v[i] < s.v[i - 1]) result += s.v[i - 1];
  }
  let durationToStart = (s.t[0] - rangeStart) / 1000;
  let durationToEnd = (rangeEnd - s.t[n - 1]) / 1000;
  const sampledInterval = (s.t[n - 1] - s.t[0]) / 1000;
  const averageInterval = sampledInterval / (n - 1);
  const threshold = averageInterval * 1.1;
  if (durationToStart >= threshold) durationToStart = averageInterval / 2;
  if (isCounter && result > 0 && first >= 0) {
    // Where a straight line through the samples reaches zero: the counter cannot start earlier.
    const durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = averageInterval / 2;
  let factor = sampledInterval !== 0 ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval : 1;
  if (isRate) factor /= durationSeconds(w.rangeMs);
  return result * factor;
}

/** irate and idelta: from the last two samples only; irate takes a decrease as a counter reset to zero. */
function instantValue(s: Series, isRate: boolean): number | undefined {
  const n = s.t.length;
  if (n < 2) return undefined;
  const interval = s.t[n - 1] - s.t[n - 2];
  if (interval === 0) return undefined;
  const previous = s.v[n - 2];
  const last = s.v[n - 1];
  const change = isRate && last < previous ? last : last - previous;
  return isRate ? change / (interval / 1000) : change;
}

/** Least-squares line through the samples, x in seconds from interceptTime: its slope and its value at interceptTime. */
function linearRegression(s: Series, interceptTime: number): [slope: number, intercept: number] {
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = s.v[0];
  let constY = true;
  for (let i = 0; i < s.t.length; i++) {
    const y = s.v[i];
    if (constY && i > 0 && y !== initY) constY = false;
    n += 1;
    const x = (s.t[i] - interceptTime) / 1e3;
    [sumX, cX] = kahanInc(x, sumX, cX);
    [sumY, cY] = kahanInc(y, sumY, cY);
    [sumXY, cXY] = kahanInc(x * y, sumXY, cXY);
    [sumX2, cX2] = kahanInc(x * x, sumX2, cX2);
  }
  // A constant series has slope 0 exactly (the sums would give rounding noise), unless it is ±Inf.
  if (constY) return initY === Infinity || initY === -Infinity ? [NaN, NaN] : [0, initY];
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return [slope, sumY / n - (slope * sumX) / n];
}

/** Holt's linear smoothing with smoothing factor sf and trend factor tf; needs two samples. */
function doubleExponentialSmoothing(values: readonly number[], sf: number, tf: number): number | undefined {
  if (values.length < 2) return undefined;
  let s0 = 0;
  let s1 = values[0];
  let trend = values[1] - values[0];
  for (let i = 1; i < values.length; i++) {
    if (i > 1) trend = tf * (s1 - s0) + (1 - tf) * trend;
    const next = sf * values[i] + (1 - sf) * (s1 + trend);
    s0 = s1;
    s1 = next;
  }
  return s1;
}

/** A number as Go's `%f` writes it (six decimals), for messages. */
function formatFixed(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  return Math.abs(x) < 1e21 ? x.toFixed(6) : String(x);
}

function checkFactor(value: number, what: string, symbol: string): void {
  // NaN passes, as in Prometheus: the result is then NaN.
  if (value <= 0 || value >= 1) throw new PromqlExecutionError(`invalid ${what}. Expected: 0 < ${symbol} < 1, got: ${formatFixed(value)}`);
}

/**
 * The extreme sample by `better` and its time in seconds: a sample replaces the best so far
 * when better(sample, best) holds or the best is NaN. A strict comparison keeps the first of
 * equal values, a non-strict one the last.
 */
function extreme(s: Series, better: (value: number, best: number) => boolean): { v: number; t: number } {
  let best = s.v[0];
  let at = s.t[0];
  for (let i = 0; i < s.v.length; i++) {
    if (better(s.v[i], best) || Number.isNaN(best)) {
      best = s.v[i];
      at = s.t[i];
    }
  }
  return { v: best, t: at / 1000 };
}

/** Population variance by Welford's method, each running sum compensated. */
function variance(values: readonly number[]): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (const v of values) {
    count++;
    const delta = v - (mean + cMean);
    [mean, cMean] = kahanInc(delta / count, mean, cMean);
    [aux, cAux] = kahanInc(delta * (v - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

/** Median absolute deviation from the median; NaN if any value is NaN. */
function medianAbsoluteDeviation(values: readonly number[]): number {
  if (values.some(Number.isNaN)) return NaN;
  const median = quantile(0.5, values);
  return quantile(
    0.5,
    values.map((v) => Math.abs(v - median)),
  );
}

function countChanges(values: readonly number[]): number {
  let changes = 0;
  for (let i = 1; i < values.length; i++) {
    const prev = values[i - 1];
    const cur = values[i];
    if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) changes++;
  }
  return changes;
}

function countResets(values: readonly number[]): number {
  let resets = 0;
  for (let i = 1; i < values.length; i++) if (values[i] < values[i - 1]) resets++;
  return resets;
}

const RANGE_FUNCTIONS: PromqlFunction[] = [
  rangeFunction('rate', (s, w) => extrapolatedRate(s, w, true, true)),
  rangeFunction('increase', (s, w) => extrapolatedRate(s, w, true, false)),
  rangeFunction('delta', (s, w) => extrapolatedRate(s, w, false, false)),
  rangeFunction('irate', (s) => instantValue(s, true)),
  rangeFunction('idelta', (s) => instantValue(s, false)),
  rangeFunction('deriv', (s) => (s.t.length < 2 ? undefined : linearRegression(s, s.t[0])[0])),
  define('predict_linear', ['matrix', 'scalar'], 'vector', (args, context) => {
    const seconds = scalarArg(args, 1);
    return overTime(args, context, 0, false, (s) => {
      if (s.t.length < 2) return undefined;
      // The line is anchored at the evaluation time, not at the window's end (they differ with offset or @).
      const [slope, intercept] = linearRegression(s, context.t);
      return slope * seconds + intercept;
    });
  }),
  rangeFunction('resets', (s) => countResets(s.v)),
  rangeFunction('changes', (s) => countChanges(s.v)),
  rangeFunction('avg_over_time', (s) => kahanMean(s.v)),
  rangeFunction('sum_over_time', (s) => kahanSum(s.v)),
  rangeFunction('count_over_time', (s) => s.v.length),
  rangeFunction('min_over_time', (s) => extreme(s, (v, best) => v < best).v),
  rangeFunction('max_over_time', (s) => extreme(s, (v, best) => v > best).v),
  rangeFunction('ts_of_min_over_time', (s) => extreme(s, (v, best) => v <= best).t),
  rangeFunction('ts_of_max_over_time', (s) => extreme(s, (v, best) => v >= best).t),
  rangeFunction('last_over_time', (s) => s.v[s.v.length - 1], true),
  rangeFunction('first_over_time', (s) => s.v[0], true),
  rangeFunction('ts_of_last_over_time', (s) => s.t[s.t.length - 1] / 1000),
  rangeFunction('ts_of_first_over_time', (s) => s.t[0] / 1000),
  rangeFunction('present_over_time', () => 1),
  rangeFunction('stdvar_over_time', (s) => variance(s.v)),
  rangeFunction('stddev_over_time', (s) => Math.sqrt(variance(s.v))),
  rangeFunction('mad_over_time', (s) => medianAbsoluteDeviation(s.v)),
  define('quantile_over_time', ['scalar', 'matrix'], 'vector', (args, context) => {
    const q = scalarArg(args, 0);
    return overTime(args, context, 1, false, (s) => quantile(q, s.v));
  }),
  define('double_exponential_smoothing', ['matrix', 'scalar', 'scalar'], 'vector', (args, context) => {
    const sf = scalarArg(args, 1);
    const tf = scalarArg(args, 2);
    return overTime(args, context, 0, false, (s) => {
      // Checked only once a series has samples, as Prometheus does.
      checkFactor(sf, 'smoothing factor', 'sf');
      checkFactor(tf, 'trend factor', 'tf');
      return doubleExponentialSmoothing(s.v, sf, tf);
    });
  }),
  define('absent_over_time', ['matrix'], 'vector', (args, context) => {
    const { value } = matrixArg(args, 0);
    return value.some((s) => s.t.length > 0) ? [] : [{ labels: absentLabels(context), t: context.t, v: 1 }];
  }),
];

/**
 * The labels of absent()'s answer: each label an `=` matcher of the argument's selector pins
 * down (the metric name aside). A later matcher on the same label, of any kind, removes it
 * again, as Prometheus does.
 */
function absentLabels(context: CallContext): Labels {
  const pinned = new Map<string, string>();
  const seen = new Set<string>();
  for (const m of context.argMatchers ?? []) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !seen.has(m.name)) {
      pinned.set(m.name, m.value);
      seen.add(m.name);
    } else {
      pinned.delete(m.name);
    }
  }
  const labels: Label[] = [];
  for (const [name, value] of pinned) if (value !== '') labels.push({ name, value });
  return labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// ——— Instant-vector arithmetic ———

function mathFunction(name: string, f: (v: number) => number): PromqlFunction {
  return define(name, ['vector'], 'vector', (args, context) => mapSamples(vectorArg(args, 0), context.t, f));
}

/** Go's math.Frexp: x = fraction × 2^exponent with |fraction| in [0.5, 1). */
function frexp(x: number): [fraction: number, exponent: number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  let bits = (view.getUint32(0) >>> 20) & 0x7ff;
  let shift = 0;
  if (bits === 0) {
    // Subnormal: scale into the normal range first.
    view.setFloat64(0, x * 2 ** 64);
    bits = (view.getUint32(0) >>> 20) & 0x7ff;
    shift = -64;
  }
  const exponent = bits - 1022 + shift;
  view.setUint32(0, (view.getUint32(0) & 0x800fffff) | (1022 << 20));
  return [view.getFloat64(0), exponent];
}

/** Go's math.Log2 (exact for powers of two; otherwise through the natural log of the fraction). */
function log2(x: number): number {
  const [fraction, exponent] = frexp(x);
  if (fraction === 0.5) return exponent - 1;
  return Math.log(fraction) * Math.LOG2E + exponent;
}

function clamp(vector: Vector, t: number, min: number, max: number): Vector {
  if (max < min) return [];
  return mapSamples(vector, t, (v) => Math.max(min, Math.min(max, v)));
}

const MATH_FUNCTIONS: PromqlFunction[] = [
  mathFunction('abs', Math.abs),
  mathFunction('ceil', Math.ceil),
  mathFunction('floor', Math.floor),
  mathFunction('exp', Math.exp),
  mathFunction('sqrt', Math.sqrt),
  mathFunction('ln', Math.log),
  mathFunction('log2', log2),
  mathFunction('log10', (v) => Math.log(v) * Math.LOG10E),
  mathFunction('sin', Math.sin),
  mathFunction('cos', Math.cos),
  mathFunction('tan', Math.tan),
  mathFunction('asin', Math.asin),
  mathFunction('acos', Math.acos),
  mathFunction('atan', Math.atan),
  mathFunction('sinh', Math.sinh),
  mathFunction('cosh', Math.cosh),
  mathFunction('tanh', Math.tanh),
  mathFunction('asinh', Math.asinh),
  mathFunction('acosh', Math.acosh),
  mathFunction('atanh', Math.atanh),
  mathFunction('rad', (v) => (v * Math.PI) / 180),
  mathFunction('deg', (v) => (v * 180) / Math.PI),
  // Zero keeps its sign and NaN stays NaN.
  mathFunction('sgn', (v) => (v < 0 ? -1 : v > 0 ? 1 : v)),
  define(
    'round',
    ['vector', 'scalar'],
    'vector',
    (args, context) => {
      const toNearest = args.length > 1 ? scalarArg(args, 1) : 1;
      // Rounding by the inverse is what Prometheus does (it is less prone to float error); ties round up.
      const inverse = 1 / toNearest;
      return mapSamples(vectorArg(args, 0), context.t, (v) => Math.floor(v * inverse + 0.5) / inverse);
    },
    { min: 1 },
  ),
  define('clamp', ['vector', 'scalar', 'scalar'], 'vector', (args, context) => clamp(vectorArg(args, 0), context.t, scalarArg(args, 1), scalarArg(args, 2))),
  define('clamp_min', ['vector', 'scalar'], 'vector', (args, context) => clamp(vectorArg(args, 0), context.t, scalarArg(args, 1), Infinity)),
  define('clamp_max', ['vector', 'scalar'], 'vector', (args, context) => clamp(vectorArg(args, 0), context.t, -Infinity, scalarArg(args, 1))),
  define('timestamp', ['vector'], 'vector', (args, context) => mapSamples(vectorArg(args, 0), context.t, (_, sampleT) => sampleT / 1000)),
  define('pi', [], 'scalar', () => Math.PI),
  define('time', [], 'scalar', (_, context) => context.t / 1000),
  define('min_of', ['scalar', 'scalar'], 'scalar', (args) => Math.min(scalarArg(args, 0), scalarArg(args, 1))),
  define('max_of', ['scalar', 'scalar'], 'scalar', (args) => Math.max(scalarArg(args, 0), scalarArg(args, 1))),
  define('scalar', ['vector'], 'scalar', (args) => {
    const vector = vectorArg(args, 0);
    return vector.length === 1 ? vector[0].v : NaN;
  }),
  define('vector', ['scalar'], 'vector', (args, context) => [{ labels: [], t: context.t, v: scalarArg(args, 0) }]),
  define('absent', ['vector'], 'vector', (args, context) => (vectorArg(args, 0).length > 0 ? [] : [{ labels: absentLabels(context), t: context.t, v: 1 }])),
];

// ——— Calendar ———

/** A moment as Go's time.Time in UTC reports it. */
interface CivilTime {
  readonly year: number;
  /** 1–12. */
  readonly month: number;
  readonly day: number;
  /** 0 = Sunday. */
  readonly weekday: number;
  /** 1–366. */
  readonly yearDay: number;
  readonly hour: number;
  readonly minute: number;
}

const TWO_64 = 1n << 64n;
const SECONDS_PER_DAY = 86_400n;
/**
 * Seconds from Go's internal "absolute" epoch (March 1 of year −292277022399) to the Unix
 * epoch. Go computes dates from the unsigned count of seconds since that epoch, so a Unix
 * time far enough out of range wraps around; we do the same.
 */
const UNIX_TO_ABSOLUTE = 62_135_596_800n + ((292_277_022_400n * 3_652_425n) / 10_000n + 306n) * SECONDS_PER_DAY;

/** Go's int64(f) on amd64: truncation, and the minimum int64 for NaN, ±Inf and anything out of range. */
function goInt64(f: number): bigint {
  return f >= -(2 ** 63) && f < 2 ** 63 ? BigInt(Math.trunc(f)) : -(1n << 63n);
}

/** The proleptic-Gregorian UTC date and time of a Unix second, as time.Unix(sec, 0).UTC() gives it. */
function civilTime(unixSeconds: bigint): CivilTime {
  const absolute = (((unixSeconds + UNIX_TO_ABSOLUTE) % TWO_64) + TWO_64) % TWO_64;
  const seconds = absolute - UNIX_TO_ABSOLUTE;
  let days = seconds / SECONDS_PER_DAY;
  if (days * SECONDS_PER_DAY > seconds) days -= 1n;
  const secondOfDay = Number(seconds - days * SECONDS_PER_DAY);
  const dayNumber = Number(days);
  const [year, month, day] = civilFromDays(dayNumber);
  return {
    year,
    month,
    day,
    weekday: (((dayNumber + 4) % 7) + 7) % 7,
    yearDay: dayNumber - daysFromCivil(year, 1, 1) + 1,
    hour: Math.floor(secondOfDay / 3600),
    minute: Math.floor((secondOfDay % 3600) / 60),
  };
}

// Day arithmetic in 400-year eras that start on March 1 (after Howard Hinnant's date algorithms).
function civilFromDays(daysSinceEpoch: number): [year: number, month: number, day: number] {
  const z = daysSinceEpoch + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** A calendar function: of each sample's value as Unix seconds, or of the evaluation time without an argument. */
function dateFunction(name: string, f: (c: CivilTime) => number): PromqlFunction {
  return define(
    name,
    ['vector'],
    'vector',
    (args, context) => {
      // Whole seconds, truncated towards zero as Go's integer division does.
      if (args.length === 0) return [{ labels: [], t: context.t, v: f(civilTime(BigInt((context.t - (context.t % 1000)) / 1000))) }];
      return mapSamples(vectorArg(args, 0), context.t, (v) => f(civilTime(goInt64(v))));
    },
    { min: 0 },
  );
}

const DATE_FUNCTIONS: PromqlFunction[] = [
  dateFunction('year', (c) => c.year),
  dateFunction('month', (c) => c.month),
  dateFunction('day_of_month', (c) => c.day),
  dateFunction('day_of_week', (c) => c.weekday),
  dateFunction('day_of_year', (c) => c.yearDay),
  dateFunction('days_in_month', (c) => daysInMonth(c.year, c.month)),
  dateFunction('hour', (c) => c.hour),
  dateFunction('minute', (c) => c.minute),
];

// ——— Labels ———

/** Prometheus's rule for a label name (UTF-8 validation): not empty and valid Unicode. */
function isValidLabelName(name: string): boolean {
  return name.length > 0 && !/\p{Cs}/u.test(name);
}

/** Most compiled label_replace expressions kept; a range query compiles its one expression once, not at every step. */
const REGEX_CACHE_SIZE = 256;

function regexCompiler(): (pattern: string) => RE2JS | undefined {
  const cache = new Map<string, RE2JS | null>();
  return (pattern) => {
    let re = cache.get(pattern);
    if (re === undefined) {
      try {
        // Concatenated, not wrapped in a group of our own, exactly as Prometheus builds it.
        re = RE2JS.compile(`^(?s:${pattern})$`);
      } catch {
        re = null;
      }
      if (cache.size >= REGEX_CACHE_SIZE) cache.clear();
      cache.set(pattern, re);
    }
    return re ?? undefined;
  };
}

interface GroupReference {
  readonly name: string;
  /** The group number, or −1 when the reference is by name. */
  readonly num: number;
  readonly rest: string;
}

/** The `name` or `{name}` after a `$` (letters, digits, `_`), or undefined when there is none. */
function parseGroupReference(text: string): GroupReference | undefined {
  const braced = text.startsWith('{');
  const body = braced ? text.slice(1) : text;
  const name = /^[\p{L}\p{Nd}_]+/u.exec(body)?.[0];
  if (name === undefined) return undefined;
  let end = name.length;
  if (braced) {
    if (body[end] !== '}') return undefined;
    end++;
  }
  let num = 0;
  for (let i = 0; i < name.length; i++) {
    const digit = name.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9 || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + digit;
  }
  if (name.length > 1 && name[0] === '0') num = -1;
  return { name, num, rest: body.slice(end) };
}

/**
 * Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}` insert a group (nothing when it did not
 * take part or does not exist), `$$` a dollar, and a `$` that starts no reference stays as is.
 * `$1x` refers to a group named `1x`, as in Go.
 */
function expandTemplate(template: string, re: RE2JS, group: (i: number) => string | null, groupCount: number): string {
  let out = '';
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf('$');
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ref = parseGroupReference(rest);
    if (!ref) {
      out += '$';
      continue;
    }
    rest = ref.rest;
    const named = re.namedGroups();
    const index = ref.num >= 0 ? ref.num : Object.hasOwn(named, ref.name) ? named[ref.name] : -1;
    if (index >= 0 && index <= groupCount) out += group(index) ?? '';
  }
  return out + rest;
}

function labelReplace(compile: (pattern: string) => RE2JS | undefined): PromqlFunction['call'] {
  return (args, context) => {
    const [dst, replacement, src, pattern] = [1, 2, 3, 4].map((i) => stringArg(args, i));
    const re = compile(pattern);
    if (!re) throw new PromqlExecutionError(`invalid regular expression in label_replace(): ${pattern}`);
    if (!isValidLabelName(dst)) throw new PromqlExecutionError(`invalid destination label name in label_replace(): ${dst}`);
    const groupCount = re.groupCount();
    const out = vectorArg(args, 0).map((s) => {
      const m = re.matcher(labelValue(s.labels, src));
      if (!m.find()) return { labels: s.labels, t: context.t, v: s.v };
      const value = expandTemplate(replacement, re, (i) => m.group(i), groupCount);
      return { labels: withLabel(s.labels, dst, value), t: context.t, v: s.v };
    });
    return distinct(out);
  };
}

function labelJoin(args: readonly FunctionArg[], context: CallContext): Vector {
  const dst = stringArg(args, 1);
  const separator = stringArg(args, 2);
  const sources = args.slice(3).map((_, i) => stringArg(args, i + 3));
  for (const src of sources) if (!isValidLabelName(src)) throw new PromqlExecutionError(`invalid source label name in label_join(): ${src}`);
  if (!isValidLabelName(dst)) throw new PromqlExecutionError(`invalid destination label name in label_join(): ${dst}`);
  const out = vectorArg(args, 0).map((s) => {
    const value = sources.map((src) => labelValue(s.labels, src)).join(separator);
    return { labels: withLabel(s.labels, dst, value), t: context.t, v: s.v };
  });
  return distinct(out);
}

// ——— Sorting ———

/** Ascending by value, NaN last; samples with equal values keep their order. */
function byValue(descending: boolean) {
  return (a: { v: number }, b: { v: number }): number => {
    if (Number.isNaN(a.v)) return Number.isNaN(b.v) ? 0 : 1;
    if (Number.isNaN(b.v)) return -1;
    const order = a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
    return descending ? -order : order;
  };
}

/** Strings in Unicode code point order (the UTF-8 byte order Go compares in), not UTF-16 unit order. */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) must rank above U+E000–U+FFFF.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Label sets as Prometheus orders them: label by label, name then value; a set that runs out first is lower. */
function compareLabelSets(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const order = compareCodePoints(a[i].name, b[i].name) || compareCodePoints(a[i].value, b[i].value);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

const INT64_MAX_DIGITS = '9223372036854775807';

/** Two runs of ASCII digits compared as integers, or undefined when one does not fit an int64 (Go's Atoi fails). */
function compareIntegers(a: string, b: string): number | undefined {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  const fits = (d: string) => d.length < 19 || (d.length === 19 && d <= INT64_MAX_DIGITS);
  if (!fits(x) || !fits(y)) return undefined;
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Whether a precedes b in the natural order sort_by_label uses (facette/natsort): the strings
 * split into runs of digits and of other characters, digit runs compared as numbers. When
 * every run so far is equal, the string that ends first precedes the other; so "1" and "01"
 * each precede the other, and "" precedes nothing.
 */
function naturallyPrecedes(a: string, b: string): boolean {
  const chunksA = a.match(/\d+|\D+/g) ?? [];
  const chunksB = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < chunksA.length; i++) {
    if (i >= chunksB.length) return false;
    const x = chunksA[i];
    const y = chunksB[i];
    const numeric = /^\d/.test(x) && /^\d/.test(y) ? compareIntegers(x, y) : undefined;
    const order = numeric ?? (x === y ? 0 : undefined);
    if (order === undefined) return compareCodePoints(x, y) < 0;
    if (order !== 0) return order < 0;
    if (i === chunksA.length - 1) return true;
    if (i === chunksB.length - 1) return false;
  }
  return false;
}

/**
 * Natural order of two different label values. Where natsort contradicts itself (each of "1"
 * and "01" precedes the other; "" precedes nothing) Prometheus's order depends on its sort's
 * internals; we fall back to code point order there.
 */
function compareNaturally(a: string, b: string): number {
  const ab = naturallyPrecedes(a, b);
  const ba = naturallyPrecedes(b, a);
  if (ab !== ba) return ab ? -1 : 1;
  return compareCodePoints(a, b);
}

function sortByLabel(args: readonly FunctionArg[], context: CallContext, descending: boolean): Vector {
  const names = args.slice(1).map((_, i) => stringArg(args, i + 1));
  const sign = descending ? -1 : 1;
  return vectorArg(args, 0)
    .map((s) => ({ labels: s.labels, t: context.t, v: s.v }))
    .sort((a, b) => {
      for (const name of names) {
        const x = labelValue(a.labels, name);
        const y = labelValue(b.labels, name);
        if (x !== y) return sign * compareNaturally(x, y);
      }
      // Equal on every named label: by the whole label set, so the order is total.
      return sign * compareLabelSets(a.labels, b.labels);
    });
}

const LABEL_AND_SORT_FUNCTIONS: PromqlFunction[] = [
  define('label_replace', ['vector', 'string', 'string', 'string', 'string'], 'vector', labelReplace(regexCompiler())),
  define('label_join', ['vector', 'string', 'string', 'string'], 'vector', labelJoin, { min: 3, max: Infinity }),
  define('sort', ['vector'], 'vector', (args, context) => vectorArg(args, 0).map((s) => ({ labels: s.labels, t: context.t, v: s.v })).sort(byValue(false))),
  define('sort_desc', ['vector'], 'vector', (args, context) => vectorArg(args, 0).map((s) => ({ labels: s.labels, t: context.t, v: s.v })).sort(byValue(true))),
  define('sort_by_label', ['vector', 'string'], 'vector', (args, context) => sortByLabel(args, context, false), { min: 1, max: Infinity }),
  define('sort_by_label_desc', ['vector', 'string'], 'vector', (args, context) => sortByLabel(args, context, true), { min: 1, max: Infinity }),
];

// ——— Classic histograms ———

/** Most φ values histogram_quantiles takes (Prometheus: one, and nine more). */
const MAX_QUANTILES = 10;

const HISTOGRAM_FUNCTIONS: PromqlFunction[] = [
  define('histogram_quantile', ['scalar', 'vector'], 'vector', (args, context) => {
    const q = scalarArg(args, 0);
    const out = classicHistograms(vectorArg(args, 1)).map((h) => ({ labels: dropMetricName(h.labels), t: context.t, v: bucketQuantile(q, h.buckets) }));
    return distinct(out);
  }),
  define(
    'histogram_quantiles',
    ['vector', 'string', 'scalar', 'scalar'],
    'vector',
    (args, context) => {
      const label = stringArg(args, 1);
      if (!isValidLabelName(label)) throw new PromqlExecutionError(`invalid quantile label name in histogram_quantiles(): ${label}`);
      const qs = args.slice(2).map((_, i) => scalarArg(args, i + 2));
      const histograms = classicHistograms(vectorArg(args, 0));
      const out: Vector = [];
      for (const q of qs) {
        const value = formatOpenMetricsFloat(q);
        for (const h of histograms) out.push({ labels: withLabel(dropMetricName(h.labels), label, value), t: context.t, v: bucketQuantile(q, h.buckets) });
      }
      return distinct(out);
    },
    { min: 3, max: 2 + MAX_QUANTILES },
  ),
  define('histogram_fraction', ['scalar', 'scalar', 'vector'], 'vector', (args, context) => {
    const lower = scalarArg(args, 0);
    const upper = scalarArg(args, 1);
    const out = classicHistograms(vectorArg(args, 2)).map((h) => ({ labels: dropMetricName(h.labels), t: context.t, v: bucketFraction(lower, upper, h.buckets) }));
    return distinct(out);
  }),
];

/** Every function, by name. */
export const FUNCTIONS: ReadonlyMap<string, PromqlFunction> = new Map(
  [...RANGE_FUNCTIONS, ...MATH_FUNCTIONS, ...DATE_FUNCTIONS, ...LABEL_AND_SORT_FUNCTIONS, ...HISTOGRAM_FUNCTIONS].map((f) => [f.name, f]),
);

/** The functions Prometheus 3 only accepts with `--enable-feature=promql-experimental-functions`. */
export const EXPERIMENTAL_FUNCTIONS: ReadonlySet<string> = new Set([
  'double_exponential_smoothing',
  'histogram_quantiles',
  'mad_over_time',
  'max_of',
  'min_of',
  'sort_by_label',
  'sort_by_label_desc',
  'ts_of_first_over_time',
  'ts_of_last_over_time',
  'ts_of_max_over_time',
  'ts_of_min_over_time',
]);
