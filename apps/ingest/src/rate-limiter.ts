/**
 * Token buckets per tenant, counting points. A request is admitted whole or not at all,
 * so a client never has to guess which of its points got through.
 * Not shared between ingest replicas: the effective limit is per replica.
 */
export class TenantRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedMs: number }>();

  /**
   * @param perTenant rates of named tenants (STRATA_TENANT_POINTS_PER_SECOND_OVERRIDES), each
   *   with a burst of twice its rate and never less than `minBurst`, so a full request passes
   */
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
    private readonly perTenant: { readonly rates: ReadonlyMap<string, number>; readonly minBurst: number } = { rates: new Map(), minBurst: 0 },
  ) {}

  /** The rate that applies to `tenant`, and whether it is the tenant's own. */
  rateOf(tenant: string): { perSecond: number; overridden: boolean } {
    const own = this.perTenant.rates.get(tenant);
    return own === undefined ? { perSecond: this.ratePerSecond, overridden: false } : { perSecond: own, overridden: true };
  }

  /** Takes `points` tokens, or returns how many ms until they would be available. */
  tryTake(tenant: string, points: number): { admitted: true } | { admitted: false; retryAfterMs: number } {
    const { perSecond, overridden } = this.rateOf(tenant);
    const burst = overridden ? Math.max(2 * perSecond, this.perTenant.minBurst) : this.burst;
    const now = this.now();
    const bucket = this.buckets.get(tenant) ?? { tokens: burst, updatedMs: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedMs) * perSecond) / 1_000);
    bucket.updatedMs = now;
    this.buckets.set(tenant, bucket);
    if (bucket.tokens >= points) {
      bucket.tokens -= points;
      return { admitted: true };
    }
    return { admitted: false, retryAfterMs: Math.ceil(((points - bucket.tokens) * 1_000) / perSecond) };
  }
}
