import { PointsAppended } from '@strata/proto';
import { seriesKey, type Label } from '@strata/model';

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

export function encodePointsAppended(event: PointsAppended): PointLogRecord {
  const series = event.series!;
  return {
    key: recordKey(event.tenant, series.name, series.labels),
    value: Buffer.from(PointsAppended.encode(event).finish()),
  };
}

export function decodePointsAppended(value: Buffer | Uint8Array): PointsAppended {
  return PointsAppended.decode(value);
}
