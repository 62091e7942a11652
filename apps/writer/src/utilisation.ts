/**
 * Busy time over a sliding minute, as the fraction of what the owned partitions could
 * absorb: sum(batch durations in the last 60 s) / (60 s × partitions). The writer is
 * saturated near 1; StrataWriterUtilisationHigh (docs/operations.md) fires when it stays
 * above 0.7 for 30 minutes.
 */
export class UtilisationTracker {
  private readonly samples: Array<{ at: number; busyMs: number }> = [];

  constructor(private readonly windowMs = 60_000) {}

  record(at: number, busyMs: number): void {
    this.samples.push({ at, busyMs });
    this.evict(at);
  }

  ratio(now: number, partitions: number): number {
    this.evict(now);
    if (partitions === 0) return 0;
    const busy = this.samples.reduce((sum, s) => sum + s.busyMs, 0);
    return busy / (this.windowMs * partitions);
  }

  private evict(now: number): void {
    while (this.samples.length > 0 && this.samples[0].at <= now - this.windowMs) this.samples.shift();
  }
}
