import fc from 'fast-check';
import { compileMatchers, type LabelMatcher } from '@strata/model';
import { evaluate, formatValue, loadQuery, PromqlLimitError, runLoaded, type QueryValue, type Queryable, type StoredSeries } from './engine';
import { PromqlExecutionError } from './function-types';
import { parsePromql, PromqlSyntaxError } from './parser';
import { labelsOf } from './values';

const M = 60_000;

/** Series in memory; `select` applies the matchers as a real store would and clips to the range. */
function memory(series: Array<{ labels: Record<string, string>; points: Array<[number, number]> }>): Queryable & { calls: Array<[number, number]> } {
  const calls: Array<[number, number]> = [];
  return {
    calls,
    async select(matchers: readonly LabelMatcher[], fromMs: number, toMs: number): Promise<StoredSeries[]> {
      calls.push([fromMs, toMs]);
      const c = compileMatchers(matchers);
      if ('problem' in c) throw new Error(c.problem);
      return series
        .filter((s) => c.matchers.every((m) => m.test(s.labels[m.name] ?? '')))
        .map((s) => {
          const points = s.points.filter(([t]) => t >= fromMs && t <= toMs);
          return { labels: labelsOf(s.labels), t: points.map(([t]) => t), v: points.map(([, v]) => v) };
        });
    },
  };
}

/** An instant query's answer as `metric value` lines, sorted. */
async function instant(q: Queryable, query: string, t: number): Promise<string[] | string | number> {
  const value = await evaluate(parsePromql(query), { startMs: t, endMs: t, stepMs: 0 }, q);
  return show(value);
}

function show(value: QueryValue): string[] | string | number {
  switch (value.resultType) {
    case 'scalar':
      return value.result[1];
    case 'string':
      return value.result[1];
    case 'vector':
      return value.result.map((s) => `${s.labels.map((l) => `${l.name}=${l.value}`).join(',')} ${formatValue(s.v)}`).sort();
    case 'matrix':
      return value.result.map((s) => `${s.labels.map((l) => `${l.name}=${l.value}`).join(',')} ${s.t.map((t, i) => `${t / 1000}:${formatValue(s.v[i])}`).join(' ')}`);
  }
}

const data = () =>
  memory([
    { labels: { __name__: 'up', job: 'node', instance: 'a' }, points: [[0, 1], [M, 1], [2 * M, 1], [3 * M, 1]] },
    { labels: { __name__: 'up', job: 'node', instance: 'b' }, points: [[0, 0], [M, 1], [2 * M, NaN]] },
    { labels: { __name__: 'up', job: 'api', instance: 'c' }, points: [[0, 1], [10 * M, 1]] },
    { labels: { __name__: 'mem', job: 'node', instance: 'a' }, points: [[3 * M, 100]] },
    { labels: { __name__: 'mem', job: 'node', instance: 'b' }, points: [[3 * M, 300]] },
  ]);

