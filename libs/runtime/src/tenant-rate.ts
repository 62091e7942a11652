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
  private readonly burst: number;
  private readonly perTenant: ReadonlyMap<string, number>;

  /**
   * @param perSecond every tenant's rate, but those of `options.perTenant`
   * @param options.burst what a tenant at `perSecond` may spend at once. @default perSecond
   * @param options.perTenant rates of named tenants; their burst is one second of their rate
   */
  constructor(
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
    options: { readonly burst?: number; readonly perTenant?: ReadonlyMap<string, number> } = {},
  ) {
    this.perTenant = options.perTenant ?? new Map();
    for (const [tenant, rate] of [['(every tenant)', perSecond] as const, ...this.perTenant]) {
      if (!(rate > 0)) throw new RangeError(`a rate must be positive, not ${rate} (${tenant})`);
    }
    this.burst = options.burst ?? perSecond;
  }

  /** The rate that applies to `tenant`. */
  rateOf(tenant: string): number {
    return this.perTenant.get(tenant) ?? this.perSecond;
  }

  /** Whether `tenant` has a rate of its own (to name the setting that set it). */
  overridden(tenant: string): boolean {
    return this.perTenant.has(tenant);
  }

  private burstOf(tenant: string): number {
    return this.perTenant.get(tenant) ?? this.burst;
  }

  /** Milliseconds until `tenant` may start work again; 0 when it may now. */
  waitMs(tenant: string): number {
    const tokens = this.tokens(tenant);
    return tokens >= 0 ? 0 : Math.ceil((-tokens * 1_000) / this.rateOf(tenant));
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
    const burst = this.burstOf(tenant);
    const bucket = this.buckets.get(tenant);
    if (!bucket) return burst;
    const now = this.now();
    const tokens = Math.min(burst, bucket.tokens + ((now - bucket.atMs) * this.rateOf(tenant)) / 1_000);
    if (tokens >= burst) {
      this.buckets.delete(tenant);
      return tokens;
    }
    bucket.tokens = tokens;
    bucket.atMs = now;
    return tokens;
  }
}
