import { TenantRateLimiter } from './rate-limiter';

describe('TenantRateLimiter', () => {
  it('admits a burst, then refills at the sustained rate', () => {
    let now = 0;
    const limiter = new TenantRateLimiter(100, 200, () => now);
    expect(limiter.tryTake('a', 200)).toEqual({ admitted: true });
    expect(limiter.tryTake('a', 50)).toEqual({ admitted: false, retryAfterMs: 500 });
    now = 500;
    expect(limiter.tryTake('a', 50)).toEqual({ admitted: true });
  });

  it('keeps tenants apart', () => {
    const limiter = new TenantRateLimiter(10, 10, () => 0);
    expect(limiter.tryTake('a', 10).admitted).toBe(true);
    expect(limiter.tryTake('b', 10).admitted).toBe(true);
    expect(limiter.tryTake('a', 1).admitted).toBe(false);
  });

  it('never refills beyond the burst', () => {
    let now = 0;
    const limiter = new TenantRateLimiter(1_000, 100, () => now);
    now = 60_000;
    expect(limiter.tryTake('a', 101).admitted).toBe(false);
    expect(limiter.tryTake('a', 100).admitted).toBe(true);
  });

  it('gives named tenants rates of their own, with twice the rate as burst and never less than a full request', () => {
    let now = 0;
    const limiter = new TenantRateLimiter(1_000, 2_000, () => now, { rates: new Map([['big', 10_000], ['small', 10]]), minBurst: 500 });
    expect(limiter.rateOf('big')).toEqual({ perSecond: 10_000, overridden: true });
    expect(limiter.rateOf('other')).toEqual({ perSecond: 1_000, overridden: false });
    expect(limiter.tryTake('big', 20_000)).toEqual({ admitted: true });
    expect(limiter.tryTake('big', 1_000)).toEqual({ admitted: false, retryAfterMs: 100 });
    expect(limiter.tryTake('small', 500)).toEqual({ admitted: true }); // burst 500, not 20
    expect(limiter.tryTake('small', 10)).toEqual({ admitted: false, retryAfterMs: 1_000 });
    expect(limiter.tryTake('other', 2_000)).toEqual({ admitted: true });
    now = 100;
    expect(limiter.tryTake('big', 1_000)).toEqual({ admitted: true });
  });
});