describe('evaluate', () => {
  it('takes the latest sample within the 5-minute lookback, and none after a staleness marker', async () => {
    const q = data();
    expect(await instant(q, 'up', 3 * M)).toEqual(['__name__=up,instance=a,job=node 1', '__name__=up,instance=c,job=api 1']);
    expect(await instant(q, 'up', M + 1)).toEqual(['__name__=up,instance=a,job=node 1', '__name__=up,instance=b,job=node 1', '__name__=up,instance=c,job=api 1']);
    // c's sample at 0 is exactly 5 minutes old at 5m: out of the left-open lookback.
    expect(await instant(q, 'up{job="api"}', 5 * M - 1)).toEqual(['__name__=up,instance=c,job=api 1']);
    expect(await instant(q, 'up{job="api"}', 5 * M)).toEqual([]);
  });

  it('reads each selector once over the whole span it needs (offset, @, range, lookback)', async () => {
    const q = data();
    await evaluate(parsePromql('up offset 1m'), { startMs: 10 * M, endMs: 20 * M, stepMs: M }, q);
    expect(q.calls).toEqual([[9 * M - 5 * M + 1, 19 * M]]);
    q.calls.length = 0;
    await evaluate(parsePromql('up @ 120'), { startMs: 10 * M, endMs: 20 * M, stepMs: M }, q);
    expect(q.calls).toEqual([[2 * M - 5 * M + 1, 2 * M]]);
  });

  it('applies offset and @ (start() and end() of the query) to the selector', async () => {
    const q = data();
    expect(await instant(q, 'up{instance="b"} offset 2m', 3 * M)).toEqual(['__name__=up,instance=b,job=node 1']);
    expect(await instant(q, 'up{instance="b"} @ 60', 100 * M)).toEqual(['__name__=up,instance=b,job=node 1']);
    const range = await evaluate(parsePromql('up{instance="a"} @ end()'), { startMs: 0, endMs: 2 * M, stepMs: M }, q);
    expect(show(range)).toEqual(['__name__=up,instance=a,job=node 0:1 60:1 120:1']);
  });

  it('aggregates by and without, with Prometheus labels, and topk, quantile, count_values', async () => {
    const q = data();
    expect(await instant(q, 'sum by (job) (up)', M)).toEqual(['job=api 1', 'job=node 2']);
    expect(await instant(q, 'count without (instance) (up)', M)).toEqual(['job=api 1', 'job=node 2']);
    expect(await instant(q, 'max(mem)', 3 * M)).toEqual([' 300']);
    expect(await instant(q, 'avg(mem)', 3 * M)).toEqual([' 200']);
    expect(await instant(q, 'stddev(mem)', 3 * M)).toEqual([' 100']);
    expect(await instant(q, 'topk(1, mem)', 3 * M)).toEqual(['__name__=mem,instance=b,job=node 300']);
    expect(await instant(q, 'bottomk(1, mem)', 3 * M)).toEqual(['__name__=mem,instance=a,job=node 100']);
    expect(await instant(q, 'quantile(0.5, mem)', 3 * M)).toEqual([' 200']);
    expect(await instant(q, 'count_values("v", up)', M)).toEqual(['v=1 3']);
    expect(await instant(q, 'group by (job) (up)', M)).toEqual(['job=api 1', 'job=node 1']);
  });

  it('matches vectors one-to-one, with on/ignoring, group_left, bool, and the set operators', async () => {
    const q = data();
    expect(await instant(q, 'mem / on(instance) group_left(job) up', 3 * M)).toEqual(['instance=a,job=node 100']);
    expect(await instant(q, 'mem * ignoring(job) up', 3 * M)).toEqual(['instance=a 100']);
    expect(await instant(q, 'mem > 200', 3 * M)).toEqual(['__name__=mem,instance=b,job=node 300']);
    expect(await instant(q, 'mem > bool 200', 3 * M)).toEqual(['instance=a,job=node 0', 'instance=b,job=node 1']);
    expect(await instant(q, '250 < mem', 3 * M)).toEqual(['__name__=mem,instance=b,job=node 300']);
    expect(await instant(q, 'up and on(instance) mem', 3 * M)).toEqual(['__name__=up,instance=a,job=node 1']);
    expect(await instant(q, 'up unless on(instance) mem', 3 * M)).toEqual(['__name__=up,instance=c,job=api 1']);
    expect(await instant(q, 'mem or up', 3 * M)).toEqual([
      '__name__=mem,instance=a,job=node 100',
      '__name__=mem,instance=b,job=node 300',
      '__name__=up,instance=c,job=api 1',
    ]);
    expect(await instant(q, '1 + 2 * 3', 0)).toBe(7);
    expect(await instant(q, '2 ^ 3 ^ 2', 0)).toBe(512);
    expect(await instant(q, '-mem', 3 * M)).toEqual(['instance=a,job=node -100', 'instance=b,job=node -300']);
  });

  it('refuses ambiguous matches as Prometheus does', async () => {
    const q = data();
    await expect(instant(q, 'up * on(job) mem', 3 * M)).rejects.toThrow(PromqlExecutionError);
    await expect(instant(q, 'up * on(job) mem', 3 * M)).rejects.toThrow(/many-to-many matching not allowed/);
  });

  it('evaluates a range query step by step, and a subquery on its own step grid', async () => {
    const q = data();
    const range = await evaluate(parsePromql('sum(up)'), { startMs: 0, endMs: 3 * M, stepMs: M }, q);
    expect(show(range)).toEqual([' 0:2 60:3 120:2 180:2']);
    const sub = await evaluate(parsePromql('max_over_time(sum(up)[2m:1m])'), { startMs: 3 * M, endMs: 3 * M, stepMs: 0 }, q);
    expect(show(sub)).toEqual([' 2']);
  });

  it('extrapolates rate under offset and @ to the window they select, not to the step', async () => {
    // A counter growing 1 a second, sampled every 15 s, with a reset at 20m.
    const q = memory([{ labels: { __name__: 'c', job: 'x' }, points: Array.from({ length: 161 }, (_, i) => [i * 15_000, ((i * 15) % 1200) + 0.5] as [number, number]) }]);
    const earlier = await instant(q, 'rate(c[5m])', 12 * M);
    expect(earlier).toEqual(['job=x 0.9999999999999999']); // the extrapolated increase over 300 s, in float arithmetic
    expect(await instant(q, 'rate(c[5m] offset 8m)', 20 * M)).toEqual(earlier);
    expect(await instant(q, 'rate(c[5m] @ 720)', 30 * M)).toEqual(earlier);
    expect(await instant(q, 'increase(c[5m] offset 8m)', 20 * M)).toEqual(await instant(q, 'increase(c[5m])', 12 * M));
  });

  it('counts samples against the limit and stops past it', async () => {
    const q = data();
    await expect(evaluate(parsePromql('up'), { startMs: 0, endMs: 3 * M, stepMs: M }, q, { maxSamples: 5 })).rejects.toBeInstanceOf(PromqlLimitError);
  });

  it('stops when the signal aborts', async () => {
    const q = data();
    const abort = new AbortController();
    abort.abort(new Error('cancelled'));
    await expect(evaluate(parsePromql('up'), { startMs: 0, endMs: 1_000 * M, stepMs: M }, q, { yieldEverySteps: 1 }, abort.signal)).rejects.toThrow('cancelled');
  });
});

