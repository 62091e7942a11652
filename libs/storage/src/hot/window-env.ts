import type { EnvReader } from '@strata/runtime';
import { MAX_POINTS_PER_CHUNK } from '../codec/encoding';
import { DAY_MS } from '../core/time';
import { DEFAULT_WINDOW_MS } from './hot-keys';

/**
 * The longest window (STRATA_WINDOW_MS). Timestamps are whole milliseconds, so a window of
 * W ms holds at most W points of one series; with W at most the points a chunk takes
 * (2^24, 4 h 39 min), every window that ingest can fill is sealed as one chunk. Of the
 * lengths that divide a day, 4 h (the default) is the longest under it.
 */
export const MAX_WINDOW_MS = MAX_POINTS_PER_CHUNK;

/** The longest window length that divides a day and fits MAX_WINDOW_MS: 4 h. */
const LONGEST_DAY_DIVISOR = 14_400_000;

/**
 * Reads STRATA_WINDOW_MS, which writer and reader must agree on: 1 min to MAX_WINDOW_MS,
 * dividing a day (windows never straddle a UTC day, which the archiver's day blocks rely on).
 */
export function readWindowMsEnv(reader: EnvReader): number {
  const windowMs = reader.int('STRATA_WINDOW_MS', DEFAULT_WINDOW_MS, { min: 60_000 });
  if (windowMs > MAX_WINDOW_MS) {
    reader.problem(
      `STRATA_WINDOW_MS=${windowMs} is above ${MAX_WINDOW_MS}: a window of 1 ms data would hold more points than a chunk takes (2^24), ` +
        `so it could never be sealed; the longest window that divides a day is ${LONGEST_DAY_DIVISOR} (4 h)`,
    );
  } else if (windowMs >= 60_000 && DAY_MS % windowMs !== 0) {
    reader.problem(`STRATA_WINDOW_MS=${windowMs} must divide a day (86400000) evenly`);
  }
  return windowMs;
}
