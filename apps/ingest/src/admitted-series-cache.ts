/**
 * How a series stands in {@link AdmittedSeriesCache}:
 * - `fresh`: the registry admitted it less than `refreshMs` ago; no round trip needed.
 * - `known`: admitted within the active span but not recently; the registry is told it is
 *   still active (and never refuses it, since this replica admitted it before).
 * - `unknown`: never admitted here, evicted, or idle past the active span; the registry
 *   decides against the limit.
 */
export type CachedSeriesState = 'fresh' | 'known' | 'unknown';

/**
 * Series this ingest replica has had admitted by the shared registry, so that a series
 * already counted costs no Redis round trip. Bounded: past `capacity` the least recently
 * written series is dropped, and only costs one round trip when it comes back.
 * One map for all tenants, keyed `tenant/series`; a tenant with many series can push out
 * another's, which costs that tenant round trips, never a wrong answer.
 */
export class AdmittedSeriesCache {
  private readonly admittedAt = new Map<string, number>();

  constructor(
    private readonly capacity: number,
    private readonly refreshMs: number,
    private readonly activeMs: number,
  ) {
    if (refreshMs >= activeMs) throw new RangeError(`refreshMs (${refreshMs}) must be below activeMs (${activeMs})`);
  }

  /**
   * The cache's key of a series: `tenant/seriesKey`, which is also the series' log record key
   * (`recordKey` of @strata/stream). Callers that hold that string already pass it as it is:
   * the same string each time, whose hash is computed once, where a key made anew per lookup
   * cost most of the lookup.
   */
  static key(tenant: string, seriesKey: string): string {
    return `${tenant}/${seriesKey}`;
  }

  /** The state at `now` of the series of `key` ({@link AdmittedSeriesCache.key}); marks it recently used. */
  state(key: string, now: number): CachedSeriesState {
    const at = this.admittedAt.get(key);
    if (at === undefined) return 'unknown';
    this.admittedAt.delete(key);
    const age = now - at;
    if (age >= this.activeMs) return 'unknown';
    this.admittedAt.set(key, at); // re-inserted: the map's order is recency of use
    return age < this.refreshMs ? 'fresh' : 'known';
  }

  /** Records that the registry admitted (or re-marked) the series of `key` at `now`. */
  admitted(key: string, now: number): void {
    this.admittedAt.delete(key);
    if (this.capacity === 0) return;
    this.admittedAt.set(key, now);
    if (this.admittedAt.size > this.capacity) this.admittedAt.delete(this.admittedAt.keys().next().value!);
  }

  get size(): number {
    return this.admittedAt.size;
  }
}