describe('parsePromql', () => {
  it.each([
    ['', /no expression found/],
    ['up{', /parse error/],
    ['sum(up', /parse error/],
    ['rate(up)', /expected type range vector in call to function "rate", got instant vector/],
    ['up + "a"', /binary expression must contain only scalar and instant vector types/],
    ['1 > 2', /comparisons between scalars must use BOOL modifier/],
    ['1 and up', /set operator "and" not allowed in binary scalar expression/],
    ['{job=~".*"}', /vector selector must contain at least one non-empty matcher/],
    ['up{job=~"("}', /regular expression/],
    ['sum(up[5m])', /expected type instant vector in aggregation expression, got range vector/],
    ['nosuchfunction(up)', /unknown function with name "nosuchfunction"/],
    ['up[5m:1m][1m]', /subquery is only allowed on instant vector|parse error/],
    ['(up + up) offset 1m', /offset modifier must be preceded by an instant vector selector or range vector selector or a subquery/],
    ['up + on(job) group_left(job) up', /must not occur in ON and GROUP clause at once/],
  ])('refuses %j', (query, message) => {
    expect(() => parsePromql(query)).toThrow(PromqlSyntaxError);
    expect(() => parsePromql(query)).toThrow(message);
  });

  it('binds offset, @, ranges and subqueries to the operand next to them, and ^ tighter than a sign', async () => {
    const q = data();
    // The grammar groups `a - b offset 1m` as (a - b) offset 1m; PromQL means a - (b offset 1m).
    expect(await instant(q, 'mem - mem offset 1m', 4 * M)).toEqual(['instance=a,job=node 0', 'instance=b,job=node 0']);
    expect(await instant(q, 'up{instance="a"} + up{instance="a"} @ 60', 3 * M)).toEqual(['instance=a,job=node 2']);
    expect(await instant(q, 'scalar(sum(up{instance="a"})) - count_over_time(up{instance="a"}[5m])', 3 * M)).toEqual(['instance=a,job=node -3']);
    expect(await instant(q, '-2 ^ 2', 0)).toBe(-4);
    expect(await instant(q, '(-2) ^ 2', 0)).toBe(4);
    expect(await instant(q, '-2 * 3', 0)).toBe(-6);
    expect(await instant(q, '2 - -0x10', 0)).toBe(18);
  });

  it('counts values with the value label set before grouping, as Prometheus', async () => {
    const q = memory([
      { labels: { __name__: 'info', instance: 'a', zone: 'z1', version: '7' }, points: [[0, 1]] },
      { labels: { __name__: 'info', instance: 'b', zone: 'z1', version: '8' }, points: [[0, 1]] },
      { labels: { __name__: 'info', instance: 'c', zone: 'z2', version: '9' }, points: [[0, 1]] },
    ]);
    expect(await instant(q, 'count_values without (instance) ("version", info)', 0)).toEqual(['version=1,zone=z1 2', 'version=1,zone=z2 1']);
    expect(await instant(q, 'count_values by (zone) ("v", info)', 0)).toEqual(['v=1,zone=z1 2', 'v=1,zone=z2 1']);
  });

  it('parses numbers as Prometheus does: hex, Inf, NaN, durations as seconds', () => {
    const value = (q: string) => {
      const e = parsePromql(q);
      return e.kind === 'number' ? e.value : undefined;
    };
    expect([value('0x1F'), value('Inf'), value('-inf'), value('1e3'), value('1h'), value('.5')]).toEqual([31, Infinity, -Infinity, 1000, 3600, 0.5]);
    expect(Number.isNaN(value('NaN'))).toBe(true);
  });
});

