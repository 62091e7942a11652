import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from '../codec/crc32';
import { DAY_INDEX } from './warm-table';

const DAY_MS = 86_400_000;
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

/**
 * Remembers, per series, the newest day whose entry this process wrote (and whether the day
 * before it was written too), so a series' twelve windows a day cost one index write rather
 * than twelve. Bounded: past `maxSeries` the series
 * remembered longest ago is forgotten (it costs one more write when it seals again).
 * Only today and yesterday are trusted (see `needsWrite`). Not shared between processes.
 */
export class DayIndexCache {
  /** "tenant#series" → 2 · newest day + (1 if the day before it was written too). */
  private readonly newest = new Map<string, number>();

  constructor(private readonly maxSeries: number) {}

  get size(): number {
    return this.newest.size;
  }

  /**
   * Whether a chunk of `day` must (re)write its series' entry. Always for a day older than
   * yesterday: such a window is a late point or a replay, possibly after the archiver
   * cleared the day (it only takes days that ended two days ago or more), and rewriting
   * costs one write unit on a rare path.
   */
  needsWrite(tenant: string, seriesKey: string, day: number, today: number): boolean {
    if (day < today - 1) return true;
    const known = this.newest.get(`${tenant}#${seriesKey}`);
    if (known === undefined) return true;
    const newest = Math.floor(known / 2);
    return !(day === newest || (day === newest - 1 && known % 2 === 1));
  }

  /** Records entries now durable in DynamoDB. */
  remember(entries: readonly DayIndexEntry[]): void {
    for (const e of entries) {
      const key = `${e.tenant}#${e.seriesKey}`;
      const known = this.newest.get(key);
      const newest = known === undefined ? undefined : Math.floor(known / 2);
      let next: number;
      if (newest === undefined || e.day > newest) next = 2 * e.day + (newest === e.day - 1 ? 1 : 0);
      else if (e.day === newest - 1) next = 2 * newest + 1;
      else continue; // the newest day is unchanged (the same day again, or an older one)
      this.newest.delete(key); // re-inserted at the end: eviction takes the least recently written
      this.newest.set(key, next);
      if (this.newest.size > this.maxSeries) this.newest.delete(this.newest.keys().next().value!);
    }
  }
}
