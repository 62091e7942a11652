import { ampBill } from './amp-bill';
import type { Load } from './load';
import { PriceBook } from './prices';

const prices = new PriceBook('amp.json', {
  name: 'amp',
  region: 'test',
  currency: 'USD',
  written: '2026-01-01',
    checked: null,
  howChecked: 'made up for specs',
  hoursPerMonth: 730,
  prices: {
    'amp.ingest': { unit: '10 million samples', page: 'p', tiers: [{ upTo: 200, price: 0.9, label: 'first 2 billion' }, { upTo: 25_200, price: 0.35, label: 'next 250 billion' }, { price: 0.16, label: 'over 252 billion' }] },
    'amp.storage': { unit: 'GB-month', price: 0.03, page: 'p' },
    'amp.query': { unit: 'billion samples', price: 0.1, page: 'p' },
  },
  assumptions: { 'amp.bytesPerSampleStored': { value: 1.5, unit: 'bytes/sample', source: 'spec' } },
});
const load: Load = { series: 1_000_000, intervalSeconds: 60, retentionDays: 460, churnPerDay: 0, queriesPerSecond: 10, seriesPerQuery: 20, queryRangeHours: 6, queryWarmShare: 0, queryColdShare: 0 };

describe('the AMP bill, worked by hand', () => {
  const bill = ampBill(load, prices);
  const cost = (item: string) => bill.lines.find((l) => l.item.startsWith(item))!.cost;

  it('prices 1M series at 60 s over the ingest tiers', () => {
    // 1e6 / 60 x 2,628,000 s = 43.8 billion samples = 4,380 units of 10 million:
    // 200 at $0.90 and 4,180 at $0.35.
    expect(cost('samples ingested, first 2 billion')).toBeCloseTo(180, 9);
    expect(cost('samples ingested, next 250 billion')).toBeCloseTo(1_463, 9);
    expect(bill.lines.some((l) => l.item.includes('over 252 billion'))).toBe(false);
  });

  it('reaches the third tier past 252 billion samples a month', () => {
    // 10M series: 438 billion samples = 43,800 units: 200 x 0.9 + 25,000 x 0.35 + 18,600 x 0.16.
    const big = ampBill({ ...load, series: 10_000_000 }, prices);
    expect(big.lines.filter((l) => l.item.startsWith('samples ingested')).reduce((s, l) => s + l.cost, 0)).toBeCloseTo(180 + 8_750 + 2_976, 6);
  });

  it('stores the full retention at the assumed bytes per sample', () => {
    // 1e6 x 460 d x 1,440 = 662.4 billion samples x 1.5 B / 2^30 x $0.03.
    expect(cost('storage')).toBeCloseTo((662.4e9 * 1.5 * 0.03) / 2 ** 30, 9);
  });

  it('prices query samples but leaves them out of the goal', () => {
    // 10/s x 20 series x 360 samples x 2,628,000 s = 189.216 billion.
    const query = bill.lines.find((l) => l.item === 'query samples processed')!;
    expect(query.cost).toBeCloseTo(18.9216, 9);
    expect(query.inGoal).toBe(false);
  });
});
