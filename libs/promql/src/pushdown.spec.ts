import fc from 'fast-check';
import { compileMatchers, rollupStats, type LabelMatcher } from '@strata/model';
import { evaluate, type QueryValue, type Queryable, type StoredSeries } from './engine';
import { parsePromql } from './parser';
import { PUSHED_DOWN, type RolledSeries } from './pushdown';
import { labelsOf } from './values';

const H = 3_600_000;
const D = 24 * H;
// 2026-11-01T00:00Z: a UTC midnight, so day and hour rows start on it.
const T0 = Date.UTC(2026, 10, 1);

interface StoreSeries {
  labels: Record<string, string>;
  t: number[];
  v: number[];
}

/**
 * A store as the reader is to the engine: `select` gives raw points; `selectRollups` gives,
 * per series, rows of the buckets that `served(bucket)` says the cold tier answers (computed
 * from the same points, with heads, as the archiver stores them) and the raw points of
 * every other bucket. Records which selectors were read raw.
 */
function store(series: StoreSeries[], served: (bucketStart: number, resolutionMs: number) => boolean, heads = true) {
  const rawReads: string[] = [];
  const pick = (matchers: readonly LabelMatcher[]) => {
    const c = compileMatchers(matchers);
    if ('problem' in c) throw new Error(c.problem);
    return series.filter((s) => c.matchers.every((m) => m.test(s.labels[m.name] ?? '')));
  };
  const raw: Queryable = {
    async select(matchers, fromMs, toMs): Promise<StoredSeries[]> {
      return pick(matchers).map((s) => {
        const keep = s.t.map((_, i) => i).filter((i) => s.t[i] >= fromMs && s.t[i] <= toMs);
        return { labels: labelsOf(s.labels), t: keep.map((i) => s.t[i]), v: keep.map((i) => s.v[i]) };
      });
    },
  };
  const rolled: Queryable = {
    async select(matchers, fromMs, toMs, signal) {
      rawReads.push(matchers.map((m) => m.value).join());
      return raw.select(matchers, fromMs, toMs, signal);
    },
    async selectRollups(matchers, fromMs, toMs, resolutionMs): Promise<RolledSeries[]> {
      return pick(matchers).map((s) => {
        const inRange = s.t.map((_, i) => i).filter((i) => s.t[i] >= fromMs && s.t[i] < toMs);
        const isServed = (i: number) => served(Math.floor(s.t[i] / resolutionMs) * resolutionMs, resolutionMs);
        const rowPoints = inRange.filter(isServed);
        const rest = inRange.filter((i) => !isServed(i));
        const rows = rollupStats({ timestamps: rowPoints.map((i) => s.t[i]), values: rowPoints.map((i) => s.v[i]) }, resolutionMs, { heads });
        return { labels: labelsOf(s.labels), rows, t: rest.map((i) => s.t[i]), v: rest.map((i) => s.v[i]) };
      });
    },
  };
  return { raw, rolled, rawReads };
}

/** Same result type, labels and timestamps; values equal, or within a relative 1e-9 where `close`. */
function expectSame(a: QueryValue, b: QueryValue, close: boolean): void {
  expect(b.resultType).toBe(a.resultType);
  if (a.resultType !== 'matrix' || b.resultType !== 'matrix') throw new Error('range queries only');
  expect(b.result.map((s) => s.labels)).toEqual(a.result.map((s) => s.labels));
  a.result.forEach((s, i) => {
    expect(b.result[i].t).toEqual(s.t);
    s.v.forEach((v, j) => {
      const w = b.result[i].v[j];
      if (close && v !== w) expect(Math.abs(v - w)).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(v), Math.abs(w)));
      else expect(Object.is(w, v)).toBe(true);
    });
  });
}

