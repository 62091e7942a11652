import { labelsKey, labelValue, type Labels, type Vector } from './values';

/**
 * Quantiles as Prometheus 3 computes them: of a set of values (the `quantile` aggregation,
 * `quantile_over_time`, `mad_over_time`) and of classic histograms, whose buckets are series
 * told apart by an `le` label holding the bucket's upper bound (`histogram_quantile`,
 * `histogram_quantiles`, `histogram_fraction`). Pure functions; no input is modified.
 */

/**
 * The φ-quantile of the values, interpolating linearly between the two closest ranks:
 * NaN for no values or φ = NaN, −Inf for φ < 0, +Inf for φ > 1. NaN values rank below
 * every number, as in Prometheus.
 */
export function quantile(q: number, values: readonly number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...values].sort(nanFirstAscending);
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower] * (1 - weight) + sorted[upper] * weight;
}

function nanFirstAscending(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One bucket of a classic histogram: how many observations were ≤ `upperBound`. */
export interface Bucket {
  readonly upperBound: number;
  readonly count: number;
}

/** The buckets of one classic histogram: the series that differ only in `le`. */
export interface ClassicHistogram {
  /** The buckets' labels without `le` (the metric name is kept: it tells histograms apart). */
  readonly labels: Labels;
  readonly buckets: Bucket[];
}

/**
 * Groups bucket samples into histograms by their labels without `le`. A sample whose `le` is
 * missing or not a number (Go's float syntax, as Prometheus parses it) is left out; Prometheus
 * warns about it.
 */
export function classicHistograms(vector: Vector): ClassicHistogram[] {
  const groups = new Map<string, ClassicHistogram>();
  for (const s of vector) {
    const upperBound = parseGoFloat(labelValue(s.labels, 'le'));
    if (upperBound === undefined) continue;
    const labels = s.labels.filter((l) => l.name !== 'le');
    const key = labelsKey(labels);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { labels, buckets: [] }));
    group.buckets.push({ upperBound, count: s.v });
  }
  return [...groups.values()];
}

/**
 * Relative difference between adjacent bucket counts below which `histogram_quantile` treats
 * them as equal: float noise from summing buckets in a different order, not observations.
 */
const SMALL_DELTA_TOLERANCE = 1e-12;

/**
 * The φ-quantile of a classic histogram, assuming observations spread evenly inside each
 * bucket. The lowest bucket starts at 0 unless its upper bound is ≤ 0 (then that bound is the
 * answer); a quantile in the +Inf bucket is the second-highest upper bound. NaN when there is
 * no +Inf bucket, fewer than two buckets or no observations; −Inf/+Inf for φ below 0/above 1.
 * Counts that decrease with a rising bound (data raced across buckets) are raised to the
 * running maximum first, as Prometheus does.
 */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const buckets = sortedDistinctBuckets(input);
  if (buckets === undefined) return NaN;
  ensureMonotonic(buckets);
  if (buckets.length < 2) return NaN;
  const observations = buckets[buckets.length - 1].count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  const b = search(buckets.length - 1, (i) => buckets[i].count >= rank);
  if (b === buckets.length - 1) return buckets[buckets.length - 2].upperBound;
  if (b === 0 && buckets[0].upperBound <= 0) return buckets[0].upperBound;
  let bucketStart = 0;
  const bucketEnd = buckets[b].upperBound;
  let count = buckets[b].count;
  if (b > 0) {
    bucketStart = buckets[b - 1].upperBound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/**
 * The fraction of a classic histogram's observations between `lower` and `upper`,
 * interpolating linearly inside buckets; buckets with an infinite bound contribute only when
 * wholly inside the range. NaN without a +Inf bucket, without observations or for a NaN
 * bound; 0 when lower ≥ upper.
 */
export function bucketFraction(lower: number, upper: number, input: readonly Bucket[]): number {
  const buckets = sortedDistinctBuckets(input);
  if (buckets === undefined) return NaN;
  const count = buckets[buckets.length - 1].count;
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return NaN;
  if (lower >= upper) return 0;

  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  // Positive buckets only: the first one starts at 0; otherwise at −Inf.
  let lowerBound = buckets[0].upperBound <= 0 ? -Infinity : 0;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i];
    if (i > 0) lowerBound = buckets[i - 1].upperBound;
    const upperBound = b.upperBound;
    // Inside a bucket with an infinite bound nothing can be interpolated: it counts as all or nothing.
    const interpolate = (v: number) => (lowerBound === -Infinity ? b.count : rank + ((b.count - rank) * (v - lowerBound)) / (upperBound - lowerBound));
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interpolate(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interpolate(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = b.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}

/**
 * The buckets sorted by upper bound with equal bounds (`0.2`, `2e-1`) merged, or undefined
 * when the highest bound is not +Inf. A NaN bound has no place in the order (Prometheus's
 * result then depends on its sort's internals), so it also gives undefined.
 */
function sortedDistinctBuckets(input: readonly Bucket[]): Array<{ upperBound: number; count: number }> | undefined {
  if (input.length === 0 || input.some((b) => Number.isNaN(b.upperBound))) return undefined;
  const sorted = [...input].sort((a, b) => (a.upperBound < b.upperBound ? -1 : a.upperBound > b.upperBound ? 1 : 0));
  if (sorted[sorted.length - 1].upperBound !== Infinity) return undefined;
  const out: Array<{ upperBound: number; count: number }> = [];
  for (const b of sorted) {
    const last = out[out.length - 1];
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else out.push({ upperBound: b.upperBound, count: b.count });
  }
  return out;
}

/**
 * Makes the counts non-decreasing: a difference too small to be an observation (relative
 * SMALL_DELTA_TOLERANCE) is ignored in either direction, and a real decrease is lifted to the
 * previous count. The reference count only moves on a real increase.
 */
function ensureMonotonic(buckets: Array<{ count: number }>): void {
  let prev = buckets[0].count;
  for (let i = 1; i < buckets.length; i++) {
    const curr = buckets[i].count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE) || curr < prev) {
      buckets[i].count = prev;
      continue;
    }
    prev = curr;
  }
}

