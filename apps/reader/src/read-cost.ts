import { chunkInfo, DAY_MS, dayNumber, monthOfDay, type SortedColumns, yearOfMonth } from '@strata/storage';
import { QueryLimitError } from './errors';
import type { ReadPlan } from './planner';
import type { WorkCost } from './read-limits';

/**
 * A Read's cost before anything is fetched: the storage requests it takes at most. Per
 * series, one Redis pipeline (hot), one DynamoDB Query (warm; it returns only the windows
 * that exist), and for the cold tier one range GET per archived day read raw, or per
 * stored rollup block (a day's 5 m rows, a month's 1 h rows, a year's 1 d rows). Days that
 * turn out not to be archived cost nothing, so this is an upper bound; it is what the
 * reader's concurrency, S3's request rate and the latency of the answer scale with.
 */
export function estimateReadCost(series: number, plan: ReadPlan): WorkCost {
  const parts: string[] = [];
  let perSeries = 0;
  for (const range of plan.tiers) {
    if (range.tier !== 'cold') {
      perSeries += 1;
      parts.push(`${range.tier} 1`);
      continue;
    }
    const days = dayNumber(range.toStart) - dayNumber(range.fromStart) + 1;
    const resolution = plan.rollup?.resolutionMs;
    const gets =
      resolution === DAY_MS
        ? yearOfMonth(monthOfDay(dayNumber(range.toStart))) - yearOfMonth(monthOfDay(dayNumber(range.fromStart))) + 1
        : resolution === 3_600_000
          ? monthOfDay(dayNumber(range.toStart)) - monthOfDay(dayNumber(range.fromStart)) + 1
          : days;
    perSeries += gets;
    parts.push(`cold ${gets} (${days} days${resolution ? ` from stored ${resolution / 60_000} min rollups` : ' raw'})`);
  }
  return { kind: 'read', units: series * perSeries, detail: `${series} series x ${perSeries} requests: ${parts.join(', ')}` };
}

/**
 * The raw points a Read may decode (STRATA_READ_MAX_POINTS), charged from what storage
 * says before decoding: the point count in each chunk's header (chunkInfo, no checksum
 * pass) and the length of unsealed layers. A read that would go past it stops before
 * its next decode. A point held by two tiers (a window still in Redis and already in
 * DynamoDB) is decoded twice and counts twice.
 */
export class PointBudget {
  private used = 0;
  private series = 0;

  constructor(
    private readonly limit: number,
    private readonly totalSeries: number,
  ) {}

  get points(): number {
    return this.used;
  }

  /** Counts the layers of one series before they are decoded; throws past the limit. */
  charge(seriesKey: string, layers: Iterable<SortedColumns | Uint8Array>): void {
    let points = 0;
    for (const layer of layers) points += layer instanceof Uint8Array ? headerCount(layer) : layer.timestamps.length;
    this.used += points;
    this.series++;
    if (this.used > this.limit) {
      throw new QueryLimitError(
        `this Read would decode more than ${this.limit} raw points (STRATA_READ_MAX_POINTS): ${this.used} counted from chunk ` +
          `headers in ${this.series} of its ${this.totalSeries} series (the last ${seriesKey}), before decoding them; narrow the ` +
          'time range, use a step the cold tier answers from rollups (5 m, 1 h, 1 d multiples) or select fewer series per call. ' +
          'Messages already received hold only part of the answer.',
        'STRATA_READ_MAX_POINTS',
        this.limit,
      );
    }
  }
}

/** A chunk's point count from its header; 0 for a chunk too broken to say (its decode reports it). */
function headerCount(chunk: Uint8Array): number {
  try {
    return chunkInfo(chunk, { verifyChecksum: false }).count;
  } catch {
    return 0;
  }
}