// Points over 5 days: at minute multiples from a random phase (0 puts points on every hour
// and midnight, the boundaries that heads exist for), some dropped, values of a chosen sign.
const seriesArb = fc
  .record({
    phaseMs: fc.constantFrom(0, 0, 0, 1_000, 30_000),
    everyMin: fc.constantFrom(1, 15, 60, 240),
    drop: fc.double({ min: 0, max: 0.7, noNaN: true }),
    sign: fc.constantFrom('positive', 'negative', 'mixed', 'counter'),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .map(({ phaseMs, everyMin, drop, sign, seed }) => {
    let state = seed;
    const rand = () => ((state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const t: number[] = [];
    const v: number[] = [];
    let counter = 0;
    for (let at = T0 + phaseMs; at < T0 + 5 * D; at += everyMin * 60_000) {
      if (rand() < drop) continue;
      t.push(at);
      const x = Math.round(rand() * 10_000) / 100;
      // Small integers repeat, so a row's head is often its extreme too.
      const small = Math.floor(rand() * 4);
      v.push(sign === 'positive' ? (rand() < 0.5 ? x : small) : sign === 'negative' ? -x : sign === 'mixed' ? x - 50 : (counter += small));
    }
    return { t, v };
  });

describe('rollup pushdown', () => {
  it('answers every pushed-down function exactly as the raw evaluation does, for any data, split and alignment', async () => {
    let answeredFromRows = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(seriesArb, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...PUSHED_DOWN),
        fc.constantFrom('1h', '3h', '1d', '2d'),
        fc.constantFrom(H, 2 * H, D),
        fc.constantFrom(0, H, D, 90_000),
        fc.constantFrom('', ' offset 1h', ' offset 1d', ' @ 1793750400'),
        fc.integer({ min: 0, max: 1_000 }),
        async (list, fn, range, step, startShift, modifier, servedSeed) => {
          const series = list.map((s, i) => ({ labels: { __name__: 'x', i: String(i) }, ...s }));
          // The cold tier serves a pseudo-random half of the buckets; the others come raw.
          const { raw, rolled, rawReads } = store(series, (b) => ((b / H) * 7 + servedSeed) % 5 < 3);
          const query = `${fn}(x[${range}]${modifier})`;
          const window = { startMs: T0 + 2 * D + startShift, endMs: T0 + 4 * D + startShift, stepMs: step };
          const expected = await evaluate(parsePromql(query), window, raw);
          const actual = await evaluate(parsePromql(query), window, rolled);
          expectSame(expected, actual, fn === 'sum_over_time' || fn === 'avg_over_time');
          if (rawReads.length === 0) answeredFromRows++;
        },
      ),
      { numRuns: 400 },
    );
    // Most cases are answered from rows; the rest (unaligned, or sums of both signs) read raw.
    expect(answeredFromRows).toBeGreaterThan(150);
  });

  it('reads rows, not raw points, for an aligned max_over_time over days', async () => {
    const t = Array.from({ length: 5 * 1_440 }, (_, i) => T0 + i * 60_000);
    const { raw, rolled, rawReads } = store([{ labels: { __name__: 'x' }, t, v: t.map((_, i) => Math.sin(i / 100) * 10 + 20) }], () => true);
    const window = { startMs: T0 + D, endMs: T0 + 4 * D, stepMs: D };
    const query = parsePromql('max_over_time(x[1d])');
    expectSame(await evaluate(query, window, raw), await evaluate(query, window, rolled), false);
    expect(rawReads).toEqual([]);
  });

  it("answers a counter's minimum from rows (its first point, the head a window leaves out), and reads raw for rows without heads", async () => {
    const t = Array.from({ length: 3 * 1_440 }, (_, i) => T0 + i * 60_000);
    const counter = { labels: { __name__: 'c' }, t, v: t.map((_, i) => i) };
    const window = { startMs: T0 + D, endMs: T0 + 2 * D, stepMs: D };
    // The window (D, 2D] starts right after the day row's head: its minimum is the row's restMin.
    const s = store([counter], () => true);
    const query = parsePromql('min_over_time(c[1d])');
    const got = await evaluate(query, window, s.rolled);
    expectSame(await evaluate(query, window, s.raw), got, false);
    expect(got.resultType === 'matrix' && got.result[0].v).toEqual([1, 1_441]);
    expect(s.rawReads).toEqual([]);
    // Rows written before heads existed cannot say which point a window starts with.
    const old = store([counter], () => true, false);
    const q2 = parsePromql('count_over_time(c[1d])');
    expectSame(await evaluate(q2, window, old.raw), await evaluate(q2, window, old.rolled), false);
    expect(old.rawReads).toEqual(['c']);
  });

  it('reads raw for a sum over values of both signs', async () => {
    const t = Array.from({ length: 3 * 1_440 }, (_, i) => T0 + i * 60_000);
    const s = store([{ labels: { __name__: 'g' }, t, v: t.map((_, i) => (i % 3) - 1) }], () => true);
    const window = { startMs: T0 + D, endMs: T0 + 2 * D, stepMs: D };
    const query = parsePromql('sum_over_time(g[1d])');
    expectSame(await evaluate(query, window, s.raw), await evaluate(query, window, s.rolled), false);
    expect(s.rawReads).toEqual(['g']);
  });

  it('pushes down neither unaligned windows nor calls inside subqueries', async () => {
    const t = Array.from({ length: 3 * 1_440 }, (_, i) => T0 + i * 60_000);
    const s = store([{ labels: { __name__: 'x' }, t, v: t.map((_, i) => i % 7) }], () => true);
    for (const query of ['max_over_time(x[1d])', 'max_over_time(x[90m])', 'max_over_time(max_over_time(x[1h])[1d:1h])']) {
      s.rawReads.length = 0;
      const window = { startMs: T0 + D + (query === 'max_over_time(x[1d])' ? 60_000 : 0), endMs: T0 + 2 * D, stepMs: H };
      expectSame(await evaluate(parsePromql(query), window, s.raw), await evaluate(parsePromql(query), window, s.rolled), false);
      expect(s.rawReads).toEqual(['x']);
    }
  });
});
