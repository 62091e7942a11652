import { createLogger, workerEntry } from '@strata/runtime';
import { evaluate, loadQuery, parsePromql, PromqlExecutionError, PromqlLimitError, type Queryable, type StoredSeries } from '@strata/promql';
import { QueryLimitError } from './errors';
import { formatQueryValue } from './promql-json';
import { PromqlPool, PromqlQueueFullError } from './promql-pool';

const M = 60_000;
const series: StoredSeries[] = [
  { labels: [{ name: '__name__', value: 'up' }, { name: 'instance', value: 'a' }], t: [0, M, 2 * M, 3 * M], v: [1, 2, 3, 4] },
  { labels: [{ name: '__name__', value: 'up' }, { name: 'instance', value: 'b' }], t: [0, M, 2 * M], v: [5, 6, NaN] },
];
const store: Queryable = { select: async () => series };
const range = { startMs: 0, endMs: 10 * M, stepMs: M };

describe('PromqlPool', () => {
  const pool = new PromqlPool({ entry: workerEntry(__dirname, 'promql'), size: 1, maxQueue: 1, logger: createLogger({ service: 'spec', level: 'silent' }) });
  beforeAll(() => pool.start(), 30_000);
  afterAll(() => pool.stop());

  const task = async (query: string, options = {}, deadlineMs = Date.now() + 10_000) => ({
    query,
    range,
    options,
    loaded: await loadQuery(parsePromql(query), range, store, options),
    deadlineMs,
  });
  const signal = () => new AbortController().signal;

  it('answers in a worker thread what the event loop would, as the JSON of the API data', async () => {
    for (const query of ['up', 'sum(rate(up[2m]))', 'max_over_time(up[3m]) > bool 2', 'time()']) {
      const json = await pool.evaluate(await task(query), 't', signal(), 10_000);
      expect({ query, data: JSON.parse(json) }).toEqual({ query, data: JSON.parse(JSON.stringify(formatQueryValue(await evaluate(parsePromql(query), range, store)))) });
    }
  });

  it('throws what the engine throws: the samples limit, an execution error, and the timeout past the deadline', async () => {
    await expect(pool.evaluate(await task('up', { maxSamples: 9 }), 't', signal(), 10_000)).rejects.toThrow(PromqlLimitError);
    await expect(pool.evaluate(await task('up', { maxSamples: 9 }), 't', signal(), 10_000)).rejects.toThrow(/STRATA_PROMQL_MAX_SAMPLES/);
    await expect(pool.evaluate(await task('label_replace(up, "instance", "x", "", "")'), 't', signal(), 10_000)).rejects.toThrow(PromqlExecutionError);
    const late = pool.evaluate(await task('up', {}, Date.now() - 1), 't', signal(), 1_234);
    await expect(late).rejects.toThrow(QueryLimitError);
    await expect(late).rejects.toThrow(/1234 ms \(STRATA_PROMQL_TIMEOUT_MS\)/);
  });

  it('stops an evaluation in its worker when the caller gives up, so that the next one is not kept waiting', async () => {
    // Seconds of steps over little data: a subquery of 3 h at 1 s under each of 6,000 steps.
    const heavy = { startMs: 0, endMs: 6_000_000, stepMs: 1_000 };
    const query = 'max_over_time(rate(up[5m])[3h:1s])';
    const long = [{ labels: [{ name: '__name__', value: 'up' }], t: Float64Array.from({ length: 7_000 }, (_, i) => i * 1_000), v: Float64Array.from({ length: 7_000 }, (_, i) => i) }];
    const heavyTask = async () => ({ query, range: heavy, options: {}, loaded: await loadQuery(parsePromql(query), heavy, { select: async () => long }), deadlineMs: Date.now() + 60_000 });
    const began = Date.now();
    await pool.evaluate(await heavyTask(), 't', signal(), 60_000);
    const whole = Date.now() - began;
    const caller = new AbortController();
    const abandoned = pool.evaluate(await heavyTask(), 't', caller.signal, 60_000);
    setTimeout(() => caller.abort(new Error('client gone')), 50);
    await expect(abandoned).rejects.toThrow('client gone');
    const next = Date.now();
    await pool.evaluate(await task('up'), 't', signal(), 10_000);
    // The worker was free long before the abandoned evaluation would have ended.
    expect(Date.now() - next).toBeLessThan(whole / 2);
  }, 60_000);

  it('refuses an evaluation past the queue, with a retriable limit naming STRATA_PROMQL_QUEUE', async () => {
    const t = await task('sum(rate(up[2m]))');
    // One in the worker, one waiting (the queue of 1), the third refused.
    const runs = [0, 1, 2].map(() => pool.evaluate(t, 't', signal(), 10_000).then(() => 'ok', (error: unknown) => error));
    const outcomes = await Promise.all(runs);
    expect(outcomes.slice(0, 2)).toEqual(['ok', 'ok']);
    expect(outcomes[2]).toBeInstanceOf(PromqlQueueFullError);
    expect((outcomes[2] as PromqlQueueFullError).retriable).toBe(true);
    expect((outcomes[2] as Error).message).toMatch(/STRATA_PROMQL_QUEUE/);
  });

  it("refuses a tenant past its quarter of the queue while another tenant's evaluation is still taken and answered", async () => {
    const shared = new PromqlPool({ entry: workerEntry(__dirname, 'promql'), size: 1, maxQueue: 8, logger: createLogger({ service: 'spec', level: 'silent' }) });
    await shared.start();
    try {
      const t = await task('sum(rate(up[2m]))');
      // Tenant a: one in the worker, two waiting (its share of 8 is 2), the fourth refused.
      const mine = [0, 1, 2, 3].map(() => shared.evaluate(t, 'a', signal(), 10_000).then(() => 'ok', (error: unknown) => error));
      const other = shared.evaluate(t, 'b', signal(), 10_000);
      await expect(other).resolves.toContain('"resultType":"matrix"');
      const outcomes = await Promise.all(mine);
      expect(outcomes.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
      expect(outcomes[3]).toBeInstanceOf(PromqlQueueFullError);
    } finally {
      await shared.stop();
    }
  }, 30_000);
});
