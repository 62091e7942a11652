import { SeriesCache } from './series-cache';

describe('SeriesCache', () => {
  it('reports a series as new once, then again after it went idle', () => {
    let now = 0;
    const cache = new SeriesCache(10, 1_000, () => now);
    expect(cache.touch('a', 5, 5)).toBe(true);
    expect(cache.touch('a', 5, 5)).toBe(false);
    now = 2_000;
    expect(cache.touch('a', 5, 5)).toBe(true);
  });

  it("reports a series again for a day outside those recorded (a new day, a late point), never for days within", () => {
    const cache = new SeriesCache(10, 60_000, () => 0);
    expect(cache.touch('a', 10, 10)).toBe(true);
    expect(cache.touch('a', 11, 11)).toBe(true);
    expect(cache.touch('a', 10, 11)).toBe(false);
    expect(cache.touch('a', 3, 3)).toBe(true);
    expect(cache.touch('a', 4, 9)).toBe(false);
    expect(cache.touch('a', 3, 12)).toBe(true);
    expect(cache.touch('a', 3, 12)).toBe(false);
  });

  it('stays within its capacity, dropping the least recently seen (to the second)', () => {
    let now = 0;
    const cache = new SeriesCache(2, 60_000, () => now);
    cache.touch('a', 1, 1);
    cache.touch('b', 1, 1);
    now = 1_000;
    cache.touch('a', 1, 1);
    cache.touch('c', 1, 1);
    expect(cache.size).toBe(2);
    expect(cache.touch('a', 1, 1)).toBe(false);
    expect(cache.touch('b', 1, 1)).toBe(true);
  });

  it('keeps the place of a series touched again within a second: the oldest of that second goes first', () => {
    let now = 0;
    const cache = new SeriesCache(2, 60_000, () => now);
    cache.touch('a', 1, 1);
    cache.touch('b', 1, 1);
    now = 999;
    expect(cache.touch('a', 1, 1)).toBe(false); // recent: not moved
    cache.touch('c', 1, 1);
    expect(cache.touch('b', 1, 1)).toBe(false);
    expect(cache.touch('a', 1, 1)).toBe(true); // 'a' was the one dropped
    // A touch that widens the days is recorded and moves it, however recent.
    expect(cache.touch('a', 1, 2)).toBe(true);
  });

  it('passivates idle series', () => {
    let now = 0;
    const cache = new SeriesCache(10, 1_000, () => now);
    cache.touch('old', 1, 1);
    now = 900;
    cache.touch('recent', 1, 1);
    now = 1_500;
    expect(cache.passivate()).toBe(1);
    expect(cache.size).toBe(1);
  });
});
