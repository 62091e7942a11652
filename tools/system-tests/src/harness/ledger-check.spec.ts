import type { LedgerSeries, PointFate } from './ack-ledger';
import { checkAgainstLedger, describeCheck } from './ledger-check';

const series = (points: Array<[number, PointFate]>): LedgerSeries => ({ tenant: 't', seriesKey: 'cpu', points: new Map(points) });
const stored = (points: Array<[number, number]>, id = 't/cpu') => new Map([[id, { points: new Map(points) }]]);

describe('checkAgainstLedger', () => {
  it.each([
    ['the last acknowledged value', [[1, 5]], true],
    ['a later unconfirmed value', [[1, 6]], true],
    ['an older, overwritten value', [[1, 4]], false],
    ['nothing', [], false],
  ] as Array<[string, Array<[number, number]>, boolean]>)('an acknowledged point stored with %s passes: %s', (_, points, ok) => {
    const check = checkAgainstLedger([series([[1, { acknowledged: 5, unconfirmed: [6] }]])], stored(points));
    expect(check.ok).toBe(ok);
    expect(check.checked).toBe(1);
  });

  it('accepts a point whose only write failed being absent or present, but nothing nobody wrote', () => {
    const ledger = [series([[1, { unconfirmed: [7] }]])];
    expect(checkAgainstLedger(ledger, stored([])).ok).toBe(true);
    expect(checkAgainstLedger(ledger, stored([[1, 7]])).ok).toBe(true);
    const check = checkAgainstLedger(ledger, new Map([...stored([[1, 7], [2, 8]]), ...stored([[1, 1]], 't/other')]));
    expect(check.extra).toEqual(['t/cpu @ 2 = 8', 't/other @ 1 = 1']);
  });

  it('tells what is wrong, point by point', () => {
    const check = checkAgainstLedger(
      [series([[1, { acknowledged: 5, unconfirmed: [] }], [2, { acknowledged: 6, unconfirmed: [] }]])],
      new Map([['t/cpu', { points: new Map([[2, 7]]), anomalies: ['dynamodb: timestamp 2 twice'] }]]),
    );
    expect(describeCheck(check)).toBe(
      [
        '1 missing:',
        '  t/cpu @ 1 (acknowledged 5)',
        '1 with a wrong value:',
        '  t/cpu @ 2: stored 7, acknowledged 6',
        '1 anomalies:',
        '  t/cpu: dynamodb: timestamp 2 twice',
      ].join('\n'),
    );
  });

  it('compares -0 and 0 bit-exactly', () => {
    expect(checkAgainstLedger([series([[1, { acknowledged: -0, unconfirmed: [] }]])], stored([[1, 0]])).ok).toBe(false);
  });
});
