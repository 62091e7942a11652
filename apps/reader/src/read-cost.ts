import { DAY_MS, HOUR_MS, type SortedColumns } from '@strata/storage';
import { chunkInfo } from '@strata/storage/codec';
import { dayNumber, monthOfDay, yearOfMonth } from '@strata/storage/cold';
import { QueryLimitError } from './errors';
import type { ReadPlan } from './planner';
import type { WorkCost } from './read-limits';
import { HOT_COMMANDS_PER_WINDOW } from './tier-sources';

/** What the pre-fetch estimate assumes and the ceilings it is held to (from ReadLimits). */
export interface ReadCostSettings {
  /**
   * Raw points assumed per series per day of range (STRATA_READ_POINTS_PER_SERIES_DAY): the
   * 1-minute resolution retention is defined for. Finer data is still caught while fetching,
   * from chunk headers (PointBudget).
   */
  readonly pointsPerSeriesDay: number;
  /** STRATA_READ_MAX_POINTS: the ceiling of the estimate and of the points counted while fetching. */
  readonly maxPointsPerRequest: number;
}

/** Bytes one decoded point takes in memory (a float64 timestamp and a float64 value). */
export const DECODED_POINT_BYTES = 16;
/**
 * Columns a stored rollup part decodes per row: min, max, sum, count, last, and the ULP
 * column of the decimal layout; PointBudget charges each column's chunk.
 */
const ROLLUP_COLUMNS = 6;

/**
 * A Read's cost before anything is fetched, in two measures held to two settings.
 *
 * Storage requests (`units`, STRATA_READ_MAX_REQUESTS): per series, three Redis commands
 * per window of the hot span (one pipeline), one DynamoDB Query (warm; it returns only the
 * windows that exist), and for the cold tier one range GET per archived day read raw, or
 * per stored rollup block (a day's 5 m rows, a month's 1 h rows, a year's 1 d rows).
 *
 * Points (`also`, STRATA_READ_MAX_POINTS): what the read would decode, known only from the
 * plan: series x days in range x STRATA_READ_POINTS_PER_SERIES_DAY for the days read raw,
 * and series x whole stored blocks x rows per block x columns for the days the cold tier
 * answers from rollups. Each day counts once, at the tier that answers it in steady state;
 * the hot span counts again (Redis and DynamoDB both hold it and both are decoded). Counting
 * one request per tier and series admitted a raw year of 1,000 series (2,000 "requests";
 * 527 M assumed points, and with 1-minute windows 5 M Redis commands) that then ran into
 * the time limit while every tenant's Redis calls queued behind its pipelines.
 */
export function estimateReadCost(series: number, plan: ReadPlan, settings: ReadCostSettings): WorkCost {
  const parts: string[] = [];
  const pointParts: string[] = [];
  let perSeries = 0;
  let pointsPerSeries = 0;
  const raw = (tier: string, ms: number) => {
    const days = ms / DAY_MS;
    const points = Math.ceil(days * settings.pointsPerSeriesDay);
    pointsPerSeries += points;
    pointParts.push(`${tier} ${formatDays(days)} raw`);
  };
  const cold = plan.tiers.find((t) => t.tier === 'cold');
  const coldSpan = cold ? { from: cold.fromStart, to: cold.toStart + DAY_MS } : undefined;
  for (const range of plan.tiers) {
    if (range.tier !== 'cold') {
      // Redis is asked for each window of the hot span (3 commands each, one pipeline); with
      // short windows that is thousands of commands per series, on the connection every
      // tenant's reads share. DynamoDB answers the whole range with one Query.
      const windows = range.tier === 'hot' ? Math.floor((range.toStart - range.fromStart) / plan.windowMs) + 1 : 0;
      const requests = range.tier === 'hot' ? windows * HOT_COMMANDS_PER_WINDOW : 1;
      perSeries += requests;
      parts.push(range.tier === 'hot' ? `hot ${requests} (${windows} windows x ${HOT_COMMANDS_PER_WINDOW} Redis commands)` : `${range.tier} 1`);
      const span = { from: range.fromStart, to: range.toStart + plan.windowMs };
      // Days the cold tier answers are counted once, there (warm keeps a day only until it is archived).
      const ms = overlapMs(plan, span) - (range.tier === 'warm' && coldSpan ? overlapMs(plan, intersect(span, coldSpan)) : 0);
      raw(range.tier, ms);
      continue;
    }
    const firstDay = dayNumber(range.fromStart);
    const lastDay = dayNumber(range.toStart);
    const days = lastDay - firstDay + 1;
    const resolution = plan.rollup?.resolutionMs;
    const blocks =
      resolution === DAY_MS
        ? yearOfMonth(monthOfDay(lastDay)) - yearOfMonth(monthOfDay(firstDay)) + 1
        : resolution === HOUR_MS
          ? monthOfDay(lastDay) - monthOfDay(firstDay) + 1
          : days;
    perSeries += blocks;
    parts.push(`cold ${blocks} (${days} days${resolution ? ` from stored ${resolution / 60_000} min rollups` : ' raw'})`);
    if (resolution === undefined) {
      raw('cold', overlapMs(plan, coldSpan!));
    } else {
      // Whole blocks: a block's part is fetched and decoded whole, and the budget counts it so.
      const rowsPerBlock = resolution === DAY_MS ? 366 : resolution === HOUR_MS ? 31 * 24 : DAY_MS / resolution;
      const rows = blocks * rowsPerBlock;
      pointsPerSeries += rows * ROLLUP_COLUMNS;
      pointParts.push(`cold ${rows} rollup rows x ${ROLLUP_COLUMNS} columns`);
    }
  }
  const points = series * pointsPerSeries;
  return {
    kind: 'read',
    units: series * perSeries,
    detail: `${series} series x ${perSeries} requests: ${parts.join(', ')}`,
    also: [
      {
        units: points,
        limit: settings.maxPointsPerRequest,
        setting: 'STRATA_READ_MAX_POINTS',
        unit: 'points to decode',
        reason: 'points_estimate',
        detail:
          `${series} series x ${pointsPerSeries} points: ${pointParts.join(' + ')}, at ${settings.pointsPerSeriesDay} raw points per series-day ` +
          `(STRATA_READ_POINTS_PER_SERIES_DAY); about ${formatBytes(points * DECODED_POINT_BYTES)} decoded`,
        advice: 'use a step the cold tier answers from rollups (5 m, 1 h, 1 d multiples), narrow the time range or select fewer series per call',
      },
    ],
  };
}

/** Milliseconds of [span.from, span.to) inside the plan's range (and before the last window it plans). */
function overlapMs(plan: ReadPlan, span: { from: number; to: number }): number {
  return Math.max(0, Math.min(span.to, plan.toMs) - Math.max(span.from, plan.fromMs));
}

function intersect(a: { from: number; to: number }, b: { from: number; to: number }): { from: number; to: number } {
  return { from: Math.max(a.from, b.from), to: Math.min(a.to, b.to) };
}

function formatDays(days: number): string {
  return days >= 10 ? `${Math.round(days)} days` : `${Number(days.toFixed(2))} days`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.ceil(bytes / 1024)} KiB`;
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
