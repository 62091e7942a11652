import { DAY_MS } from '@strata/storage';
import { monthOfDay } from '@strata/storage/cold';
import { MemoryCold, readerHarness } from '../test/reader-harness';
import { ColdArchivedSeries } from './archived-series';
import { LabelIndex } from './label-index';
import { SeriesLister } from './series-lister';

const DAY = 20_400; // 2025-11-08
const at = (day: number, minute = 0) => day * DAY_MS + minute * 60_000;

describe('ColdArchivedSeries', () => {
  it("lists a month with rollup blocks as one period, a month without as one per day, within the tenant's retention", async () => {
    const cold = new MemoryCold();
    const month = monthOfDay(DAY);
    const points = new Map([
      ['cpu{host="a"}', [[at(DAY), 1] as const, [at(DAY + 1), 2] as const]],
      ['cpu{host="b"}', [[at(DAY + 1), 3] as const]],
    ]);
    cold.archive('acme', points);
    cold.archive('acme', new Map([['old', [[at(DAY - 40), 1] as const]]]));
    const source = new ColdArchivedSeries(cold.reader(), () => at(DAY + 30));
    const daily = await source.periods('acme', DAY - 60);
    expect(daily.map((p) => [p.oldestDay, p.newestDay])).toEqual([
      [DAY - 40, DAY - 40],
      [DAY, DAY],
      [DAY + 1, DAY + 1],
    ]);
    expect(await daily[2].keys()).toEqual(['cpu{host="a"}', 'cpu{host="b"}']);
    // Past retention: the month of DAY - 40 is left out.
    expect((await source.periods('acme', DAY - 5)).map((p) => p.oldestDay)).toEqual([DAY, DAY + 1]);
    // Compacted: one period for the month, named by its blocks, covering the days it lists.
    cold.compact('acme', month, points);
    const monthly = await new ColdArchivedSeries(cold.reader(), () => at(DAY + 30)).periods('acme', DAY - 5);
    expect(monthly.map((p) => [p.id.startsWith(`m${month}:1:`), p.oldestDay, p.newestDay])).toEqual([[true, DAY, DAY + 1]]);
    expect(await monthly[0].keys()).toEqual(['cpu{host="a"}', 'cpu{host="b"}']);
    expect(await source.periods('other', 0)).toEqual([]);
  });

  it('lets a listing find a series known only from archived days, and only for a range that reaches them', async () => {
    const cold = new MemoryCold();
    cold.archive('acme', new Map([['gone{job="x"}', [[at(DAY), 1] as const]]]));
    const h = readerHarness({ cold: cold.reader(), now: () => at(DAY + 20) });
    h.hot.addSeries('acme', ['live{job="x"}'], DAY + 20, DAY + 20);
    // The harness's index has no cold side; one with it, as the reader wires it:
    const lister = new SeriesLister({
      index: new LabelIndex({ catalog: h.hot, archived: new ColdArchivedSeries(cold.reader(), () => at(DAY + 20)), firstKeptDay: () => 0, now: () => at(DAY + 20) }),
      limiter: h.limiter,
      limits: { maxResults: 100, maxPatternLength: 256, cpuMs: 1_000, sliceMs: 5, maxLabelValues: 100 },
      metrics: h.metrics,
    });
    const job = [{ name: 'job', type: '=' as const, value: 'x' }];
    expect(await lister.find('acme', { matchers: job })).toEqual(['gone{job="x"}', 'live{job="x"}']);
    expect(await lister.find('acme', { matchers: job, fromMs: at(DAY), toMs: at(DAY + 1) })).toEqual(['gone{job="x"}']);
    expect(await lister.find('acme', { matchers: job, fromMs: at(DAY + 10) })).toEqual(['live{job="x"}']);
    expect(await lister.labelValues('acme', '__name__', { selectors: [], fromMs: at(DAY), toMs: at(DAY + 1) })).toEqual(['gone']);
  });
});
