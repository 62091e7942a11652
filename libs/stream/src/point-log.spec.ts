import fc from 'fast-check';
import { shareLabels } from '@strata/model';
import { batchByPartition, decodePointsAppended, decodeRecordEvents, encodePointsAppended, encodeSeriesRecords, LOG_PACKED_MAX_POINTS, LOG_PACKED_MIN_POINTS, recordKey } from './point-log';
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

  it('packs a series of 8 or more points in time order into one chunk, the same points decoded, and lists any other as points', () => {
    const labels = [{ name: 'host', value: 'a' }];
    const minute = 60_000;
    const base = 1_700_000_000_000;
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.constant(-0), fc.double({ noNaN: true }), fc.integer({ min: -1e5, max: 1e5 }).map((n) => n / 100)), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 3 * minute }), { minLength: 40, maxLength: 40 }),
        fc.boolean(),
        (values, gaps, shuffle) => {
          let t = base;
          const points = values.map((value, i) => ({ timestampMs: (t += gaps[i]), value }));
          // A repeated timestamp (its last value must win) or one out of order: never packed.
          if (shuffle && points.length > 1) points[points.length - 1] = { ...points[points.length - 1], timestampMs: points[0].timestampMs };
          const event = { tenant: 't', series: { name: 'm', labels, points }, acceptedAtMs: 1 };
          const records = encodeSeriesRecords(event, 100_000, { packed: true });
          expect(records).toHaveLength(1);
          const expectedPoints = points.map((p) => ({ timestampMs: p.timestampMs, value: p.value === 0 ? 0 : p.value }));
          expect(decodePointsAppended(records[0].value)).toEqual({ ...event, series: { ...event.series, points: expectedPoints } });
          const kept = decodeRecordEvents(records[0].value, false)[0];
          const packable = !(shuffle && points.length > 1) && points.length >= LOG_PACKED_MIN_POINTS;
          expect(kept.packed !== undefined).toBe(packable);
          if (packable) {
            expect(kept.packed).toMatchObject({ count: points.length, firstMs: points[0].timestampMs, lastMs: points[points.length - 1].timestampMs });
          } else {
            expect(records[0].value.equals(encodeSeriesRecords(event, 100_000)[0].value)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lists the points of a series whose packed record would not fit the bound, split as without packing', () => {
    const points = Array.from({ length: 2_000 }, (_, i) => ({ timestampMs: 1_700_000_000_000 + i * 1_000, value: Math.sin(i) * 1e6 }));
    const event = { tenant: 't', series: { name: 'noise', labels: [], points }, acceptedAtMs: 1 };
    // A 2-decimal gauge of 8 one-minute points: 6 bytes of chunk a point against 19 listed.
    const gauge = { ...event, series: { ...event.series, points: points.slice(0, 8).map((p, i) => ({ timestampMs: p.timestampMs * 60, value: 40 + i / 100 })) } };
    const listed = encodeSeriesRecords(gauge, 8_000)[0].value.length;
    expect(encodeSeriesRecords(gauge, 8_000, { packed: true })[0].value.length).toBeLessThan(listed - 8 * 12);
    const packed = encodeSeriesRecords(event, 8_000, { packed: true });
    expect(packed.length).toBeGreaterThan(1);
    expect(packed.map((r) => r.value)).toEqual(encodeSeriesRecords(event, 8_000).map((r) => r.value));
    // At the limit packed, one past it listed.
    const run = (n: number) => Array.from({ length: n }, (_, i) => ({ timestampMs: 1_700_000_000_000 + i * 1_000, value: 1 }));
    const [atLimit] = encodeSeriesRecords({ ...event, series: { ...event.series, points: run(LOG_PACKED_MAX_POINTS) } }, 10_000_000, { packed: true });
    expect(decodeRecordEvents(atLimit.value, false)[0].packed?.count).toBe(LOG_PACKED_MAX_POINTS);
    const [record] = encodeSeriesRecords({ ...event, series: { ...event.series, points: run(LOG_PACKED_MAX_POINTS + 1) } }, 10_000_000, { packed: true });
    expect(decodeRecordEvents(record.value, false)[0].packed).toBeUndefined();
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
