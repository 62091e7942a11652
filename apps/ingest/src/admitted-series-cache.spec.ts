import { AdmittedSeriesCache } from './admitted-series-cache';

const MINUTE = 60_000;

describe('AdmittedSeriesCache', () => {
  const cache = () => new AdmittedSeriesCache(3, 10 * MINUTE, 60 * MINUTE);

  it.each([
    ['never admitted', 'unknown', undefined],
    ['admitted just now', 'fresh', 0],
    ['admitted just before the refresh age', 'fresh', 10 * MINUTE - 1],
    ['admitted at the refresh age', 'known', 10 * MINUTE],
    ['admitted just before the active span ends', 'known', 60 * MINUTE - 1],
    ['admitted a full active span ago', 'unknown', 60 * MINUTE],
  ])('a series %s is %s', (_case, expected, age) => {
    const c = cache();
    if (age !== undefined) c.admitted(AdmittedSeriesCache.key('acme', 'cpu'), 1_000);
    expect(c.state(AdmittedSeriesCache.key('acme', 'cpu'), 1_000 + (age ?? 0))).toBe(expected);
  });

  it('keeps tenants apart', () => {
    const c = cache();
    c.admitted(AdmittedSeriesCache.key('acme', 'cpu'), 0);
    expect(c.state(AdmittedSeriesCache.key('beta', 'cpu'), 0)).toBe('unknown');
  });

  it('forgets a series once it has aged out of the active span', () => {
    const c = cache();
    c.admitted(AdmittedSeriesCache.key('acme', 'cpu'), 0);
    expect(c.state(AdmittedSeriesCache.key('acme', 'cpu'), 60 * MINUTE)).toBe('unknown');
    expect(c.size).toBe(0);
  });

  it('drops the least recently written series when full', () => {
    const c = cache();
    for (const s of ['a', 'b', 'c']) c.admitted(AdmittedSeriesCache.key('acme', s), 0);
    expect(c.state(AdmittedSeriesCache.key('acme', 'a'), 1)).toBe('fresh'); // a is now the most recently used
    c.admitted(AdmittedSeriesCache.key('acme', 'd'), 2);
    expect(c.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((s) => c.state(AdmittedSeriesCache.key('acme', s), 3))).toEqual(['fresh', 'unknown', 'fresh', 'fresh']);
  });

  it('renews a series admitted again', () => {
    const c = cache();
    c.admitted(AdmittedSeriesCache.key('acme', 'cpu'), 0);
    c.admitted(AdmittedSeriesCache.key('acme', 'cpu'), 50 * MINUTE);
    expect(c.state(AdmittedSeriesCache.key('acme', 'cpu'), 55 * MINUTE)).toBe('fresh');
  });

  it('holds nothing at capacity 0', () => {
    const c = new AdmittedSeriesCache(0, MINUTE, 2 * MINUTE);
    c.admitted(AdmittedSeriesCache.key('acme', 'cpu'), 0);
    expect(c.state(AdmittedSeriesCache.key('acme', 'cpu'), 0)).toBe('unknown');
  });

  it('refuses a refresh age that is not below the active span', () => {
    expect(() => new AdmittedSeriesCache(10, MINUTE, MINUTE)).toThrow(/refreshMs \(60000\) must be below activeMs/);
  });
});
