/**
 * New series a tenant may have admitted without the series registry's check, per fixed
 * interval. While Redis is slow or away the limit cannot be checked; admitting every new
 * series then (fail open) let one request of 100,000 new series past any limit, and
 * refusing all (fail closed) would stop a tenant adding even one host during a blip. A
 * small allowance is the middle: the limit is overshot by at most `perInterval` series
 * per tenant per interval and replica, and the rest is refused with a retriable code.
 *
 * One entry per tenant that used it; tenants are bounded by the API key list.
 */
export class UncheckedSeriesAllowance {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly perInterval: number,
    private readonly intervalMs: number,
  ) {}

  /** Takes up to `wanted` from the tenant's allowance at `now`; returns how many it got. */
  take(tenant: string, wanted: number, now: number): number {
    let window = this.windows.get(tenant);
    if (window === undefined || now - window.start >= this.intervalMs) {
      window = { start: now, used: 0 };
      this.windows.set(tenant, window);
    }
    const granted = Math.max(0, Math.min(wanted, this.perInterval - window.used));
    window.used += granted;
    return granted;
  }
}
