/**
 * A rate per tenant that may be overdrawn: a token bucket holding one second of the rate
 * (or `burst`), charged with what a piece of work actually cost once that is known, even
 * past zero. A tenant in debt waits until the rate has paid it back; work already admitted
 * goes on. Suits costs known only afterwards or too late to refuse cheaply (points a read
 * decoded, bytes of a body already received), where a plain bucket would have to guess.
 *
 * Single-threaded (event loop) state. Tenants whose bucket is full again are forgotten, so
 * the map holds only tenants that spent recently.
 */
export class TenantRate {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  readonly burst: number;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
    burst?: number,
  ) {
    if (!(perSecond > 0)) throw new RangeError(`a rate must be positive, not ${perSecond}`);
    this.burst = burst ?? perSecond;
  }

  /** Milliseconds until `tenant` may start work again; 0 when it may now. */
  waitMs(tenant: string): number {
    const tokens = this.tokens(tenant);
    return tokens >= 0 ? 0 : Math.ceil((-tokens * 1_000) / this.perSecond);
  }

  /** How far into debt the tenant is (0 when it is not). */
  debt(tenant: string): number {
    return Math.max(0, -this.tokens(tenant));
  }

  /** Takes `amount` from the tenant's bucket, into debt if it must. */
  charge(tenant: string, amount: number): void {
    if (!(amount > 0)) return;
    this.buckets.set(tenant, { tokens: this.tokens(tenant) - amount, atMs: this.now() });
  }

  private tokens(tenant: string): number {
    const bucket = this.buckets.get(tenant);
    if (!bucket) return this.burst;
    const now = this.now();
    const tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.atMs) * this.perSecond) / 1_000);
    if (tokens >= this.burst) {
      this.buckets.delete(tenant);
      return tokens;
    }
    bucket.tokens = tokens;
    bucket.atMs = now;
    return tokens;
  }
}
