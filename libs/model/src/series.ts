/** A label as written by clients: both parts are plain strings. */
export interface Label {
  readonly name: string;
  readonly value: string;
}

export interface Point {
  readonly timestampMs: number;
  readonly value: number;
}

/** Series names: the contract in ARCHITECTURE.md ("Validation"). */
export const SERIES_NAME_PATTERN = /^[a-zA-Z0-9._-]{1,255}$/;
/** Label names: Prometheus-compatible identifiers. */
export const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Labels sorted by name: the order in which they are part of a series' identity. */
export function sortLabels(labels: readonly Label[]): Label[] {
  return [...labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const escapeValue = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * The canonical text of a series identity: `name` or `name{a="x",b="y"}` with labels
 * sorted by name and values escaped as in the Prometheus exposition format. Two writes
 * name the same series exactly when their keys are equal. Labels must already be valid
 * (unique names); see {@link parseSeriesKey} for the inverse.
 */
export function seriesKey(name: string, labels: readonly Label[]): string {
  if (labels.length === 0) return name;
  const sorted = sortLabels(labels);
  return `${name}{${sorted.map((l) => `${l.name}="${escapeValue(l.value)}"`).join(',')}}`;
}

/** Inverse of {@link seriesKey}; throws on text it could not have produced. */
export function parseSeriesKey(key: string): { name: string; labels: Label[] } {
  const brace = key.indexOf('{');
  if (brace < 0) return { name: key, labels: [] };
  if (!key.endsWith('}')) throw new Error(`malformed series key: ${JSON.stringify(key)}`);
  const name = key.slice(0, brace);
  const labels: Label[] = [];
  let i = brace + 1;
  while (i < key.length - 1) {
    const eq = key.indexOf('=', i);
    if (eq < 0 || key[eq + 1] !== '"') throw new Error(`malformed series key: ${JSON.stringify(key)}`);
    const labelName = key.slice(i, eq);
    let value = '';
    let j = eq + 2;
    for (; j < key.length - 1 && key[j] !== '"'; j++) {
      if (key[j] === '\\') {
        j++;
        value += key[j] === 'n' ? '\n' : key[j];
      } else {
        value += key[j];
      }
    }
    if (key[j] !== '"') throw new Error(`malformed series key: ${JSON.stringify(key)}`);
    labels.push({ name: labelName, value });
    i = j + 1;
    if (key[i] === ',') i++;
  }
  return { name, labels };
}
