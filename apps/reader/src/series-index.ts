import { HotReadError, hotKeys, type Redis, type RedisCluster } from '@strata/storage/hot';

/**
 * Where a listing's candidate series come from. Today that is every series of the tenant
 * (the Redis series index, scanned in pages); the label index of the Prometheus work will
 * be a second implementation that yields only the postings of a selector. The lister's
 * limits (count as the cost estimate, pages matched in slices) hold for both.
 */
export interface SeriesCandidates {
  /** How many series a scan of the tenant would yield (the listing's cost estimate); cheap. */
  count(tenant: string): Promise<number>;
  /**
   * The tenant's series keys, page by page; a key may come twice. Stops asking storage once
   * `signal` aborts (the caller then throws the signal's reason).
   */
  pages(tenant: string, signal: AbortSignal): AsyncIterable<readonly string[]>;
}

/** Keys SSCAN returns per call, roughly: a page is matched in slices, so its size only sets round trips. */
const PAGE = 1_000;

/**
 * The tenant's series index in Redis (the set `t:{tenant}:series` the writer fills): SCARD
 * for the count, SSCAN for the pages, so Redis is never blocked by a large set and the
 * reader never holds the whole set in memory. Errors are HotReadError (UNAVAILABLE).
 */
export class RedisSeriesIndex implements SeriesCandidates {
  constructor(private readonly redis: Redis | RedisCluster) {}

  async count(tenant: string): Promise<number> {
    try {
      return await this.redis.scard(hotKeys.seriesIndex(tenant));
    } catch (error) {
      throw new HotReadError(tenant, '(series index)', (error as Error).message, error);
    }
  }

  async *pages(tenant: string, signal: AbortSignal): AsyncIterable<readonly string[]> {
    let cursor = '0';
    do {
      if (signal.aborted) return;
      let members: string[];
      try {
        [cursor, members] = await this.redis.sscan(hotKeys.seriesIndex(tenant), cursor, 'COUNT', PAGE);
      } catch (error) {
        throw new HotReadError(tenant, '(series index)', (error as Error).message, error);
      }
      yield members;
    } while (cursor !== '0');
  }
}
