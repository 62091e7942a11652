/**
 * A rate per tenant: a token bucket holding one second of the rate (or `burst`).
 * `tryTake` admits a cost known beforehand whole or not at all (points of a Write).
 * `charge` takes what a piece of work actually cost once that is known, even past zero: for
 * costs known only afterwards or too late to refuse cheaply (points a read decoded, bytes of
 * a body already received). A tenant in debt waits until the rate has paid it back; work
 * already admitted goes on.
 *
 * Single-threaded (event loop) state. Tenants whose bucket is full again are forgotten, so
 * the map holds only tenants that spent recently.
 */
export class TenantRate {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  private readonly burst: number;
  private readonly perTenant: ReadonlyMap<string, number>;
  private readonly perTenantBurst: (rate: number) => number;

  /**
   * @param perSecond every tenant's rate, but those of `options.perTenant`
   * @param options.burst what a tenant at `perSecond` may spend at once. @default perSecond
   * @param options.perTenant rates of named tenants
   * @param options.perTenantBurst the burst of a named tenant, from its rate. @default one second of it
   */
  constructor(
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
    options: { readonly burst?: number; readonly perTenant?: ReadonlyMap<string, number>; readonly perTenantBurst?: (rate: number) => number } = {},
  ) {
    this.perTenant = options.perTenant ?? new Map();
    for (const [tenant, rate] of [['(every tenant)', perSecond] as const, ...this.perTenant]) {
      if (!(rate > 0)) throw new RangeError(`a rate must be positive, not ${rate} (${tenant})`);
    }
    this.burst = options.burst ?? perSecond;
    this.perTenantBurst = options.perTenantBurst ?? ((rate) => rate);
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
    const own = this.perTenant.get(tenant);
    return own === undefined ? this.burst : this.perTenantBurst(own);
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

  /**
   * Takes `amount` only if the bucket holds it, never into debt: for a cost known before the
   * work, admitted whole or not at all. Otherwise says how long until it would be there.
   */
  tryTake(tenant: string, amount: number): { admitted: true } | { admitted: false; retryAfterMs: number } {
    const tokens = this.tokens(tenant);
    if (tokens >= amount) {
      this.buckets.set(tenant, { tokens: tokens - amount, atMs: this.now() });
      return { admitted: true };
    }
    return { admitted: false, retryAfterMs: Math.ceil(((amount - tokens) * 1_000) / this.rateOf(tenant)) };
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
