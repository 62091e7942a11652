import { AckLedger } from './ack-ledger';

const cpu = (points: Array<[number, number]>, host = 'a') => ({
  name: 'cpu',
  labels: [{ name: 'host', value: host }],
  points: points.map(([timestampMs, value]) => ({ timestampMs, value })),
});

describe('AckLedger', () => {
  it('keeps the last acknowledged value of each point, keyed by the canonical series key', () => {
    const ledger = new AckLedger();
    ledger.recordAnswer('t1', { series: [cpu([[1000, 1], [2000, 2]])] }, { accepted: 2, rejections: [] });
    ledger.recordAnswer('t1', { series: [cpu([[1000, 10], [1000, 11]])] }, { accepted: 2, rejections: [] });
    const [series] = ledger.allSeries();
    expect(series.seriesKey).toBe('cpu{host="a"}');
    expect(series.points.get(1000)).toEqual({ acknowledged: 11, unconfirmed: [] });
    expect(series.points.get(2000)).toEqual({ acknowledged: 2, unconfirmed: [] });
    expect(ledger.acknowledgedPoints).toBe(2);
    expect(ledger.acknowledgedPointWrites).toBe(4);
  });

  it('leaves out refused series and refused points', () => {
    const ledger = new AckLedger();
    ledger.recordAnswer(
      't1',
      { series: [cpu([[1000, 1], [2000, NaN]]), cpu([[1000, 5]], 'b')] },
      {
        accepted: 1,
        rejections: [
          { seriesIndex: 0, pointIndex: 1, code: 'NON_FINITE_VALUE', message: '' },
          { seriesIndex: 1, pointIndex: -1, code: 'INVALID_LABEL_VALUE', message: '' },
        ],
      },
    );
    expect(ledger.allSeries().map((s) => [s.seriesKey, [...s.points.keys()]])).toEqual([['cpu{host="a"}', [1000]]]);
  });

  it('remembers the values of failed writes as possible, until an acknowledgement settles the point', () => {
    const ledger = new AckLedger();
    ledger.recordAnswer('t1', { series: [cpu([[1000, 1]])] }, { accepted: 1, rejections: [] });
    ledger.recordFailure('t1', { series: [cpu([[1000, 2], [3000, 3]])] });
    const points = ledger.allSeries()[0].points;
    expect(points.get(1000)).toEqual({ acknowledged: 1, unconfirmed: [2] });
    expect(points.get(3000)).toEqual({ unconfirmed: [3] });
    expect(ledger.acknowledgedPoints).toBe(1);
    ledger.recordAnswer('t1', { series: [cpu([[1000, 4]])] }, { accepted: 1, rejections: [] });
    expect(points.get(1000)).toEqual({ acknowledged: 4, unconfirmed: [] });
  });
});
