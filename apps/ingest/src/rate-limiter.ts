/**
 * Token buckets per tenant, counting points. A request is admitted whole or not at all,
 * so a client never has to guess which of its points got through.
 * Not shared between ingest replicas: the effective limit is per replica.
 */
export class TenantRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedMs: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes `points` tokens, or returns how many ms until they would be available. */
  tryTake(tenant: string, points: number): { admitted: true } | { admitted: false; retryAfterMs: number } {
    const now = this.now();
    const bucket = this.buckets.get(tenant) ?? { tokens: this.burst, updatedMs: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedMs) * this.ratePerSecond) / 1_000);
    bucket.updatedMs = now;
    this.buckets.set(tenant, bucket);
    if (bucket.tokens >= points) {
      bucket.tokens -= points;
      return { admitted: true };
    }
    return { admitted: false, retryAfterMs: Math.ceil(((points - bucket.tokens) * 1_000) / this.ratePerSecond) };
  }
}
