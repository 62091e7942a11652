import { decodePointsAppended, encodePointsAppended, recordKey } from './point-log';

describe('point log records', () => {
  it('keys a record by tenant and canonical series identity', () => {
    expect(recordKey('acme', 'cpu', [{ name: 'z', value: '1' }, { name: 'a', value: 'x' }])).toBe('acme/cpu{a="x",z="1"}');
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
});
