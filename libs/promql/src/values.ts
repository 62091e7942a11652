/**
 * The values PromQL computes with, as Prometheus defines them: instant vectors (one sample
 * per series, at the evaluation time), range vectors (a series' samples in a window),
 * scalars and strings. Times are milliseconds since the epoch; values are float64.
 */

export interface Label {
  readonly name: string;
  readonly value: string;
}

/** A label set, sorted by name, without empty values; the metric name is the label `__name__`. */
export type Labels = readonly Label[];

/** One element of an instant vector: a series' labels and its value at `t` (the evaluation time). */
export interface Sample {
  readonly labels: Labels;
  readonly t: number;
  readonly v: number;
}

export type Vector = Sample[];

/** One element of a range vector: a series' samples in a window, ascending in time. */
export interface Series {
  readonly labels: Labels;
  readonly t: readonly number[];
  readonly v: readonly number[];
}

export type Matrix = Series[];

export type ValueType = 'vector' | 'matrix' | 'scalar' | 'string';

export const METRIC_NAME = '__name__';

/** The labels without `__name__` (what most functions and arithmetic return). */
// Label sets are immutable: what is derived from one is computed once per set, not once
// per step (a range query evaluates the same series at every step).
const withoutName = new WeakMap<Labels, Labels>();
const keys = new WeakMap<Labels, string>();

export function dropMetricName(labels: Labels): Labels {
  let out = withoutName.get(labels);
  if (out === undefined) {
    out = labels.some((l) => l.name === METRIC_NAME) ? labels.filter((l) => l.name !== METRIC_NAME) : labels;
    withoutName.set(labels, out);
  }
  return out;
}

/** The value of a label, or "" when the set has none. */
export function labelValue(labels: Labels, name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return '';
}

/** A label set with `name` set to `value` (removed when `value` is ""), still sorted. */
export function withLabel(labels: Labels, name: string, value: string): Labels {
  const out = labels.filter((l) => l.name !== name);
  if (value === '') return out;
  out.push({ name, value });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A stable text key of a label set, for maps (names and values cannot contain "\xff"). */
export function labelsKey(labels: Labels): string {
  let key = keys.get(labels);
  if (key === undefined) {
    key = '';
    for (const l of labels) key += `${l.name}\xff${l.value}\xff`;
    keys.set(labels, key);
  }
  return key;
}

/** Builds a sorted label set from name → value pairs, leaving out empty values. */
export function labelsOf(pairs: Record<string, string>): Labels {
  return Object.entries(pairs)
    .filter(([, value]) => value !== '')
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Prometheus's formatting of a label set in messages: `{__name__="up", job="x"}`. */
export function formatLabels(labels: Labels): string {
  return `{${labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ')}}`;
}
