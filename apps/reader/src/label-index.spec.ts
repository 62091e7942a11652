import fc from 'fast-check';
import { compileMatchers, matchesSeries, parseSeriesKey, seriesKey, type LabelMatcher } from '@strata/model';
import { MemoryHot } from '../test/reader-harness';
import { daySpan, intersect, LabelIndex, literalAlternatives, subtract, TenantLabelIndex, union, type ArchivedPeriod } from './label-index';

const noPace = async () => undefined;
const compiled = (matchers: LabelMatcher[]) => {
  const c = compileMatchers(matchers);
  if ('problem' in c) throw new Error(c.problem);
  return c.matchers;
};

/** Series over a small alphabet of names, labels and values, so that matchers often hit. */
const arbSeries = fc.record({
  name: fc.constantFrom('up', 'cpu', 'mem', 'disk_io'),
  labels: fc.uniqueArray(fc.record({ name: fc.constantFrom('job', 'mode', 'host', 'env'), value: fc.constantFrom('a', 'b', 'node', 'idle', 'x-1') }), {
    selector: (l) => l.name,
    maxLength: 4,
  }),
  oldestDay: fc.integer({ min: 0, max: 20 }),
  span: fc.integer({ min: 0, max: 10 }),
});
const arbMatcher: fc.Arbitrary<LabelMatcher> = fc.record({
  name: fc.constantFrom('__name__', 'job', 'mode', 'host', 'env', 'absent'),
  type: fc.constantFrom('=' as const, '!=' as const, '=~' as const, '!~' as const),
  value: fc.constantFrom('', 'a', 'b', 'node', 'up', 'a|b', 'no.*', '.*', '.+', 'x-1|idle', 'cpu|mem|', '[a-c]'),
});

describe('TenantLabelIndex', () => {
  it('selects exactly the series that the matchers select and that have a point in the day span (model: every series tested)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbSeries, { maxLength: 40 }),
        fc.array(arbMatcher, { maxLength: 4 }),
        fc.integer({ min: -1, max: 25 }),
        fc.integer({ min: 0, max: 10 }),
        async (all, matchers, from, width) => {
          const index = new TenantLabelIndex();
          const days = new Map<string, [number, number]>();
          for (const s of all) {
            const key = seriesKey(s.name, s.labels);
            index.upsert(key, s.oldestDay, s.oldestDay + s.span);
            const known = days.get(key);
            days.set(key, known ? [Math.min(known[0], s.oldestDay), Math.max(known[1], s.oldestDay + s.span)] : [s.oldestDay, s.oldestDay + s.span]);
          }
          const span = from < 0 ? daySpan() : { from, to: from + width };
          const c = compiled(matchers);
          const expected = [...days]
            .filter(([key, [o, n]]) => {
              const { name, labels } = parseSeriesKey(key);
              return matchesSeries(c, name, labels) && n >= span.from && o <= span.to;
            })
            .map(([key]) => key)
            .sort();
          const got = (await index.select(c, span, noPace)).map((o) => index.keys[o]).sort();
          expect(got).toEqual(expected);
          // Label names and values of everything in the span, and of the selection.
          const inSpan = [...days].filter(([, [o, n]]) => n >= span.from && o <= span.to).map(([key]) => parseSeriesKey(key));
          const names = new Set<string>();
          for (const s of inSpan) {
            names.add('__name__');
            for (const l of s.labels) names.add(l.name);
          }
          expect(await index.labelNames(undefined, span, noPace)).toEqual([...names].sort());
          expect(await index.labelValues('job', undefined, span, noPace)).toEqual([...new Set(inSpan.flatMap((s) => s.labels.filter((l) => l.name === 'job').map((l) => l.value)))].sort());
          const selected = await index.select(c, span, noPace);
          expect(await index.labelValues('__name__', selected, span, noPace)).toEqual([...new Set(expected.map((k) => parseSeriesKey(k).name))].sort());
        },
      ),
      { numRuns: 400 },
    );
  });

  it('widens a known series to the days of each upsert and never narrows it', async () => {
    const index = new TenantLabelIndex();
    index.upsert('up{job="a"}', 10, 10);
    index.upsert('up{job="a"}', 12, 12);
    index.upsert('up{job="a"}', 11, 11);
    const at = async (from: number, to: number) => (await index.select(compiled([]), { from, to }, noPace)).length;
    expect([await at(9, 9), await at(10, 10), await at(11, 11), await at(12, 12), await at(13, 13)]).toEqual([0, 1, 1, 1, 0]);
    expect(index.size).toBe(1);
  });

  it('turns a time range into the UTC days it touches, the end exclusive', () => {
    const day = 86_400_000;
    expect(daySpan(5 * day, 6 * day)).toEqual({ from: 5, to: 5 });
    expect(daySpan(5 * day + 1, 6 * day + 1)).toEqual({ from: 5, to: 6 });
    expect(daySpan()).toEqual({ from: -Infinity, to: Infinity });
  });
});

