import { rollupStats, withoutStaleness, type RollupStats } from '@strata/model';
import { encodeChunk } from '../codec/chunk';
import { MAX_POINTS_PER_CHUNK } from '../codec/encoding';
import type { SortedColumns } from '../core/columns';
import { DAY_MS } from '../core/time';
import type { SeriesSection } from './block';
import { encodeRawPart, encodeRollupPart } from './parts';

const EMPTY = new Uint8Array(0);

/**
 * A series' section of a day block from its raw points of the day (sorted, distinct
 * timestamps): the points as chunks of at most 1 048 576 points, and the 5 m, 1 h and
 * 1 d rollups computed from them. Pure and deterministic.
 */
export function buildDaySection(seriesKey: string, points: SortedColumns): SeriesSection {
  const n = points.timestamps.length;
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < n; i += MAX_POINTS_PER_CHUNK) {
    const end = Math.min(n, i + MAX_POINTS_PER_CHUNK);
    chunks.push(encodeChunk({ timestamps: points.timestamps.subarray(i, end), values: points.values.subarray(i, end) }));
  }
  // The raw part keeps staleness (for PromQL); rollups are of values only.
  const values = withoutStaleness(points);
  return {
    seriesKey,
    points: n,
    parts: {
      raw: encodeRawPart(chunks),
      m5: encodeRollupPart(rollupStats(values, 300_000)),
      // Heads (the point at each bucket start) for PromQL's left-open windows; 5 m rows go
      // without, as they would cost about a byte a point.
      h1: encodeRollupPart(rollupStats(values, 3_600_000, { heads: true })),
      d1: encodeRollupPart(rollupStats(values, DAY_MS, { heads: true })),
    },
  };
}

/** A series' section of a month rollup block: its 1 h and 1 d rows of the month's days. */
export function buildMonthSection(seriesKey: string, points: number, h1: RollupStats, d1: RollupStats): SeriesSection {
  return { seriesKey, points, parts: { raw: EMPTY, m5: EMPTY, h1: encodeRollupPart(h1), d1: encodeRollupPart(d1) } };
}

/** A series' section of a year rollup block: its 1 d rows of the year's archived days. */
export function buildYearSection(seriesKey: string, points: number, d1: RollupStats): SeriesSection {
  return { seriesKey, points, parts: { raw: EMPTY, m5: EMPTY, h1: EMPTY, d1: encodeRollupPart(d1) } };
}
