import { dayNumber, WeightedLru } from '@strata/storage/cold';
import type { LateWriteLedger } from '@strata/storage/hot';
import type { DynamoWarmStore, WarmChunk } from '@strata/storage/warm';

/**
 * Longest a cached window is used, whatever the ledger says. The ledger covers every chunk
 * the sealer writes; this bounds what a write outside it (an operator's re-drive of a
 * quarantined window, which keeps its points) could leave stale.
 */
export const WARM_CACHE_MAX_AGE_MS = 600_000;

/**
 * Most windows a read's range may span for the cache to take part; a wider one is queried
 * as without a cache. 512 windows of the default 4 h are 85 days, past the warm span: every
 * warm read qualifies. With short windows (1 minute: a year is 525,600 of them) an entry per
 * window would cost the event loop more than the Query it saves.
 */
export const WARM_CACHE_MAX_WINDOWS = 512;

/** Bytes an entry costs besides its chunk: the key, the token, the objects. */
const ENTRY_OVERHEAD_BYTES = 160;

export interface WarmCacheOptions {
  /** Bytes of chunks (and entries) kept (STRATA_READ_WARM_CACHE_BYTES). */
  readonly maxBytes: number;
  /** @default WARM_CACHE_MAX_AGE_MS */
  readonly maxAgeMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * hit: answered from memory; miss: queried and kept; bypass: queried, nothing kept (the
   * ledger could not be read); wide: queried, nothing kept (more than WARM_CACHE_MAX_WINDOWS).
   */
  readonly onLookup?: (result: 'hit' | 'miss' | 'bypass' | 'wide') => void;
  /** The ledger could not be read; the read goes to DynamoDB as without a cache. */
  readonly onLedgerError?: (error: unknown) => void;
}

interface Entry {
  /** The ledger's token of the window's day, read before the Query that found `chunk`. */
  readonly token: string;
  /** The window's chunk; undefined: DynamoDB had none. */
  readonly chunk: Uint8Array | undefined;
  readonly at: number;
}

/**
 * The warm tier's chunks per window, kept in memory and trusted only while the late-write
 * ledger's token of their tenant-day is what it was before they were read.
 *
 * Why that is enough: the sealer writes a day's chunks to DynamoDB, then records the day in
 * the ledger, then lets Redis drop the raw points (sealer.ts). A reader reads the tokens, then
 * Queries (strongly consistent, so the Query sees every write acknowledged before it). If
 * the token is unchanged at a later read, no seal into that day was recorded in between. A
 * seal between its DynamoDB write and its record (milliseconds) is not seen yet; within the
 * hot tier's span Redis still holds its points, and older windows' points become readable
 * at the record instead of at the write. Redis losing the ledger changes its life token, so
 * the entries of that day are never trusted again.
 *
 * Only whole answers are served from memory: every window of the range must be held with
 * the current token; otherwise the range is queried and every window of it kept.
 */
export class WarmChunkCache {
  private readonly lru: WeightedLru<string, Entry>;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: Pick<DynamoWarmStore, 'queryChunks'>,
    private readonly ledger: Pick<LateWriteLedger, 'dayTokens'>,
    private readonly options: WarmCacheOptions,
  ) {
    this.lru = new WeightedLru(options.maxBytes, (entry) => ENTRY_OVERHEAD_BYTES + (entry.chunk?.length ?? 0));
    this.maxAgeMs = options.maxAgeMs ?? WARM_CACHE_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.lru.weight;
  }

  /** The chunks of one series' windows starting in [fromStart, toStart] (`windowMs` apart), in time order. */
  async queryChunks(
    tenant: string,
    seriesKey: string,
    fromStart: number,
    toStart: number,
    windowMs: number,
    signal?: AbortSignal,
  ): Promise<Array<{ start: number; chunk: Uint8Array }>> {
    const uncached = async (result: 'wide' | 'bypass') => {
      this.options.onLookup?.(result);
      return toWindows(await this.store.queryChunks(tenant, seriesKey, fromStart, toStart, signal ? { signal } : {}));
    };
    if ((toStart - fromStart) / windowMs + 1 > WARM_CACHE_MAX_WINDOWS) return uncached('wide');
    const starts: number[] = [];
    for (let start = fromStart; start <= toStart; start += windowMs) starts.push(start);
    const days = [...new Set(starts.map((s) => dayNumber(s)))];
    let tokens: Map<number, string>;
    try {
      tokens = await this.ledger.dayTokens(tenant, days);
    } catch (error) {
      this.options.onLedgerError?.(error);
      return uncached('bypass');
    }
    signal?.throwIfAborted();
    const now = this.now();
    const prefix = `${tenant}\u0000${seriesKey}\u0000`;
    const held: Array<{ start: number; chunk: Uint8Array }> = [];
    let whole = true;
    for (const start of starts) {
      const entry = this.lru.get(prefix + start);
      if (!entry || entry.token !== tokens.get(dayNumber(start)) || now - entry.at > this.maxAgeMs) {
        whole = false;
        break;
      }
      if (entry.chunk) held.push({ start, chunk: entry.chunk });
    }
    if (whole) {
      this.options.onLookup?.('hit');
      return held;
    }
    // Strongly consistent: an eventually consistent Query may miss a write the token already counts.
    const chunks = await this.store.queryChunks(tenant, seriesKey, fromStart, toStart, { consistent: true, ...(signal && { signal }) });
    const byStart = new Map(chunks.map((c) => [c.start, c]));
    for (const start of starts) {
      const found = byStart.get(start);
      // A copy: the SDK's bytes may be a view of a larger response buffer that an entry would keep alive.
      this.lru.set(prefix + start, { token: tokens.get(dayNumber(start))!, chunk: found && new Uint8Array(found.chunk), at: now });
    }
    this.options.onLookup?.('miss');
    return toWindows(chunks);
  }
}

function toWindows(chunks: readonly WarmChunk[]): Array<{ start: number; chunk: Uint8Array }> {
  return chunks.map((c) => ({ start: c.start, chunk: c.chunk }));
}
