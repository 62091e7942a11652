import { isSharedLabels, seriesKey, type Label, type Point } from '@strata/model';
import { encodeChunk } from '@strata/storage/codec';
import { batchEntryBytes, decodeBatchValue, decodePointsAppendedValue, encodeBatchValue, encodePointsAppendedValue, pointMessageBytes, type LogEvent } from './point-log-codec';
import { murmur2 } from './producer';
import { countedRecordBytes, RECORD_OVERHEAD_BYTES } from './record-limits';

/**
 * The Kafka record key of a series: `tenant/seriesKey`. Tenants cannot contain `/`, so
 * the split is unambiguous. Keying by tenant + series puts every record of a series on
 * one partition, in order, and spreads series evenly over partitions (murmur2).
 */
export function recordKey(tenant: string, name: string, labels: readonly Label[]): string {
  const known = knownRecordKey(tenant, name, labels);
  if (known) return known.key;
  return isSharedLabels(labels) ? recordKeyOf(tenant, name, labels).key : `${tenant}/${seriesKey(name, labels)}`;
}

/** A record key with what encoding and batching need of it. */
interface KnownRecordKey {
  readonly tenant: string;
  readonly name: string;
  readonly key: string;
  /** UTF-8 bytes of `key`. */
  readonly keyBytes: number;
  /** murmur2 of `key`: its partition, whatever the partition count. */
  readonly keyHash: number;
}

/**
 * Record keys of shared label arrays (shareLabels in the model: a decoder's interned
 * identities), for the tenant and name last written with them: a series written in request
 * after request (or read in record after record) gets its key, its length and its hash
 * once, and the same key string each time, whose hash every map keyed by it knows.
 */
const sharedRecordKeys = new WeakMap<readonly Label[], KnownRecordKey>();

/** The remembered record key of a shared identity under this tenant and name, if any: one lookup. */
function knownRecordKey(tenant: string, name: string, labels: readonly Label[]): KnownRecordKey | undefined {
  const known = sharedRecordKeys.get(labels);
  return known !== undefined && known.tenant === tenant && known.name === name ? known : undefined;
}

function recordKeyOf(tenant: string, name: string, labels: readonly Label[]): KnownRecordKey {
  const remembered = knownRecordKey(tenant, name, labels);
  if (remembered) return remembered;
  const key = `${tenant}/${seriesKey(name, labels)}`;
  const known = { tenant, name, key, keyBytes: Buffer.byteLength(key), keyHash: murmur2(key) };
  if (isSharedLabels(labels)) sharedRecordKeys.set(labels, known);
  return known;
}

