import { seriesKey } from '@strata/model';
import { MatchType } from '@strata/proto';
import { InvalidQueryError, QueryLimitError, ReadCancelledError } from './errors';
import { readerHarness } from '../test/reader-harness';

/** Long names that all start like the pathological pattern and never match it. */
const longNames = (n: number) => Array.from({ length: n }, (_, i) => `${'a'.repeat(240)}.${String(i).padStart(8, '0')}`);
const PATHOLOGICAL = `*${'a'.repeat(120)}b*`;

/**
 * Counts the event loop's turns from now until stop(), and the longest time between two of
 * them (the last one up to stop() included, so work that never yields counts in full).
 */
function watchEventLoop(): { stop: () => { turns: number; longestGapMs: number } } {
  let turns = 0;
  let longestGapMs = 0;
  let last = performance.now();
  let running = true;
  const tick = () => {
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
    turns++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop: () => {
      running = false;
      return { turns, longestGapMs: Math.max(longestGapMs, performance.now() - last) };
    },
  };
}

describe('SeriesLister', () => {
  it('lists the tenant’s matching series, sorted, and nothing of another tenant', async () => {
    const h = readerHarness();
    h.hot.addSeries('acme', ['host.b.cpu', 'host.a.cpu', 'mem', 'host.a.cpu{core="1"}']);
    h.hot.addSeries('other', ['host.c.cpu']);
    const { series } = await h.lister.list('acme', { match: 'host.*.cpu' });
    expect(series.map((s) => [s.name, s.labels])).toEqual([
      ['host.a.cpu', []],
      ['host.a.cpu', [{ name: 'core', value: '1' }]],
      ['host.b.cpu', []],
    ]);
  });

  it('selects by label matchers too: =, !=, =~, !~, the name as __name__, a missing label as ""', async () => {
    const h = readerHarness();
    h.hot.addSeries('acme', [
      'node_cpu_seconds_total{cpu="0",mode="idle"}',
      'node_cpu_seconds_total{cpu="0",mode="user"}',
      'node_cpu_seconds_total{cpu="1",mode="idle"}',
      'node_load1',
      'up{job="node"}',
    ]);
    h.hot.addSeries('other', ['node_cpu_seconds_total{cpu="0",mode="idle"}']);
    const keys = (matchers: Array<{ name: string; type: MatchType; value: string }>, match = '') =>
      h.lister.list('acme', { match, matchers }).then((r) => r.series.map((x) => seriesKey(x.name, x.labels)));
    expect(await keys([{ name: '__name__', type: MatchType.EQUAL, value: 'node_cpu_seconds_total' }, { name: 'mode', type: MatchType.NOT_EQUAL, value: 'user' }])).toEqual([
      'node_cpu_seconds_total{cpu="0",mode="idle"}',
      'node_cpu_seconds_total{cpu="1",mode="idle"}',
    ]);
    expect(await keys([{ name: '__name__', type: MatchType.REGEX, value: 'node_.*' }, { name: 'cpu', type: MatchType.EQUAL, value: '' }])).toEqual(['node_load1']);
    expect(await keys([{ name: 'mode', type: MatchType.NOT_REGEX, value: 'idle|user' }], 'node*')).toEqual(['node_load1']);
    expect(await keys([{ name: 'job', type: MatchType.REGEX, value: 'no' }])).toEqual([]);
  });

  it('refuses an invalid regular expression as an invalid query, naming it', async () => {
    const h = readerHarness();
    await expect(h.lister.list('acme', { match: '', matchers: [{ name: 'job', type: MatchType.REGEX, value: '(' }] })).rejects.toThrow(InvalidQueryError);
    await expect(h.lister.list('acme', { match: '', matchers: [{ name: 'job', type: MatchType.REGEX, value: '(' }] })).rejects.toThrow(/regular expression on job is not valid RE2/);
  });

  it('refuses a pattern longer than STRATA_LIST_MAX_PATTERN_LENGTH, and takes one at it', async () => {
    const h = readerHarness({ listing: { maxPatternLength: 64 } });
    await expect(h.lister.list('acme', { match: '*'.repeat(65) })).rejects.toThrow(InvalidQueryError);
    await expect(h.lister.list('acme', { match: '*'.repeat(65) })).rejects.toThrow(/65 characters; the limit is 64 \(STRATA_LIST_MAX_PATTERN_LENGTH\)/);
    await expect(h.lister.list('acme', { match: '?'.repeat(64) })).resolves.toEqual({ series: [] });
  });

  it('refuses before matching when the selection may touch more series than STRATA_LIST_MAX_SCANNED, by the index estimate', async () => {
    const admission = { maxCost: { read: { units: 1e6, setting: 'STRATA_READ_MAX_REQUESTS', unit: 'storage requests' }, list: { units: 1_000, setting: 'STRATA_LIST_MAX_SCANNED', unit: 'series to select from' } } };
    const h = readerHarness({ admission });
    h.hot.addSeries('acme', longNames(1_001));
    h.hot.addSeries('acme', ['up{job="a"}']);
    const index = await h.labelIndex.current('acme');
    const select = jest.spyOn(index, 'select');
    await expect(h.lister.list('acme', { match: 'x*' })).rejects.toMatchObject({
      constructor: QueryLimitError,
      setting: 'STRATA_LIST_MAX_SCANNED',
      message: expect.stringMatching(/about 1002 series to select from \("x\*" may touch 1002 series\); the limit is 1000/),
    });
    expect(select).not.toHaveBeenCalled();
    // An equality narrows the estimate to its postings: admitted.
    await expect(h.lister.list('acme', { match: 'x*', matchers: [{ name: 'job', type: MatchType.EQUAL, value: 'a' }] })).resolves.toEqual({ series: [] });
    const small = readerHarness({ admission });
    small.hot.addSeries('acme', longNames(1_000));
    await expect(small.lister.list('acme', { match: 'x*' })).resolves.toEqual({ series: [] });
  });

  it('refuses a match-all pattern over more series than STRATA_LIST_MAX_SERIES before matching', async () => {
    const h = readerHarness({ limits: { maxListSeries: 10 } });
    h.hot.addSeries('acme', longNames(11));
    const index = await h.labelIndex.current('acme');
    const select = jest.spyOn(index, 'select');
    for (const match of ['', '*', '***']) await expect(h.lister.list('acme', { match })).rejects.toMatchObject({ setting: 'STRATA_LIST_MAX_SERIES' });
    expect(select).not.toHaveBeenCalled();
    await expect(h.lister.list('acme', { match: '*.0000000?' })).resolves.toMatchObject({ series: { length: 10 } });
    await expect(h.lister.list('acme', { match: '*.000000??' })).rejects.toThrow(/more than 10 series match "\*\.000000\?\?" \(STRATA_LIST_MAX_SERIES\)/);
  });

  it('stops a listing past its CPU budget with a refusal naming STRATA_LIST_CPU_MS', async () => {
    const h = readerHarness({ listing: { cpuMs: 5, sliceMs: 1 } });
    h.hot.addSeries('acme', longNames(100_000));
    const error = await h.lister.list('acme', { match: `*${'a'.repeat(60)}?${'a'.repeat(60)}b*` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryLimitError);
    expect((error as QueryLimitError).message).toMatch(/took more than 5 ms of CPU time \(STRATA_LIST_CPU_MS\)/);
    expect(await h.registry.getSingleMetricAsString('strata_reader_limit_refusals_total')).toMatch(/kind="list",reason="list_cpu"} 1/);
  });

  it('matches in slices that let the event loop serve other calls between them', async () => {
    const h = readerHarness({ listing: { sliceMs: 2, cpuMs: 60_000 } });
    h.hot.addSeries('acme', longNames(100_000));
    await h.labelIndex.current('acme'); // the index is loaded: only the slicing of the matching can let other work in
    const loop = watchEventLoop();
    const started = performance.now();
    await expect(h.lister.list('acme', { match: PATHOLOGICAL })).resolves.toEqual({ series: [] });
    const listingMs = performance.now() - started;
    const { turns, longestGapMs } = loop.stop();
    // Other work ran throughout, not once at the end: many turns, none waiting for the whole listing.
    expect(turns).toBeGreaterThan(5);
    expect(longestGapMs).toBeLessThan(listingMs / 2);
  });

  it('looks at the clock every few values when each test of a value is slow, so no slice runs long', async () => {
    const h = readerHarness({ listing: { sliceMs: 2, cpuMs: 60_000 } });
    h.hot.addSeries('acme', Array.from({ length: 4_000 }, (_, i) => `m{x="${i}"}`));
    const index = await h.labelIndex.current('acme');
    const select = index.select.bind(index);
    let tested = 0;
    // 0.2 ms a value, as a backtracking regular expression over long values costs.
    jest.spyOn(index, 'select').mockImplementation((matchers, days, pace) =>
      select(matchers.map((m) => ({ ...m, test: (v: string) => { tested++; const until = performance.now() + 0.2; while (performance.now() < until); return m.test(v); } })), days, pace),
    );
    const loop = watchEventLoop();
    await expect(h.lister.list('acme', { match: '', matchers: [{ name: 'x', type: MatchType.REGEX, value: 'never.*' }] })).resolves.toEqual({ series: [] });
    const { longestGapMs } = loop.stop();
    expect(tested).toBe(4_000);
    // Pacing every 4,096 values held the loop for all 800 ms of tests; every 64, about 13 ms
    // (the bound leaves room for a loaded machine).
    expect(longestGapMs).toBeLessThan(300);
  }, 20_000);

  // Indexing 150,000 long names takes seconds on a loaded 2-core machine; the limits under test are in ms.
  it('stops matching at STRATA_LIST_TIMEOUT_MS, and when the caller cancels', async () => {
    const h = readerHarness({
      listing: { sliceMs: 1, cpuMs: 60_000 },
      admission: { timeoutMs: { read: { ms: 60_000, setting: 'STRATA_READ_TIMEOUT_MS' }, list: { ms: 20, setting: 'STRATA_LIST_TIMEOUT_MS' } } },
    });
    h.hot.addSeries('acme', longNames(100_000));
    const index = await h.labelIndex.current('acme');
    // Matching that would take long: every value of a label, tested slowly.
    const slowly = { name: 'x', type: MatchType.NOT_REGEX, value: 'never' };
    h.hot.addSeries('acme', Array.from({ length: 50_000 }, (_, i) => `m{x="${i}"}`));
    let tested = 0;
    const select = index.select.bind(index);
    jest.spyOn(index, 'select').mockImplementation((matchers, days, pace) =>
      select(
        matchers.map((m) => ({ ...m, test: (v: string) => { tested++; const until = performance.now() + 0.01; while (performance.now() < until); return m.test(v); } })),
        days,
        pace,
      ),
    );
    await expect(h.lister.list('acme', { match: '', matchers: [slowly] })).rejects.toMatchObject({ setting: 'STRATA_LIST_TIMEOUT_MS', message: expect.stringMatching(/longer than 20 ms/) });
    const afterTimeout = tested;
    await new Promise((r) => setTimeout(r, 100));
    expect(tested).toBe(afterTimeout);
    expect(afterTimeout).toBeLessThan(50_000);

    const caller = new AbortController();
    setTimeout(() => caller.abort(), 10);
    const patient = readerHarness({ listing: { sliceMs: 1, cpuMs: 60_000 } });
    patient.hot.addSeries('acme', Array.from({ length: 50_000 }, (_, i) => `m{x="${i}"}`));
    const patientIndex = await patient.labelIndex.current('acme');
    const patientSelect = patientIndex.select.bind(patientIndex);
    jest.spyOn(patientIndex, 'select').mockImplementation((matchers, days, pace) =>
      patientSelect(matchers.map((m) => ({ ...m, test: (v: string) => { const until = performance.now() + 0.01; while (performance.now() < until); return m.test(v); } })), days, pace),
    );
    await expect(patient.lister.list('acme', { match: '', matchers: [slowly] }, caller.signal)).rejects.toBeInstanceOf(ReadCancelledError);
    expect(patient.limiter.load('acme')).toEqual({ running: 0, queued: 0 });
    expect(await h.registry.getSingleMetricAsString('strata_reader_listing_duration_seconds')).toMatch(/result="STRATA_LIST_TIMEOUT_MS"/);
  }, 30_000);

  it('answers label values up to STRATA_LIST_MAX_LABEL_VALUES and refuses one more, naming it', async () => {
    const h = readerHarness({ listing: { maxLabelValues: 100 } });
    h.hot.addSeries('acme', Array.from({ length: 100 }, (_, i) => `m{pod="p${i}"}`));
    expect(await h.lister.labelValues('acme', 'pod', { selectors: [] })).toHaveLength(100);
    h.hot.addSeries('acme', ['m{pod="p100"}']);
    await expect(h.lister.labelValues('acme', 'pod', { selectors: [] })).rejects.toMatchObject({ setting: 'STRATA_LIST_MAX_LABEL_VALUES' });
    // Another tenant's values are not held back by this one's.
    h.hot.addSeries('other', ['m{pod="q"}']);
    expect(await h.lister.labelValues('other', 'pod', { selectors: [] })).toEqual(['q']);
  });

  it('refuses a negative or empty time range on ListSeries, and lists within a range by day', async () => {
    const h = readerHarness();
    const day = 86_400_000;
    h.hot.addSeries('acme', ['old'], 10, 10);
    h.hot.addSeries('acme', ['new'], 20, 20);
    await expect(h.lister.list('acme', { match: '', fromMs: -1 })).rejects.toThrow(InvalidQueryError);
    await expect(h.lister.list('acme', { match: '', fromMs: 5 * day, toMs: 5 * day })).rejects.toThrow(/must be before to_ms/);
    const names = async (fromMs: number, toMs: number) => (await h.lister.list('acme', { match: '', fromMs, toMs })).series.map((s) => s.name);
    expect(await names(10 * day, 11 * day)).toEqual(['old']);
    expect(await names(11 * day, 20 * day)).toEqual([]);
    expect(await names(11 * day, 20 * day + 1)).toEqual(['new']);
    expect(await names(0, 0)).toEqual(['new', 'old']);
  });
});
