import { TenantRate } from './tenant-rate';

describe('TenantRate', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000_000));

  it('lets a tenant spend its burst, then makes it wait until the rate has paid its debt back', () => {
    const rate = new TenantRate(1_000, clock);
    rate.charge('a', 1_000);
    expect(rate.waitMs('a')).toBe(0); // at zero, not in debt
    rate.charge('a', 2_000);
    expect(rate.debt('a')).toBe(2_000);
    expect(rate.waitMs('a')).toBe(2_000);
    now += 1_500;
    expect(rate.waitMs('a')).toBe(500);
    now += 500;
    expect(rate.waitMs('a')).toBe(0);
    expect(rate.debt('a')).toBe(0);
  });

  it('keeps tenants apart and refills no further than the burst', () => {
    const rate = new TenantRate(100, clock, { burst: 500 });
    rate.charge('a', 900);
    expect(rate.waitMs('a')).toBe(4_000);
    expect(rate.waitMs('b')).toBe(0);
    now += 3_600_000;
    rate.charge('a', 600); // a full bucket holds 500, not an hour of the rate
    expect(rate.waitMs('a')).toBe(1_000);
  });

  it('gives named tenants rates of their own, with a second of their rate as their burst', () => {
    const rate = new TenantRate(1_000, clock, { burst: 5_000, perTenant: new Map([['big', 10_000], ['small', 100]]) });
    expect([rate.rateOf('big'), rate.rateOf('small'), rate.rateOf('other')]).toEqual([10_000, 100, 1_000]);
    expect([rate.overridden('big'), rate.overridden('other')]).toEqual([true, false]);
    for (const tenant of ['big', 'small', 'other']) rate.charge(tenant, 20_000);
    expect(rate.waitMs('big')).toBe(1_000); // 10,000 in debt at 10,000/s
    expect(rate.waitMs('small')).toBe(199_000); // 19,900 at 100/s
    expect(rate.waitMs('other')).toBe(15_000); // 15,000 at 1,000/s
    expect(() => new TenantRate(1, clock, { perTenant: new Map([['x', 0]]) })).toThrow(/not 0 \(x\)/);
  });

  it('ignores charges of nothing and refuses a rate that is not positive', () => {
    const rate = new TenantRate(10, clock);
    rate.charge('a', 0);
    rate.charge('a', Number.NaN);
    expect(rate.debt('a')).toBe(0);
    expect(() => new TenantRate(0)).toThrow(RangeError);
  });

  describe('tryTake: whole or not at all, never into debt', () => {
    it('admits a burst, then refills at the sustained rate', () => {
      const limiter = new TenantRate(100, clock, { burst: 200 });
      expect(limiter.tryTake('a', 200)).toEqual({ admitted: true });
      expect(limiter.tryTake('a', 50)).toEqual({ admitted: false, retryAfterMs: 500 });
      now += 500;
      expect(limiter.tryTake('a', 50)).toEqual({ admitted: true });
    });

    it('keeps tenants apart', () => {
      const limiter = new TenantRate(10, clock, { burst: 10 });
      expect(limiter.tryTake('a', 10).admitted).toBe(true);
      expect(limiter.tryTake('b', 10).admitted).toBe(true);
      expect(limiter.tryTake('a', 1).admitted).toBe(false);
    });

    it('never refills beyond the burst', () => {
      const limiter = new TenantRate(1_000, clock, { burst: 100 });
      now += 60_000;
      expect(limiter.tryTake('a', 101).admitted).toBe(false);
      expect(limiter.tryTake('a', 100).admitted).toBe(true);
    });

    it('gives named tenants rates of their own, with the burst their rule gives', () => {
      const limiter = new TenantRate(1_000, clock, {
        burst: 2_000,
        perTenant: new Map([['big', 10_000], ['small', 10]]),
        perTenantBurst: (rate) => Math.max(2 * rate, 500),
      });
      expect(limiter.tryTake('big', 20_000)).toEqual({ admitted: true });
      expect(limiter.tryTake('big', 1_000)).toEqual({ admitted: false, retryAfterMs: 100 });
      expect(limiter.tryTake('small', 500)).toEqual({ admitted: true }); // burst 500, not 20
      expect(limiter.tryTake('small', 10)).toEqual({ admitted: false, retryAfterMs: 1_000 });
      expect(limiter.tryTake('other', 2_000)).toEqual({ admitted: true });
      now += 100;
      expect(limiter.tryTake('big', 1_000)).toEqual({ admitted: true });
    });
  });
});
