import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from '../codec/crc32';
import { DAY_MS } from '../core/time';
import { DAY_INDEX } from './warm-table';

const encoder = new TextEncoder();

/** One day-index item: the series has (or had) chunks in DynamoDB on that UTC day. */
export interface DayIndexEntry {
  readonly tenant: string;
  readonly seriesKey: string;
  readonly day: number;
  /** The write token read back from the item (absent on entries about to be written). */
  readonly token?: string;
}

/** The day-index shard of a series: CRC-32 of "tenant#series", mod the shard count. */
export function dayIndexShard(tenant: string, seriesKey: string, shards: number): number {
  return crc32(encoder.encode(`${tenant}#${seriesKey}`)) % shards;
}

/** "~days#YYYY-MM-DD#<shard>": the partition holding a day's entries of one shard. */
export function dayIndexPartitionKey(day: number, shard: number): string {
  return `${DAY_INDEX.partitionPrefix}${new Date(day * DAY_MS).toISOString().slice(0, 10)}#${shard}`;
}

/**
 * The entry's sort key, a decimal integer below 2^120 (37 digits, within DynamoDB's 38-digit
 * numbers): the first 15 bytes of the SHA-256 of "tenant#series". Two series of a day share
 * an item only on a 120-bit collision.
 */
export function dayIndexSortKey(tenant: string, seriesKey: string): string {
  const digest = createHash('sha256').update(`${tenant}#${seriesKey}`, 'utf8').digest();
  return BigInt(`0x${digest.subarray(0, 15).toString('hex')}`).toString(10);
}

/** A token unique to one write of an entry (72 random bits). */
export function newDayIndexToken(): string {
  return randomBytes(9).toString('base64url');
}

/** The most days before its newest one that the cache can remember for a series. */
const MASK_DAYS = 32;
const TWO_32 = 2 ** 32;

/**
 * Remembers, per series, which of its recent days' entries this process wrote (the newest
 * day and a 32-day bitmask before it), so a series' twelve windows a day cost one index
 * write rather than twelve, also when a backfill seals several days in a row. Bounded:
 * past `maxSeries` the series remembered longest ago is forgotten (it costs one more
 * write when it seals again). Only the `trustedDays` most recent days are trusted: an older
 * day may have been archived meanwhile, which deletes its entries (see `needsWrite`). Not
 * shared between processes.
 */
export class DayIndexCache {
  /** "tenant#series" → newest day · 2^32 + bitmask (bit i: the day `newest - i` was written). */
  private readonly known = new Map<string, number>();
  private readonly trustedDays: number;

  /**
   * @param trustedDays days (today included) whose remembered entries are trusted; must be
   *   at most the archiver's STRATA_WARM_SPAN_DAYS, since the archiver takes a day only
   *   when it ended that many days ago. Capped at 32. @default 2 (today and yesterday)
   */
  constructor(
    private readonly maxSeries: number,
    trustedDays = 2,
  ) {
    this.trustedDays = Math.max(1, Math.min(trustedDays, MASK_DAYS));
  }

  get size(): number {
    return this.known.size;
  }

  /**
   * Whether a chunk of `day` must (re)write its series' entry: always for a day outside the
   * trusted span (a late point or a replay, possibly after the archiver cleared that day;
   * rewriting costs one write unit on a rare path), otherwise unless remembered.
   */
  needsWrite(tenant: string, seriesKey: string, day: number, today: number): boolean {
    if (day <= today - this.trustedDays) return true;
    const known = this.known.get(`${tenant}#${seriesKey}`);
    if (known === undefined) return true;
    const newest = Math.floor(known / TWO_32);
    const back = newest - day;
    if (back < 0 || back >= MASK_DAYS) return true;
    return (((known % TWO_32) >>> back) & 1) === 0;
  }

  /** Records entries now durable in DynamoDB. */
  remember(entries: readonly DayIndexEntry[]): void {
    for (const e of entries) {
      const key = `${e.tenant}#${e.seriesKey}`;
      const known = this.known.get(key);
      let newest = e.day;
      let mask = 1;
      if (known !== undefined) {
        const oldNewest = Math.floor(known / TWO_32);
        const oldMask = known % TWO_32;
        if (e.day > oldNewest) {
          const shift = e.day - oldNewest;
          mask = ((shift >= MASK_DAYS ? 0 : oldMask << shift) | 1) >>> 0;
        } else if (oldNewest - e.day < MASK_DAYS) {
          newest = oldNewest;
          mask = (oldMask | (1 << (oldNewest - e.day))) >>> 0;
        } else continue; // too old to remember next to the newest day
      }
      this.known.delete(key); // re-inserted at the end: eviction takes the least recently written
      this.known.set(key, newest * TWO_32 + mask);
      if (this.known.size > this.maxSeries) this.known.delete(this.known.keys().next().value!);
    }
  }
}
