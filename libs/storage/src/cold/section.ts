import { rollupStats, withoutStaleness, type RollupStats } from '@strata/model';
import { encodeChunk } from '../codec/chunk';
import { MAX_POINTS_PER_CHUNK } from '../codec/encoding';
import type { SortedColumns } from '../core/columns';
import { DAY_MS } from '../core/time';
import type { SeriesSection } from './block';
import { encodeRawPart, encodeRollupPart } from './parts';

const EMPTY = new Uint8Array(0);

/**
 * A day's 5 m rows are stored only when they take at most this share of the bytes of the
 * raw points they summarise. A series sampled once a minute has five points a row, and its
 * rows cost about as much as its points (docs/cold-format.md, "Measured sizes"): reading
 * the raw points instead fetches no more bytes, and the reader rolls them up as it does
 * for the hot and warm tiers. Denser series (a 15 s scrape: 20 points a row) keep theirs.
 */
export const M5_MAX_SHARE_OF_RAW = 0.5;

/**
 * A series' section of a day block from its raw points of the day (sorted, distinct
 * timestamps): the points as chunks of at most 1 048 576 points, and the 5 m, 1 h and
 * 1 d rollups computed from them (the 5 m rows only where they are much smaller than the
 * points: {@link M5_MAX_SHARE_OF_RAW}). Pure and deterministic.
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
  const raw = encodeRawPart(chunks);
  const m5 = encodeRollupPart(rollupStats(values, 300_000));
  return {
    seriesKey,
    points: n,
    parts: {
      raw,
      m5: m5.length <= raw.length * M5_MAX_SHARE_OF_RAW ? m5 : EMPTY,
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
