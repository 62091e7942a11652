import { SeriesCache } from './series-cache';

describe('SeriesCache', () => {
  it('reports a series as new once, then again after it went idle', () => {
    let now = 0;
    const cache = new SeriesCache(10, 1_000, () => now);
    expect(cache.touch('a')).toBe(true);
    expect(cache.touch('a')).toBe(false);
    now = 2_000;
    expect(cache.touch('a')).toBe(true);
  });

  it('stays within its capacity, dropping the least recently seen', () => {
    const cache = new SeriesCache(2, 60_000, () => 0);
    cache.touch('a');
    cache.touch('b');
    cache.touch('a');
    cache.touch('c');
    expect(cache.size).toBe(2);
    expect(cache.touch('a')).toBe(false);
    expect(cache.touch('b')).toBe(true);
  });

  it('passivates idle series', () => {
    let now = 0;
    const cache = new SeriesCache(10, 1_000, () => now);
    cache.touch('old');
    now = 900;
    cache.touch('recent');
    now = 1_500;
    expect(cache.passivate()).toBe(1);
    expect(cache.size).toBe(1);
  });
});
