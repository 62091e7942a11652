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
});
