import { rollupStats } from '@strata/model';
import { HOUR_MS } from '../core/time';
import { decodeRollupPart, encodeRollupPart, rollupPartOf } from './parts';
import { ROLLUP_RESOLUTIONS_MS } from './periods';
import { buildDaySection } from './section';

describe('rollupPartOf', () => {
  // One day of 10-second points: every stored resolution has rows in it (the 5 m rows too,
  // at 30 points a row).
  const start = Date.UTC(2026, 10, 1);
  const timestamps = Float64Array.from({ length: 8_640 }, (_, i) => start + i * 10_000);
  // A random walk in hundredths (a fixed linear congruential sequence).
  let state = 1;
  let level = 5_000;
  const values = Float64Array.from(timestamps, () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    level += (state % 201) - 100;
    return level / 100;
  });
  const points = { timestamps, values };
  const section = buildDaySection('cpu', points);

  it.each(ROLLUP_RESOLUTIONS_MS)('names the part in which the archiver stores the %s ms rows', (resolutionMs) => {
    const part = rollupPartOf(resolutionMs)!;
    expect(decodeRollupPart(section.parts[part])).toEqual(rollupStats(points, resolutionMs, { heads: part !== 'm5' }));
  });

  it('leaves the 5 m rows out of a day of 1-minute points, whose rows cost about as much as its points', () => {
    const minutes = Float64Array.from({ length: 1_440 }, (_, i) => start + i * 60_000);
    const perMinute = { timestamps: minutes, values: Float64Array.from(minutes, (_, i) => (i % 97) / 4) };
    const day = buildDaySection('cpu', perMinute);
    expect(encodeRollupPart(rollupStats(perMinute, 300_000)).length).toBeGreaterThan(day.parts.raw.length / 2);
    expect(day.parts.m5).toHaveLength(0);
    expect(decodeRollupPart(day.parts.h1)).toEqual(rollupStats(perMinute, HOUR_MS, { heads: true }));
  });

  it('names no part for a resolution that is not stored', () => {
    for (const resolutionMs of [0, 60_000, 2 * HOUR_MS]) expect(rollupPartOf(resolutionMs)).toBeUndefined();
  });
});