describe('postings lists', () => {
  const sortedSet = fc.uniqueArray(fc.integer({ min: 0, max: 300 })).map((a) => a.sort((x, y) => x - y));
  it('intersect, union and subtract agree with sets', () => {
    fc.assert(
      fc.property(sortedSet, sortedSet, fc.array(sortedSet, { maxLength: 5 }), (a, b, many) => {
        expect(intersect(a, b)).toEqual(a.filter((x) => b.includes(x)));
        expect(subtract(a, b)).toEqual(a.filter((x) => !b.includes(x)));
        expect(union(many)).toEqual([...new Set(many.flat())].sort((x, y) => x - y));
      }),
    );
  });

  it('answers a regular expression of plain alternatives by lookups, and nothing else', () => {
    expect(literalAlternatives('a|b|node-1')).toEqual(['a', 'b', 'node-1']);
    expect(literalAlternatives('host:9100')).toEqual(['host:9100']);
    for (const special of ['a.b', 'a*', '(a|b)', 'a+', '[ab]', 'a\\|b', 'a?', '^a', 'a$', 'a{2}']) expect(literalAlternatives(special)).toBeUndefined();
  });
});

describe('LabelIndex', () => {
  it('reads only the catalogue changes since its last use, and starts over when the epoch changes', async () => {
    const hot = new MemoryHot();
    const index = new LabelIndex({ catalog: hot, firstKeptDay: () => 0, pageSize: 2 });
    const reads = jest.spyOn(hot, 'read');
    hot.addSeries('acme', ['a', 'b', 'c'], 1, 1);
    expect((await index.current('acme')).size).toBe(3);
    expect(reads.mock.calls).toEqual([
      ['acme', 0, 2], // pages of two
      ['acme', 2, 2],
    ]);
    reads.mockClear();
    await index.current('acme');
    expect(reads.mock.calls).toEqual([['acme', 3, 2]]); // one read, nothing after the last change seen
    hot.addSeries('acme', ['d'], 1, 1);
    reads.mockClear();
    const current = await index.current('acme');
    expect(current.keys).toEqual(['a', 'b', 'c', 'd']);
    expect(reads.mock.calls).toEqual([['acme', 3, 2]]);
    // Redis lost the catalogue and writers refilled part of it: a new epoch, a new index.
    hot.index.clear();
    hot.epoch = 'after-loss';
    hot.addSeries('acme', ['d'], 1, 1);
    reads.mockClear();
    expect((await index.current('acme')).keys).toEqual(['d']);
    // The first read went on from the lost catalogue's sequence; the new one is read from its start.
    expect(reads.mock.calls).toEqual([
      ['acme', 4, 2],
      ['acme', 0, 2],
    ]);
  });

  describe('following', () => {
    // The interval is faked; the in-memory catalogue's setImmediate is not.
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
    afterEach(() => jest.useRealTimers());
    /** Lets a background refresh finish against the in-memory catalogue. */
    const settle = async () => {
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    };

    it('brings a tenant used lately up to date in the background, so a use reads only what changed since', async () => {
      const hot = new MemoryHot();
      const index = new LabelIndex({ catalog: hot, firstKeptDay: () => 0, followMs: 250 });
      const reads = jest.spyOn(hot, 'read');
      index.start();
      try {
        hot.addSeries('acme', ['a'], 1, 1);
        hot.addSeries('other', ['x'], 1, 1);
        await index.current('acme');
        reads.mockClear();
        // A burst of new series, then no use: the follower reads them, the unused tenant is not read.
        hot.addSeries('acme', Array.from({ length: 100 }, (_, i) => `new${i}`), 1, 1);
        jest.advanceTimersByTime(250);
        await settle();
        expect(reads.mock.calls).toEqual([['acme', 1, 5_000]]);
        expect(index.size('acme')).toBe(101);
        expect(index.size('other')).toBe(0);
        reads.mockClear();
        // The use reads on from where the follower stopped (the in-memory catalogue numbers
        // changes across tenants: 'other' took 2) and finds nothing new.
        expect((await index.current('acme')).size).toBe(101);
        expect(reads.mock.calls).toEqual([['acme', 102, 5_000]]);
        expect((await reads.mock.results[0].value).entries).toEqual([]);
      } finally {
        index.stop();
      }
    });

    it('does not hand a use a background refresh that read the position before the use began', async () => {
      const hot = new MemoryHot();
      const index = new LabelIndex({ catalog: hot, firstKeptDay: () => 0, followMs: 250 });
      index.start();
      try {
        hot.addSeries('acme', ['a'], 1, 1);
        await index.current('acme');
        // The background read is held in Redis while the writer adds a series and a use begins.
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        const read = hot.read.bind(hot);
        const reads = jest.spyOn(hot, 'read').mockImplementationOnce(async (...args) => {
          const answer = await read(...args);
          await held;
          return answer;
        });
        jest.advanceTimersByTime(250);
        await settle();
        expect(reads).toHaveBeenCalledTimes(1);
        hot.addSeries('acme', ['b'], 1, 1);
        const use = index.current('acme');
        release();
        expect((await use).keys).toEqual(['a', 'b']);
        expect(reads).toHaveBeenCalledTimes(2);
      } finally {
        index.stop();
      }
    });

    it('follows at most followTenants tenants, the most recently used', async () => {
      const hot = new MemoryHot();
      const index = new LabelIndex({ catalog: hot, firstKeptDay: () => 0, followMs: 250, followTenants: 2 });
      index.start();
      try {
        for (const tenant of ['a', 'b', 'c']) hot.addSeries(tenant, ['x'], 1, 1);
        await index.current('a');
        await index.current('b');
        await index.current('a'); // a is now the most recent; b the least
        await index.current('c');
        expect(index.followed()).toBe(2);
        const reads = jest.spyOn(hot, 'read');
        for (const tenant of ['a', 'b', 'c']) hot.addSeries(tenant, ['y'], 1, 1);
        jest.advanceTimersByTime(250);
        await settle();
        expect(reads.mock.calls.map(([tenant]) => tenant).sort()).toEqual(['a', 'c']);
      } finally {
        index.stop();
      }
    });

    it('stops following a tenant unused for followIdleMs, drops failed background reads, and does nothing with followMs 0', async () => {
      const hot = new MemoryHot();
      let now = 0;
      const index = new LabelIndex({ catalog: hot, firstKeptDay: () => 0, followMs: 250, followIdleMs: 1_000, now: () => now });
      const reads = jest.spyOn(hot, 'read');
      index.start();
      try {
        hot.addSeries('acme', ['a'], 1, 1);
        await index.current('acme');
        expect(index.followed()).toBe(1);
        reads.mockClear();
        reads.mockRejectedValueOnce(new Error('redis down'));
        now = 300;
        jest.advanceTimersByTime(250);
        await settle();
        expect(reads).toHaveBeenCalledTimes(1);
        now = 1_301;
        jest.advanceTimersByTime(250);
        await settle();
        expect(index.followed()).toBe(0);
        expect(reads).toHaveBeenCalledTimes(1);
      } finally {
        index.stop();
      }
      const off = new LabelIndex({ catalog: hot, firstKeptDay: () => 0, followMs: 0 });
      off.start();
      await off.current('acme');
      expect(off.followed()).toBe(0);
      expect(jest.getTimerCount()).toBe(0);
      off.stop();
    });
  });

  it("adds the series of archived periods, each period once until its blocks change, only within the tenant's retention", async () => {
    const hot = new MemoryHot();
    const loads: string[] = [];
    let periods: Array<ArchivedPeriod & { since?: number }> = [];
    const period = (id: string, oldestDay: number, newestDay: number, keys: string[]): ArchivedPeriod => ({
      id,
      oldestDay,
      newestDay,
      keys: async () => {
        loads.push(id);
        return keys;
      },
    });
    let now = 0;
    let since = -1;
    const index = new LabelIndex({
      catalog: hot,
      archived: {
        periods: async (_tenant, sinceDay) => {
          since = sinceDay;
          return periods;
        },
      },
      firstKeptDay: (tenant, nowMs) => (tenant === 'acme' ? Math.floor(nowMs / 86_400_000) - 460 : 0),
      archivedRefreshMs: 1_000,
      now: () => now,
    });
    hot.addSeries('acme', ['up{job="a"}'], 500, 500);
    periods = [period('m1:x', 100, 120, ['up{job="a"}', 'old{job="b"}'])];
    now = 500 * 86_400_000;
    const first = await index.current('acme');
    expect(since).toBe(40);
    expect([...first.keys].sort()).toEqual(['old{job="b"}', 'up{job="a"}']);
    expect((await first.select(compiled([]), { from: 110, to: 110 }, noPace)).map((o) => first.keys[o]).sort()).toEqual(['old{job="b"}', 'up{job="a"}']);
    // Days are an extent: the hot catalogue's day 500 and the archive's 100-120 make 100-500.
    expect((await first.select(compiled([]), { from: 300, to: 300 }, noPace)).map((o) => first.keys[o])).toEqual(['up{job="a"}']);
    expect((await first.select(compiled([]), { from: 501, to: 600 }, noPace)).length).toBe(0);
    // Within the refresh interval: not looked at; after it, only a changed period is read.
    periods = [period('m1:x', 100, 120, []), period('m2:y', 130, 150, ['new{job="c"}'])];
    await index.current('acme');
    expect(loads).toEqual(['m1:x']);
    now += 1_000;
    expect((await index.current('acme')).size).toBe(3);
    expect(loads).toEqual(['m1:x', 'm2:y']);
  });
});
