/** The catalogue days a series was last recorded with, and when. */
interface Recorded {
  at: number;
  oldestDay: number;
  newestDay: number;
}

/**
 * Remembers which series this writer recorded in the tenant's catalogue recently, and for
 * which days, so the projector records a series once per day it reaches rather than on
 * every record. Bounded: the least recently seen series is dropped (passivated) when full
 * or idle longer than `idleMs`; a passivated series is simply recorded again next time
 * (the catalogue keeps the oldest and newest day, so recording twice changes nothing).
 */
/** A series touched this recently keeps its place in the recency order. */
const RECENT_MS = 1_000;

export class SeriesCache {
  private readonly seen = new Map<string, Recorded>();

  constructor(
    private readonly capacity: number,
    private readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * True when the series must be recorded with these days: unknown, idle, or points on a
   * day outside those recorded. Remembers the days as recorded either way.
   */
  touch(key: string, oldestDay: number, newestDay: number): boolean {
    const now = this.now();
    const last = this.seen.get(key);
    // Touched within the last second for these days: nothing to record, and its place in the
    // recency order is a second off at most (moving it costs a delete and an insert per record).
    if (last !== undefined && now - last.at < RECENT_MS && oldestDay >= last.oldestDay && newestDay <= last.newestDay) return false;
    if (last !== undefined) this.seen.delete(key);
    if (this.capacity === 0) return true;
    if (last === undefined || now - last.at > this.idleMs) {
      this.seen.set(key, { at: now, oldestDay, newestDay });
    } else {
      last.at = now;
      this.seen.set(key, last);
      if (oldestDay >= last.oldestDay && newestDay <= last.newestDay) {
        this.evict();
        return false;
      }
      last.oldestDay = Math.min(last.oldestDay, oldestDay);
      last.newestDay = Math.max(last.newestDay, newestDay);
    }
    this.evict();
    return true;
  }

  private evict(): void {
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value!);
  }

  /** Drops series idle longer than idleMs; returns how many. */
  passivate(): number {
    const cutoff = this.now() - this.idleMs;
    let dropped = 0;
    for (const [key, last] of this.seen) {
      if (last.at > cutoff) break; // insertion order is recency order
      this.seen.delete(key);
      dropped++;
    }
    return dropped;
  }

  /** Forgets every series (Redis lost its catalogue: each is recorded again on its next record). */
  clear(): void {
    this.seen.clear();
  }

  get size(): number {
    return this.seen.size;
  }
}
