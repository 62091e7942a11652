import fc from 'fast-check';
import { shareLabels } from '@strata/model';
import { batchByPartition, decodePointsAppended, encodePointsAppended, encodeSeriesRecords, recordKey } from './point-log';
import { murmur2 } from './producer';
import { countedRecordBytes } from './record-limits';

describe('point log records', () => {
  it('keys a record by tenant and canonical series identity', () => {
    expect(recordKey('acme', 'cpu', [{ name: 'z', value: '1' }, { name: 'a', value: 'x' }])).toBe('acme/cpu{a="x",z="1"}');
  });

  it("gives each record its key's murmur2, and a shared identity the same key each time, per tenant and name", () => {
    const labels = shareLabels([{ name: 'host', value: 'a' }]);
    const points = [{ timestampMs: 1, value: 1 }];
    const [first] = encodeSeriesRecords({ tenant: 't', series: { name: 'cpu', labels, points }, acceptedAtMs: 1 }, 10_000);
    const [again] = encodeSeriesRecords({ tenant: 't', series: { name: 'cpu', labels, points }, acceptedAtMs: 2 }, 10_000);
    const [otherTenant] = encodeSeriesRecords({ tenant: 'u', series: { name: 'cpu', labels, points }, acceptedAtMs: 1 }, 10_000);
    const [otherName] = encodeSeriesRecords({ tenant: 't', series: { name: 'mem', labels, points }, acceptedAtMs: 1 }, 10_000);
    expect(first.key).toBe('t/cpu{host="a"}');
    expect(again.key).toBe(first.key);
    expect([otherTenant.key, otherName.key]).toEqual(['u/cpu{host="a"}', 't/mem{host="a"}']);
    for (const record of [first, otherTenant, otherName]) expect(record.keyHash).toBe(murmur2(record.key));
    // Batching places a record by its key alone, whether or not the hash came with it.
    const bare = [first, otherTenant, otherName].map(({ key, value }) => ({ key, value }));
    const partitions = (records: typeof bare) => batchByPartition(records, 7, 1_000_000).map((r) => [r.key, r.partition]);
    expect(partitions([first, otherTenant, otherName])).toEqual(partitions(bare));
  });

  it('round-trips an event through its record value', () => {
    const event = {
      tenant: 'acme',
      series: { name: 'cpu', labels: [{ name: 'host', value: 'a' }], points: [{ timestampMs: 1_700_000_000_000, value: 0.5 }] },
      acceptedAtMs: 1_700_000_000_123,
    };
    const record = encodePointsAppended(event);
    expect(record.key).toBe('acme/cpu{host="a"}');
    expect(decodePointsAppended(record.value)).toEqual(event);
  });

  const pointArb = fc.record({
    timestampMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
    value: fc.oneof(fc.constant(0), fc.double({ noNaN: true, noDefaultInfinity: true })),
  });

  it('splits a series at point boundaries into records within the bound, same key, points in order', () => {
    fc.assert(
      fc.property(
        fc.array(pointArb, { minLength: 0, maxLength: 400 }),
        fc.array(fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 200, max: 4_000 }),
        (points, labelValues, maxRecordBytes) => {
          const labels = labelValues.map((value, i) => ({ name: `l${i}`, value }));
          const event = { tenant: 't', series: { name: 'm', labels, points }, acceptedAtMs: 1 };
          const records = encodeSeriesRecords(event, maxRecordBytes);
          expect(records.length).toBeGreaterThanOrEqual(1);
          const decoded = records.map((r) => decodePointsAppended(r.value));
          expect(new Set(records.map((r) => r.key))).toEqual(new Set([recordKey('t', 'm', labels)]));
          expect(decoded.flatMap((d) => d.series!.points)).toEqual(points.map((p) => ({ timestampMs: p.timestampMs, value: p.value === 0 ? 0 : p.value })));
          for (const [i, record] of records.entries()) {
            expect(decoded[i]).toMatchObject({ tenant: 't', acceptedAtMs: 1, series: { name: 'm', labels } });
            // Over the bound only when a single point does not fit beside the identity.
            if (countedRecordBytes(record) > maxRecordBytes) expect(decoded[i].series!.points.length).toBeLessThanOrEqual(1);
          }
          // Records are full: each but the last would overflow with the next record's first point.
          for (let i = 0; i + 1 < records.length; i++) {
            const merged = encodePointsAppended({ ...event, series: { ...event.series, points: [...decoded[i].series!.points, decoded[i + 1].series!.points[0]] } });
            expect(countedRecordBytes(merged)).toBeGreaterThan(maxRecordBytes - 8);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps a 100,000-point noisy series in records of the bound, whole and in order', () => {
    const points = Array.from({ length: 100_000 }, (_, i) => ({ timestampMs: 1_700_000_000_000 + i * 1_000, value: Math.random() * 1e9 }));
    const event = { tenant: 'acme', series: { name: 'noise', labels: [], points }, acceptedAtMs: 1 };
    expect(encodePointsAppended(event).value.length).toBeGreaterThan(1_048_588);
    const records = encodeSeriesRecords(event, 250_000);
    expect(records.length).toBeGreaterThan(7);
    expect(Math.max(...records.map((r) => countedRecordBytes(r)))).toBeLessThanOrEqual(250_000);
    expect(records.flatMap((r) => decodePointsAppended(r.value).series!.points)).toEqual(points);
  });
});
