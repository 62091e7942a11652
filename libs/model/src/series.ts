/** A label as written by clients: both parts are plain strings. */
export interface Label {
  readonly name: string;
  readonly value: string;
}

export interface Point {
  readonly timestampMs: number;
  readonly value: number;
}

/**
 * Series names: the contract in docs/api.md ("IngestService.Write").
 * `:` is in it because Prometheus's names use it (recording rules: `job:http_requests:rate5m`).
 */
export const SERIES_NAME_PATTERN = /^[a-zA-Z0-9._:-]{1,255}$/;
/** Label names: Prometheus-compatible identifiers. */
export const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Longest tenant, in bytes: tenants match [a-zA-Z0-9_-]{1,64} (runtime's ApiKeyStore), so
 * they are ASCII and contain none of the separators `#` and `/` used after them in keys.
 */
export const MAX_TENANT_BYTES = 64;

/** DynamoDB's limit on a partition key value (UTF-8 bytes); the warm tier's is `tenant#seriesKey`. */
export const DYNAMODB_PARTITION_KEY_BYTES = 2_048;

/**
 * Longest canonical series key ({@link seriesKey}) in UTF-8 bytes, the one bound on a
 * series identity that every tier can store (docs/operations.md, "Record and key limits"):
 * 2,048 (DynamoDB partition key `tenant#seriesKey`) − 64 (longest tenant) − 1 (`#`) − 63
 * kept for a future key prefix = 1,920. Every other place the key goes is larger: the Kafka
 * record key `tenant/seriesKey` (≤ 1,985 bytes, far inside a record), Redis due-set
 * members `<start>/tenant/seriesKey` and hash tags (a digest), day-index items (attribute
 * values, well inside 400 KB), cold blocks (varint lengths); S3 object names and sort keys
 * hold no series key.
 */
export const MAX_SERIES_KEY_BYTES = 1_920;

/** Labels sorted by name: the order in which they are part of a series' identity. */
export function sortLabels(labels: readonly Label[]): Label[] {
  return [...labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const NEEDS_ESCAPE = /[\\"\n]/;
const escapeValue = (value: string) => (NEEDS_ESCAPE.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value);

/**
 * Labels in canonical order: the same array when they are in it already (clients and the
 * log send them so), so that nothing is copied; a sorted copy otherwise.
 */
export function inCanonicalOrder(labels: readonly Label[]): readonly Label[] {
  for (let i = 1; i < labels.length; i++) if (labels[i - 1].name > labels[i].name) return sortLabels(labels);
  return labels;
}

/**
 * What is remembered of a shared label array ({@link shareLabels}), one entry per array,
 * each part filled in by what worked it out: the canonical key for the last name it was
 * keyed with ({@link seriesKey}), and the name and identity limits it last passed
 * validation under (validation.ts). Weak: an array no decoder holds any more takes its
 * entry with it.
 */
export interface SharedLabelFacts {
  key?: { readonly name: string; readonly key: string };
  passed?: { readonly name: string; readonly maxLabels: number; readonly maxLabelNameLength: number; readonly maxLabelValueLength: number };
}

const sharedFacts = new WeakMap<readonly Label[], SharedLabelFacts>();

/**
 * Freezes a label array and its labels for sharing between every request or record that
 * carries the same identity (the decoders' interned identities), and lets
 * {@link seriesKey} and validation remember what they worked out for it. The array is
 * returned; it must not be changed afterwards, which freezing enforces.
 */
export function shareLabels(labels: Label[]): readonly Label[] {
  for (const label of labels) Object.freeze(label);
  Object.freeze(labels);
  if (!sharedFacts.has(labels)) sharedFacts.set(labels, {});
  return labels;
}

/** Whether `labels` came from {@link shareLabels}: frozen, and safe to remember things by. */
export function isSharedLabels(labels: readonly Label[]): boolean {
  return sharedFacts.has(labels);
}

/** What is remembered of `labels`, for the model's own use; undefined when they are not shared. */
export function sharedLabelFacts(labels: readonly Label[]): SharedLabelFacts | undefined {
  return sharedFacts.get(labels);
}

/**
 * The canonical text of a series identity: `name` or `name{a="x",b="y"}` with labels
 * sorted by name and values escaped as in the Prometheus exposition format. Two writes
 * name the same series exactly when their keys are equal. Labels must already be valid
 * (unique names); see {@link parseSeriesKey} for the inverse.
 */
export function seriesKey(name: string, labels: readonly Label[]): string {
  if (labels.length === 0) return name;
  const facts = sharedFacts.get(labels);
  // The same string each time: maps keyed by it find its hash computed already.
  if (facts?.key !== undefined && facts.key.name === name) return facts.key.key;
  const sorted = inCanonicalOrder(labels);
  let key = `${name}{`;
  for (let i = 0; i < sorted.length; i++) key += `${i === 0 ? '' : ','}${sorted[i].name}="${escapeValue(sorted[i].value)}"`;
  key += '}';
  if (facts !== undefined) facts.key = { name, key };
  return key;
}

const ESCAPED = /[\\"\n]/g;

/**
 * UTF-8 bytes of `seriesKey(name, labels)`, without building it: validation refuses an
 * identity over {@link MAX_SERIES_KEY_BYTES} before any key is made. Labels must be
 * well-formed (no unpaired surrogates), as validation checks first.
 */
export function seriesKeyBytes(name: string, labels: readonly Label[]): number {
  let bytes = Buffer.byteLength(name, 'utf8');
  if (labels.length === 0) return bytes;
  // `{` `}` and a `,` between labels; `="` `"` around each value.
  bytes += 2 + (labels.length - 1);
  for (const label of labels) {
    bytes += Buffer.byteLength(label.name, 'utf8') + 3 + Buffer.byteLength(label.value, 'utf8');
    bytes += label.value.match(ESCAPED)?.length ?? 0;
  }
  return bytes;
}

const UNPAIRED_SURROGATE = /\p{Cs}/u;

/**
 * Whether text holds an unpaired UTF-16 surrogate. Such text has no UTF-8 form: every
 * tier would store U+FFFD instead, so two different label values would name one series in
 * Redis and Kafka and two in memory.
 */
export function hasUnpairedSurrogate(text: string): boolean {
  return UNPAIRED_SURROGATE.test(text);
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
