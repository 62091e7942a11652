import { rollupStats } from '@strata/model';
import { HOUR_MS } from '../core/time';
import { decodeRollupPart, rollupPartOf } from './parts';
import { ROLLUP_RESOLUTIONS_MS } from './periods';
import { buildDaySection } from './section';

describe('rollupPartOf', () => {
  // One day of 1-minute points: every stored resolution has rows in it.
  const start = Date.UTC(2026, 10, 1);
  const timestamps = Float64Array.from({ length: 1_440 }, (_, i) => start + i * 60_000);
  const points = { timestamps, values: Float64Array.from(timestamps, (_, i) => (i % 97) / 4) };
  const section = buildDaySection('cpu', points);

  it.each(ROLLUP_RESOLUTIONS_MS)('names the part in which the archiver stores the %s ms rows', (resolutionMs) => {
    const part = rollupPartOf(resolutionMs)!;
    expect(decodeRollupPart(section.parts[part])).toEqual(rollupStats(points, resolutionMs, { heads: part !== 'm5' }));
  });

  it('names no part for a resolution that is not stored', () => {
    for (const resolutionMs of [0, 60_000, 2 * HOUR_MS]) expect(rollupPartOf(resolutionMs)).toBeUndefined();
  });
});
