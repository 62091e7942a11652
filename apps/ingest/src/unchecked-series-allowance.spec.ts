import { UncheckedSeriesAllowance } from './unchecked-series-allowance';

describe('UncheckedSeriesAllowance', () => {
  it('grants up to the allowance per tenant per interval, then nothing until the next interval', () => {
    const allowance = new UncheckedSeriesAllowance(10, 60_000);
    expect(allowance.take('a', 4, 0)).toBe(4);
    expect(allowance.take('a', 7, 1_000)).toBe(6); // one past: only the 6 left
    expect(allowance.take('a', 1, 59_999)).toBe(0);
    expect(allowance.take('b', 10, 59_999)).toBe(10); // another tenant has its own
    expect(allowance.take('a', 100_000, 60_000)).toBe(10);
    expect(allowance.take('a', 0, 60_001)).toBe(0);
  });

  it('with an allowance of 0 fails fully closed', () => {
    expect(new UncheckedSeriesAllowance(0, 60_000).take('a', 1, 0)).toBe(0);
  });
});
