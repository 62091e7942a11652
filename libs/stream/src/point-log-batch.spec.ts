import fc from 'fast-check';
import { WireError } from '@strata/runtime';
import { batchByPartition, BATCH_RECORD_HEADERS, decodeRecordEvents, encodePointsAppended, isBatchRecord, type PointLogRecord } from './point-log';
import { partitionForKey } from './producer';
import { countedRecordBytes } from './record-limits';

const recordOf = (tenant: string, name: string, host: string, points: number, t0 = 1_700_000_000_000) =>
  encodePointsAppended({
    tenant,
    series: { name, labels: [{ name: 'host', value: host }], points: Array.from({ length: points }, (_, i) => ({ timestampMs: t0 + i * 60_000, value: i + 0.25 })) },
    acceptedAtMs: t0,
  });

/** Every event of the output records, with the record it came from. */
function unpack(records: readonly PointLogRecord[]) {
  return records.flatMap((record, i) =>
    decodeRecordEvents(record.value, isBatchRecord(record.headers)).map((event) => ({ record: i, partition: record.partition, event })),
  );
}

describe('batch records', () => {
  it('puts the series of one append that choose the same partition into one record, each on its own key\'s partition', () => {
    const records = Array.from({ length: 200 }, (_, i) => recordOf('acme', 'cpu', `h${i}`, 8));
    const batched = batchByPartition(records, 4, 256 * 1024);
    expect(batched).toHaveLength(4);
    expect(batched.every((r) => isBatchRecord(r.headers))).toBe(true);
    const events = unpack(batched);
    expect(events.map((e) => e.event)).toHaveLength(200);
    for (const { partition, event } of events) {
      const key = `acme/cpu{host="${event.series!.labels[0].value}"}`;
      expect(partition).toBe(partitionForKey(key, 4));
    }
    // Nothing lost or changed: the same events as the records one by one, in order per partition.
    const original = records.map((r) => decodeRecordEvents(r.value, false)[0]);
    expect(events.map((e) => e.event).sort((a, b) => a.series!.labels[0].value.localeCompare(b.series!.labels[0].value))).toEqual(
      [...original].sort((a, b) => a.series!.labels[0].value.localeCompare(b.series!.labels[0].value)),
    );
  });

  it('keeps a partition with one series as a plain record, naming its partition', () => {
    const record = recordOf('acme', 'cpu', 'only', 3);
    const [out] = batchByPartition([record], 8, 256 * 1024);
    expect(out).toEqual({ ...record, partition: partitionForKey(record.key, 8) });
    expect(isBatchRecord(out.headers)).toBe(false);
  });

  it('never puts two records of one series into one batch, and keeps their order', () => {
    // One partition, so everything would share a record if it could.
    const a1 = recordOf('acme', 'cpu', 'a', 2, 1_000);
    const b = recordOf('acme', 'cpu', 'b', 2);
    const a2 = recordOf('acme', 'cpu', 'a', 2, 9_000_000);
    const batched = batchByPartition([a1, b, a2], 1, 256 * 1024);
    expect(batched).toHaveLength(2);
    const events = unpack(batched);
    const ofA = events.filter((e) => e.event.series!.labels[0].value === 'a');
    expect(ofA.map((e) => e.record)).toEqual([0, 1]);
    expect(ofA.map((e) => e.event.series!.points[0].timestampMs)).toEqual([1_000, 9_000_000]);
  });

  it('keeps each batch record within the record bound, whatever the sizes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ host: fc.integer({ min: 0, max: 40 }), points: fc.integer({ min: 1, max: 60 }) }), { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 2_000, max: 20_000 }),
        (series, partitions, maxRecordBytes) => {
          const records = series.map(({ host, points }) => recordOf('t', 'm', `h${host}`, points));
          const batched = batchByPartition(records, partitions, maxRecordBytes);
          for (const record of batched) {
            expect(record.partition).toBeGreaterThanOrEqual(0);
            expect(record.partition).toBeLessThan(partitions);
            if (isBatchRecord(record.headers)) expect(countedRecordBytes(record)).toBeLessThanOrEqual(maxRecordBytes);
            const keys = decodeRecordEvents(record.value, isBatchRecord(record.headers)).map((e) => e.series!.labels[0].value);
            expect(new Set(keys).size).toBe(keys.length);
          }
          // Per series, its records' points arrive in the order they were given.
          const byHost = new Map<string, number[]>();
          for (const { event } of unpack(batched)) {
            const host = event.series!.labels[0].value;
            byHost.set(host, [...(byHost.get(host) ?? []), event.series!.points.length]);
          }
          for (const [host, lengths] of byHost) {
            expect(lengths).toEqual(series.filter((s) => `h${s.host}` === host).map((s) => s.points));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a corrupt or truncated batch value with WireError', () => {
    const records = Array.from({ length: 20 }, (_, i) => recordOf('acme', 'cpu', `h${i}`, 4));
    const [batch] = batchByPartition(records, 1, 256 * 1024);
    expect(batch.headers).toEqual(BATCH_RECORD_HEADERS);
    expect(() => decodeRecordEvents(batch.value.subarray(0, batch.value.length - 3), true)).toThrow(WireError);
    const corrupt = Buffer.from(batch.value);
    corrupt[1] = 0xff; // the first event's length now runs past the end
    expect(() => decodeRecordEvents(corrupt, true)).toThrow(WireError);
  });

  it('tells a batch record by its header, whether a string or the Buffer a consumer gets', () => {
    expect(isBatchRecord({ 'strata-record': 'batch' })).toBe(true);
    expect(isBatchRecord({ 'strata-record': Buffer.from('batch') })).toBe(true);
    expect(isBatchRecord({ traceparent: Buffer.from('00-x') })).toBe(false);
    expect(isBatchRecord(undefined)).toBe(false);
  });
});