const MIN_NORMAL = 2.2250738585072014e-308;

/** Whether a and b differ by less than epsilon relative to their magnitudes (Prometheus's `almost.Equal`; two NaNs are equal). */
function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/** The smallest i in [0, n) for which pred holds, assuming it holds for a suffix; n when none (Go's sort.Search). */
function search(n: number, pred: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const DEC_DIGITS = String.raw`\d+(?:_\d+)*`;
const HEX_DIGITS = String.raw`[0-9a-fA-F]+(?:_[0-9a-fA-F]+)*`;
const DECIMAL_FLOAT = new RegExp(String.raw`^[+-]?(?:${DEC_DIGITS}(?:\.(?:${DEC_DIGITS})?)?|\.${DEC_DIGITS})(?:[eE][+-]?${DEC_DIGITS})?$`);
const HEX_FLOAT = new RegExp(String.raw`^([+-]?)0[xX](_?${HEX_DIGITS}(?:\.(?:${HEX_DIGITS})?)?|\.${HEX_DIGITS})[pP]([+-]?${DEC_DIGITS})$`);
const SPECIAL_FLOAT = /^([+-]?)(inf|infinity)$/i;

/**
 * Parses a float the way Go's strconv.ParseFloat does, which is how Prometheus reads `le`:
 * decimal or hexadecimal (with a `p` exponent) literals with `_` between digits, `Inf`,
 * `Infinity` and `NaN` in any case. No spaces; a finite literal too large for a float64 is an
 * error. Undefined when not a number.
 */
export function parseGoFloat(text: string): number | undefined {
  if (/^nan$/i.test(text)) return NaN;
  const special = SPECIAL_FLOAT.exec(text);
  if (special) return special[1] === '-' ? -Infinity : Infinity;
  let value: number;
  if (DECIMAL_FLOAT.test(text)) {
    value = Number(text.replace(/_/g, ''));
  } else {
    const hex = HEX_FLOAT.exec(text);
    if (!hex) return undefined;
    const [whole, fraction = ''] = hex[2].replace(/_/g, '').split('.');
    const mantissa = BigInt(`0x${whole || '0'}${fraction}`);
    const exponent = Number(hex[3].replace(/_/g, '')) - 4 * fraction.length;
    value = Number(mantissa) * 2 ** exponent;
    if (hex[1] === '-') value = -value;
  }
  return Number.isFinite(value) ? value : undefined;
}

/**
 * A float as OpenMetrics writes it (Go's shortest `%g`, plus `.0` when that has neither a
 * point nor an exponent): the quantile label value `histogram_quantiles` sets, e.g. `0.0`,
 * `0.25`, `1.0`, `1e-05`.
 */
export function formatOpenMetricsFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return '0.0';
  const [mantissa, exp10] = Math.abs(f).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exp10);
  const sign = f < 0 ? '-' : '';
  let text: string;
  if (exponent < -4 || exponent >= 6) {
    const abs = Math.abs(exponent);
    text = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exponent < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : abs}`;
  } else if (exponent < 0) {
    text = `0.${'0'.repeat(-exponent - 1)}${digits}`;
  } else {
    const point = exponent + 1;
    text = digits.length > point ? `${digits.slice(0, point)}.${digits.slice(point)}` : digits.padEnd(point, '0');
  }
  return /[.e]/.test(text) ? sign + text : `${sign}${text}.0`;
}
