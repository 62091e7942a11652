import type { PointsAppended } from '@strata/proto';
import { seriesKey, type Label, type Point } from '@strata/model';
import { decodePointsAppendedValue, encodePointsAppendedValue, pointMessageBytes } from './point-log-codec';
import { RECORD_OVERHEAD_BYTES } from './record-limits';

/**
 * The Kafka record key of a series: `tenant/seriesKey`. Tenants cannot contain `/`, so
 * the split is unambiguous. Keying by tenant + series puts every record of a series on
 * one partition, in order, and spreads series evenly over partitions (murmur2).
 */
export function recordKey(tenant: string, name: string, labels: readonly Label[]): string {
  return `${tenant}/${seriesKey(name, labels)}`;
}

export interface PointLogRecord {
  readonly key: string;
  readonly value: Buffer;
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
export function encodeSeriesRecords(event: AppendedEvent, maxRecordBytes: number): PointLogRecord[] {
  const series = event.series!;
  const key = recordKey(event.tenant, series.name, series.labels);
  const encode = (from: number, to: number) => encodePointsAppendedValue(event.tenant, series.name, series.labels, series.points, event.acceptedAtMs, from, to);
  const keyBytes = Buffer.byteLength(key);
  let pointBytes = 0;
  for (const point of series.points) pointBytes += encodedPointBytes(point);
  // Most series fit one record by far: an upper bound of the encoded identity (the key holds
  // the name and every label's name and value; each string field adds at most a tag and a
  // 5-byte length; the tenant and acceptedAtMs a few more) settles it without encoding twice.
  const identityBound = keyBytes + Buffer.byteLength(event.tenant) + 12 * (series.labels.length + 3);
  if (RECORD_OVERHEAD_BYTES + keyBytes + identityBound + pointBytes + 8 <= maxRecordBytes) {
    return [{ key, value: encode(0, series.points.length) }];
  }
  const empty = encode(0, 0).length;
  // 8 bytes for the growth of the series field's length varint as points are added.
  const fixed = RECORD_OVERHEAD_BYTES + keyBytes + empty + 8;
  const records: PointLogRecord[] = [];
  let from = 0;
  let bytes = fixed;
  for (let i = 0; i < series.points.length; i++) {
    const add = encodedPointBytes(series.points[i]);
    if (i > from && bytes + add > maxRecordBytes) {
      records.push({ key, value: encode(from, i) });
      from = i;
      bytes = fixed;
    }
    bytes += add;
  }
  if (from < series.points.length || records.length === 0) records.push({ key, value: encode(from, series.points.length) });
  return records;
}

export function decodePointsAppended(value: Buffer | Uint8Array): PointsAppended {
  return decodePointsAppendedValue(value);
}
