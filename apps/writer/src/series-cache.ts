/**
 * Remembers which series were indexed recently, so the projector adds a series to the
 * tenant index once rather than on every record. Bounded: the least recently seen series
 * is dropped (passivated) when full or idle longer than `idleMs`; a passivated series is
 * simply indexed again next time (SADD is idempotent).
 */
export class SeriesCache {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly capacity: number,
    private readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the series was not known (and is now). */
  touch(key: string): boolean {
    const now = this.now();
    const last = this.seen.get(key);
    if (last !== undefined) this.seen.delete(key);
    if (this.capacity === 0) return true;
    this.seen.set(key, now);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value!);
    return last === undefined || now - last > this.idleMs;
  }

  /** Drops series idle longer than idleMs; returns how many. */
  passivate(): number {
    const cutoff = this.now() - this.idleMs;
    let dropped = 0;
    for (const [key, last] of this.seen) {
      if (last > cutoff) break; // insertion order is recency order
      this.seen.delete(key);
      dropped++;
    }
    return dropped;
  }

  /** Forgets every series (Redis lost its index: each is indexed again on its next record). */
  clear(): void {
    this.seen.clear();
  }

  get size(): number {
    return this.seen.size;
  }
}
