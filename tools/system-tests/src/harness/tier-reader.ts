import { decodeChunk } from '@strata/storage/codec';
import { decodePackedHot, decodeWindowHash, hotKeys, sealedPointOffset, seriesId, unsealedWins, type Redis } from '@strata/storage/hot';
import type { DynamoWarmStore } from '@strata/storage/warm';
import { mergeSeriesTiers, type ChunkPoints, type MergedSeries, type WindowTiers } from './tier-merge';

export interface SeriesRef {
  readonly tenant: string;
  readonly seriesKey: string;
}

/** `s:{sid}:<o|f|c>:<start>`; sids are base64url, so they hold no braces. */
const SERIES_KEY = /^s:\{([A-Za-z0-9_-]+)\}:[ofc]:(\d+)$/;

/**
 * Reads what the hot (Redis) and warm (DynamoDB) tiers hold, bypassing every service:
 * the ground truth a reader would merge. Series are keyed `tenant/seriesKey`; hot-tier
 * series that are not among the ones asked for come back keyed `unknown-sid/<sid>`, so a
 * point stored for a series nobody was told about shows up.
 */
export class TierReader {
  constructor(
    private readonly redis: Redis,
    private readonly warm: Pick<DynamoWarmStore, 'queryChunks'>,
    private readonly windowMs: number,
  ) {}

  async read(series: readonly SeriesRef[]): Promise<Map<string, MergedSeries>> {
    const hotWindows = await this.scanHotWindows();
    const result = new Map<string, MergedSeries>();
    const wanted = new Set<string>();
    await forEachLimited(series, 8, async ({ tenant, seriesKey }) => {
      const sid = seriesId(tenant, seriesKey);
      wanted.add(sid);
      // Hot first, warm second: points only move hot → warm, so none can slip between the reads.
      const hot = await this.readHot(sid, hotWindows.get(sid) ?? new Set());
      const warm = await this.warm.queryChunks(tenant, seriesKey, 0, Number.MAX_SAFE_INTEGER);
      const windows = new Map<number, WindowTiers>(hot.map((w) => [w.start, w]));
      for (const chunk of warm) {
        const w = windows.get(chunk.start) ?? { start: chunk.start, sealing: new Map(), open: new Map() };
        windows.set(chunk.start, { ...w, warm: decodeChunk(chunk.chunk) });
      }
      result.set(`${tenant}/${seriesKey}`, mergeSeriesTiers([...windows.values()], this.windowMs));
    });
    for (const [sid, starts] of hotWindows) {
      if (!wanted.has(sid)) result.set(`unknown-sid/${sid}`, mergeSeriesTiers(await this.readHot(sid, starts), this.windowMs));
    }
    return result;
  }

  /** Window starts per series id, from the hot tier's keys. */
  private async scanHotWindows(): Promise<Map<string, Set<number>>> {
    const windows = new Map<string, Set<number>>();
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', 's:*', 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const match = SERIES_KEY.exec(key);
        if (!match) continue;
        let starts = windows.get(match[1]);
        if (!starts) windows.set(match[1], (starts = new Set()));
        starts.add(Number(match[2]));
      }
    } while (cursor !== '0');
    return windows;
  }

  /** One MULTI per series: a consistent picture of its open, sealing and packed keys. */
  private async readHot(sid: string, starts: ReadonlySet<number>): Promise<WindowTiers[]> {
    if (starts.size === 0) return [];
    const ordered = [...starts];
    const multi = this.redis.multi();
    for (const start of ordered) {
      multi.hgetallBuffer(hotKeys.open(sid, start));
      multi.hgetallBuffer(hotKeys.sealing(sid, start));
      multi.getBuffer(hotKeys.packed(sid, start));
    }
    const replies = (await multi.exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
    return ordered.map((start, i) => {
      const [open, sealing, packed] = [1, 2, 3].map((k) => replies[i * 3 + k - 1][1]);
      const sealed = packed ? decodePackedHot(packed as Buffer) : undefined;
      const chunk = sealed ? (decodeChunk(sealed.chunk) as ChunkPoints) : undefined;
      // Unsealed values from records the seal already saw or superseded lose to the packed
      // copy (the hot reader's rule), e.g. a replay's old records before the sealer runs.
      const sealedTimes = new Set(Array.from(chunk?.timestamps ?? []));
      const seal = sealed ? { base: sealed.sealOffset, points: sealed.pointOffsets } : undefined;
      const keep = (offsetMs: number, offset: number | undefined) =>
        unsealedWins(offset, seal && sealedPointOffset(seal, start + offsetMs), sealedTimes.has(start + offsetMs));
      return {
        start,
        open: decodeHash(start, open as Record<string, Buffer>, keep),
        sealing: decodeHash(start, sealing as Record<string, Buffer>, keep),
        ...(chunk ? { packed: chunk } : {}),
      };
    });
  }
}

/** A window hash's points (point and packed fields, hot tier rules: window-hash.ts) kept by `keep`, keyed by ms offset. */
function decodeHash(start: number, hash: Record<string, Buffer>, keep: (offsetMs: number, recordOffset: number | undefined) => boolean): Map<number, number> {
  const pairs = Object.entries(hash).flatMap(([field, bytes]) => [Buffer.from(field, 'latin1'), bytes]);
  const columns = decodeWindowHash(start, pairs, (reason) => new Error(`window hash at ${start}: ${reason}`));
  const points = new Map<number, number>();
  columns.timestamps.forEach((t, i) => {
    if (keep(t - start, columns.offsets[i])) points.set(t - start, columns.values[i]);
  });
  return points;
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