describe('a bare selector over a range', () => {
  it('answers as the step-by-step evaluation does (the same selector in parentheses), with offset, @, gaps, staleness markers and lookback', async () => {
    fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.oneof(fc.double({ noNaN: true }), fc.constant(NaN))), { maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom('', ' offset 3m', ' offset -2m', ' @ 40', ' @ start()', ' @ end() offset 1m'),
        async (seriesPoints, start, step, span, modifier) => {
          const q = memory(
            seriesPoints.map((points, i) => ({
              labels: { __name__: 'm', i: String(i) },
              points: [...new Map(points.map(([t, v]) => [t * M, v] as [number, number])).entries()].sort((a, b) => a[0] - b[0]),
            })),
          );
          // Whole minutes throughout, so that samples often sit exactly at the lookback's edge.
          const range = { startMs: start * M, endMs: (start + span) * M, stepMs: step * M };
          const walked = await evaluate(parsePromql(`m${modifier}`), range, q, { lookbackMs: 5 * M });
          const stepped = await evaluate(parsePromql(`(m${modifier})`), range, q, { lookbackMs: 5 * M });
          expect(show(walked)).toEqual(show(stepped));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('counts the samples of its answer against the limit, as the step loop does', async () => {
    const q = () => memory([{ labels: { __name__: 'up', instance: 'a' }, points: [[0, 1], [M, 1], [2 * M, 1], [3 * M, 1]] }]);
    const range = { startMs: 0, endMs: 3 * M, stepMs: M };
    for (const query of ['up', '(up)']) {
      await expect(evaluate(parsePromql(query), range, q(), { maxSamples: 8 })).resolves.toMatchObject({ resultType: 'matrix' });
      await expect(evaluate(parsePromql(query), range, q(), { maxSamples: 7 })).rejects.toThrow(/more than 7, STRATA_PROMQL_MAX_SAMPLES/);
    }
  });
});

describe('limits', () => {
  it('takes a query of exactly MAX_QUERY_LENGTH characters and refuses one more', () => {
    const at = ' '.repeat(64 * 1024 - 1) + '1';
    expect(parsePromql(at)).toEqual({ kind: 'number', value: 1 });
    expect(() => parsePromql(` ${at}`)).toThrow(/65537 characters long; at most 65536 are taken/);
  });

  it('takes exactly maxSamples and refuses one more', async () => {
    // up{instance="a"} over [0, 3m] at a 1 m step: 4 samples loaded, 4 in the answer.
    const q = () => memory([{ labels: { __name__: 'up', instance: 'a' }, points: [[0, 1], [M, 1], [2 * M, 1], [3 * M, 1]] }]);
    const range = { startMs: 0, endMs: 3 * M, stepMs: M };
    await expect(evaluate(parsePromql('up'), range, q(), { maxSamples: 8 })).resolves.toMatchObject({ resultType: 'matrix' });
    await expect(evaluate(parsePromql('up'), range, q(), { maxSamples: 7 })).rejects.toThrow(/more than 7, STRATA_PROMQL_MAX_SAMPLES/);
  });
});

describe('loadQuery and runLoaded', () => {
  it('evaluate the same as evaluate, across a structured clone (a worker thread posting)', async () => {
    const queries = [
      'up',
      'sum by (job) (rate(up[5m]))',
      'up + on(instance) group_left mem',
      'max_over_time(up[10m:1m]) * 2',
      'up offset 1m or mem @ 180',
      'count_over_time(up[3m]) > bool 1',
      'scalar(sum(mem)) + time()',
    ];
    for (const query of queries) {
      for (const range of [
        { startMs: 3 * M, endMs: 3 * M, stepMs: 0 },
        { startMs: 0, endMs: 12 * M, stepMs: M },
      ]) {
        const want = await evaluate(parsePromql(query), range, data());
        const loaded = structuredClone(await loadQuery(parsePromql(query), range, data()));
        expect({ query, got: await runLoaded(parsePromql(query), range, loaded) }).toEqual({ query, got: want });
      }
    }
  });

  it('counts what was loaded against maxSamples in the evaluating half too', async () => {
    const q = () => memory([{ labels: { __name__: 'up', instance: 'a' }, points: [[0, 1], [M, 1], [2 * M, 1], [3 * M, 1]] }]);
    const range = { startMs: 0, endMs: 3 * M, stepMs: M };
    const loaded = await loadQuery(parsePromql('up'), range, q(), { maxSamples: 7 });
    expect(loaded.samples).toBe(4);
    await expect(runLoaded(parsePromql('up'), range, loaded, { maxSamples: 8 })).resolves.toMatchObject({ resultType: 'matrix' });
    await expect(runLoaded(parsePromql('up'), range, loaded, { maxSamples: 7 })).rejects.toThrow(/more than 7, STRATA_PROMQL_MAX_SAMPLES/);
  });

  it('refuses data loaded for another query', async () => {
    const range = { startMs: 0, endMs: 0, stepMs: 0 };
    const loaded = await loadQuery(parsePromql('up'), range, data());
    await expect(runLoaded(parsePromql('up + mem'), range, loaded)).rejects.toThrow(/another query/);
  });
});

describe('stored columns', () => {
  it('give the same answers as Float64Array columns (windowed as views) as plain arrays, for every range function', async () => {
    const points = Array.from({ length: 40 }, (_, i): [number, number] => [i * 15_000, i % 7 === 3 ? (i * 37) % 11 : i * 2.5 - (i % 5)]);
    const plain = memory([{ labels: { __name__: 'x', job: 'a' }, points }, { labels: { __name__: 'x', job: 'b' }, points: points.map(([t, v]) => [t, -v * 3]) }]);
    const typed: Queryable = {
      select: async (...args) => (await plain.select(...args)).map((s) => ({ labels: s.labels, t: Float64Array.from(s.t), v: Float64Array.from(s.v) })),
    };
    const functions = [
      'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'resets', 'changes', 'avg_over_time', 'sum_over_time', 'count_over_time', 'min_over_time',
      'max_over_time', 'last_over_time', 'first_over_time', 'present_over_time', 'stddev_over_time', 'stdvar_over_time', 'mad_over_time', 'absent_over_time',
    ];
    const queries = [...functions.map((f) => `${f}(x[2m])`), 'quantile_over_time(0.3, x[3m])', 'predict_linear(x[3m], 60)', 'double_exponential_smoothing(x[3m], 0.5, 0.5)', 'x[1m]'];
    for (const query of queries) {
      for (const range of [
        { startMs: 5 * M, endMs: 5 * M, stepMs: 0 },
        { startMs: 0, endMs: 10 * M, stepMs: 20_000 },
      ]) {
        if (query === 'x[1m]' && range.stepMs > 0) continue;
        const want = await evaluate(parsePromql(query), range, plain);
        expect({ query, got: await evaluate(parsePromql(query), range, typed) }).toEqual({ query, got: want });
      }
    }
  });
});