export interface PointLogRecord {
  readonly key: string;
  readonly value: Buffer;
  /** murmur2 of `key`, when the encoder worked it out already: batching uses it rather than hashing the key again. */
  readonly keyHash?: number;
  /** The partition it goes to; without one, its key chooses (murmur2, as the Java client does). */
  readonly partition?: number;
  /** Headers of its own: a batch record's marker ({@link BATCH_RECORD_HEADERS}). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The header that marks a record whose value is a PointsAppendedBatch (several series). */
export const BATCH_RECORD_HEADER = 'strata-record';
export const BATCH_RECORD_HEADERS: Readonly<Record<string, string>> = Object.freeze({ [BATCH_RECORD_HEADER]: 'batch' });

/** Whether a consumed record's headers mark it a batch record (kafkajs hands header values over as Buffers). */
export function isBatchRecord(headers: Readonly<Record<string, unknown>> | undefined): boolean {
  const value = headers?.[BATCH_RECORD_HEADER];
  return value !== undefined && String(value) === BATCH_RECORD_HEADERS[BATCH_RECORD_HEADER];
}

interface OpenBatch {
  readonly partition: number;
  readonly members: PointLogRecord[];
  readonly keys: Set<string>;
  bytes: number;
}

/**
 * The records of one append as one record per partition where they fit, instead of one per
 * series (docs/write-path.md, "Batch records"). Each series still goes to the partition its
 * own key chooses (murmur2 of `tenant/seriesKey` modulo `partitionCount`, what the Java
 * client and the keyed records before picked), and every output record names it, so its
 * records keep their order. A batch stays within `maxRecordBytes` counted bytes, and never
 * holds two records of one key: the writer stores a series' points with their record's
 * offset, which two events of one record would share. A partition with a single record
 * keeps it as it was. Records already over the bound (none are, from encodeSeriesRecords)
 * go alone.
 */
export function batchByPartition(records: readonly PointLogRecord[], partitionCount: number, maxRecordBytes: number): PointLogRecord[] {
  const open: Array<OpenBatch | undefined> = new Array(partitionCount);
  const out: PointLogRecord[] = [];
  const close = (batch: OpenBatch) => {
    const { members, partition } = batch;
    if (members.length === 1) out.push({ ...members[0], partition });
    else out.push({ key: members[0].key, value: encodeBatchValue(members.map((m) => m.value)), partition, headers: BATCH_RECORD_HEADERS });
  };
  for (const record of records) {
    const partition = ((record.keyHash ?? murmur2(record.key)) & 0x7fffffff) % partitionCount;
    const entry = batchEntryBytes(record.value.length);
    let batch = open[partition];
    if (batch && (batch.keys.has(record.key) || batch.bytes + entry > maxRecordBytes)) {
      close(batch);
      batch = undefined;
    }
    if (!batch) {
      batch = { partition, members: [], keys: new Set(), bytes: countedRecordBytes({ key: record.key, value: Buffer.alloc(0), headers: BATCH_RECORD_HEADERS }) };
      open[partition] = batch;
    }
    batch.members.push(record);
    batch.keys.add(record.key);
    batch.bytes += entry;
  }
  for (const batch of open) if (batch) close(batch);
  return out;
}

/** A PointsAppended to encode, read-only: encoding copies nothing out of the caller's arrays. */
export interface AppendedEvent {
  readonly tenant: string;
  readonly series?: { readonly name: string; readonly labels: readonly Label[]; readonly points: readonly Point[] };
  readonly acceptedAtMs: number;
}

/** One record of a whole event, however large; see {@link encodeSeriesRecords} to split it. */
export function encodePointsAppended(event: AppendedEvent): PointLogRecord {
  const series = event.series!;
  return {
    key: recordKey(event.tenant, series.name, series.labels),
    value: encodePointsAppendedValue(event.tenant, series.name, series.labels, series.points, event.acceptedAtMs),
  };
}

/** Bytes a point adds to an encoded PointsAppended: its field tag and length, then the Point. */
export function encodedPointBytes(point: Point): number {
  // The series field's length prefix grows by at most a few bytes more; the caller's margin covers it.
  return 2 + pointMessageBytes(point);
}

/**
 * An event as records of at most `maxRecordBytes` counted bytes each (key, value and
 * framing; record-limits.ts): the series' points in their order, split at point
 * boundaries, every record with the same key, so they land on one partition and the
 * writer applies them in the order written (a repeated timestamp keeps its last value).
 * A record holds at least one point, so a record may exceed the bound only if one point
 * of this identity does; the producer refuses such a record.
 */
export function encodeSeriesRecords(event: AppendedEvent, maxRecordBytes: number, options: { readonly packed?: boolean } = {}): PointLogRecord[] {
  const series = event.series!;
  const { key, keyBytes, keyHash } = recordKeyOf(event.tenant, series.name, series.labels);
  if (options.packed) {
    const chunk = packedChunk(series.points);
    const value = chunk && encodePointsAppendedValue(event.tenant, series.name, series.labels, series.points, event.acceptedAtMs, 0, 0, chunk);
    if (value && RECORD_OVERHEAD_BYTES + keyBytes + value.length <= maxRecordBytes) return [{ key, value, keyHash }];
  }
  const encode = (from: number, to: number): PointLogRecord => ({
    key,
    value: encodePointsAppendedValue(event.tenant, series.name, series.labels, series.points, event.acceptedAtMs, from, to),
    keyHash,
  });
  let pointBytes = 0;
  for (const point of series.points) pointBytes += encodedPointBytes(point);
  // Most series fit one record by far: an upper bound of the encoded identity (the key holds
  // the name and every label's name and value; each string field adds at most a tag and a
  // 5-byte length; the tenant and acceptedAtMs a few more) settles it without encoding twice.
  const identityBound = keyBytes + Buffer.byteLength(event.tenant) + 12 * (series.labels.length + 3);
  if (RECORD_OVERHEAD_BYTES + keyBytes + identityBound + pointBytes + 8 <= maxRecordBytes) {
    return [encode(0, series.points.length)];
  }
  const empty = encode(0, 0).value.length;
  // 8 bytes for the growth of the series field's length varint as points are added.
  const fixed = RECORD_OVERHEAD_BYTES + keyBytes + empty + 8;
  const records: PointLogRecord[] = [];
  let from = 0;
  let bytes = fixed;
  for (let i = 0; i < series.points.length; i++) {
    const add = encodedPointBytes(series.points[i]);
    if (i > from && bytes + add > maxRecordBytes) {
      records.push(encode(from, i));
      from = i;
      bytes = fixed;
    }
    bytes += add;
  }
  if (from < series.points.length || records.length === 0) records.push(encode(from, series.points.length));
  return records;
}

/** Points a series must bring, in time order, for its record to be packed (as many as a hot-tier packed field takes). */
export const LOG_PACKED_MIN_POINTS = 8;

/**
 * Points beyond which a series' record is not packed: a chunk is encoded whole before its
 * size is known, and a series this long (a backfill) may need splitting over records.
 */
export const LOG_PACKED_MAX_POINTS = 8_192;

/** Scratch columns for packing, grown as needed: a record's chunk is the only allocation. */
let packTimestamps = new Float64Array(LOG_PACKED_MAX_POINTS);
let packValues = new Float64Array(LOG_PACKED_MAX_POINTS);

/**
 * A series' points as one chunk (the `packedPoints` of a packed record), or undefined where
 * they do not make one: fewer than LOG_PACKED_MIN_POINTS or more than LOG_PACKED_MAX_POINTS,
 * or timestamps not strictly increasing (a repeated timestamp's last value must win, which
 * only points in record order say). -0 is stored as 0, as the points field stores it.
 */
function packedChunk(points: readonly Point[]): Uint8Array | undefined {
  const n = points.length;
  if (n < LOG_PACKED_MIN_POINTS || n > LOG_PACKED_MAX_POINTS) return undefined;
  if (packTimestamps.length < n) {
    packTimestamps = new Float64Array(n);
    packValues = new Float64Array(n);
  }
  let previous = -Infinity;
  for (let i = 0; i < n; i++) {
    const { timestampMs, value } = points[i];
    if (!(timestampMs > previous) || !Number.isSafeInteger(timestampMs)) return undefined;
    previous = timestampMs;
    packTimestamps[i] = timestampMs;
    packValues[i] = value === 0 ? 0 : value;
  }
  return encodeChunk({ timestamps: packTimestamps.subarray(0, n), values: packValues.subarray(0, n) });
}

/** A record's value decoded, a packed chunk's points included. */
export function decodePointsAppended(value: Buffer | Uint8Array): LogEvent {
  return decodePointsAppendedValue(value);
}

/**
 * The events of a consumed record: one, or a batch record's several, in order, packed
 * chunks checked and kept as they are (LogEvent.packed). Throws WireError for bytes that are
 * neither.
 */
export function decodeRecordEvents(value: Buffer | Uint8Array, batch: boolean): LogEvent[] {
  return batch ? decodeBatchValue(value, true) : [decodePointsAppendedValue(value, true)];
}
