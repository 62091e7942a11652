import type { LabelMatcher } from '@strata/model';
import type { Aggregate, At, Binary, BinaryOp, Call, Expr, Subquery, VectorMatching, VectorSelector } from './ast';
import { PromqlExecutionError, type FunctionArg } from './function-types';
import { FUNCTIONS, kahanMean, kahanSum, quantile } from './functions';
import { exactFromRows, planPushdown, rowsSpan, windowAggregate, type PushdownPlan, type RolledSeries, type RollupQueryable } from './pushdown';
import { dropMetricName, labelsKey, labelValue, METRIC_NAME, withLabel, type Label, type Labels, type Matrix, type Sample, type Vector } from './values';

/** Raw samples of one series as storage holds them, ascending; a NaN value is a staleness marker. */
export interface StoredSeries {
  readonly labels: Labels;
  readonly t: ArrayLike<number>;
  readonly v: ArrayLike<number>;
}

/**
 * Where the engine reads series from: every series the matchers select, with its samples in
 * [fromMs, toMs]; and, where storage keeps rollup rows, their rows (pushdown.ts).
 */
export interface Queryable extends Partial<RollupQueryable> {
  select(matchers: readonly LabelMatcher[], fromMs: number, toMs: number, signal?: AbortSignal): Promise<StoredSeries[]>;
}

export interface EngineOptions {
  /** How far back an instant selector looks for a sample. @default 300000 (5 minutes) */
  readonly lookbackMs?: number;
  /** The step of a subquery written without one. @default 60000 */
  readonly defaultSubqueryStepMs?: number;
  /** Samples loaded plus samples in the result, at most; more is refused. @default 50000000 */
  readonly maxSamples?: number;
  /** How often evaluation checks the signal and yields to the event loop, in evaluated steps. @default 64 */
  readonly yieldEverySteps?: number;
}

export type QueryValue =
  | { readonly resultType: 'vector'; readonly result: Vector }
  | { readonly resultType: 'matrix'; readonly result: Matrix }
  | { readonly resultType: 'scalar'; readonly result: readonly [number, number] }
  | { readonly resultType: 'string'; readonly result: readonly [number, string] };

/** Refused for a resource limit (Prometheus answers these as errorType "execution"). */
export class PromqlLimitError extends PromqlExecutionError {
  constructor(
    message: string,
    readonly setting: string,
  ) {
    super(message, { context: { setting } });
  }
}

type Value = { type: 'vector'; value: Vector } | { type: 'matrix'; value: Matrix } | { type: 'scalar'; value: number } | { type: 'string'; value: string };

interface Window {
  from: number;
  to: number;
}

/**
 * Evaluates a parsed expression as Prometheus's engine does: an instant query at `startMs`
 * (with `stepMs` 0), or a range query at every step from `startMs` to `endMs`. Every series
 * a selector needs is read once, over the whole span the query needs of it (offsets, `@`,
 * ranges, subqueries and the lookback included); evaluation then runs step by step on those
 * samples, yielding to the event loop between slices of steps and stopping when `signal`
 * aborts.
 */
export async function evaluate(
  expr: Expr,
  range: QueryRange,
  queryable: Queryable,
  options: EngineOptions = {},
  signal?: AbortSignal,
): Promise<QueryValue> {
  const ev = new Evaluator(range, options, signal);
  await ev.load(expr, queryable);
  return ev.run(expr);
}

export interface QueryRange {
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
}

/**
 * What {@link loadQuery} read for a query, keyed by position rather than by AST node, so
 * that it can be posted to a worker thread that parses the same query text again and
 * evaluates it there ({@link runLoaded}): the series of each selector (by its index among
 * the query's selectors, depth first) and the rows of each pushed-down call (by its index
 * among the query's calls). Plain data: structured-cloneable.
 */
export interface LoadedQuery {
  readonly selectors: ReadonlyArray<readonly StoredSeries[] | undefined>;
  readonly pushedDown: ReadonlyArray<readonly RolledSeries[] | undefined>;
  readonly samples: number;
}

/** The selectors and calls of an expression, depth first: the keys of a {@link LoadedQuery}. */
export function queryNodes(expr: Expr): { selectors: VectorSelector[]; calls: Call[] } {
  const selectors: VectorSelector[] = [];
  const calls: Call[] = [];
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case 'vector':
        return void selectors.push(e);
      case 'matrix':
        return void selectors.push(e.selector);
      case 'subquery':
      case 'unary':
      case 'paren':
        return walk(e.expr);
      case 'call':
        calls.push(e);
        return e.args.forEach(walk);
      case 'aggregate':
        walk(e.expr);
        if (e.param) walk(e.param);
        return;
      case 'binary':
        walk(e.lhs);
        return walk(e.rhs);
      default:
        return;
    }
  };
  walk(expr);
  return { selectors, calls };
}

/** The reading half of {@link evaluate}: every series the query needs, and its pushed-down rows. */
export async function loadQuery(expr: Expr, range: QueryRange, queryable: Queryable, options: EngineOptions = {}, signal?: AbortSignal): Promise<LoadedQuery> {
  const ev = new Evaluator(range, options, signal);
  await ev.load(expr, queryable);
  return ev.export(expr);
}

/** The evaluating half of {@link evaluate}, on what {@link loadQuery} read for the same query text. */
export async function runLoaded(expr: Expr, range: QueryRange, loaded: LoadedQuery, options: EngineOptions = {}, signal?: AbortSignal): Promise<QueryValue> {
  const ev = new Evaluator(range, options, signal);
  ev.import(expr, loaded);
  return ev.run(expr);
}

class Evaluator {
  private readonly lookbackMs: number;
  private readonly defaultStepMs: number;
  private readonly maxSamples: number;
  private readonly yieldEvery: number;
  private readonly data = new Map<VectorSelector, StoredSeries[]>();
  private readonly memo = new Map<Expr, Map<number, Value>>();
  private readonly distinctNames = new Map<VectorSelector, boolean>();
  private readonly cleanColumns = new WeakMap<StoredSeries, boolean>();
  /** Each aggregation's group labels of each input label set (label sets are immutable). */
  private readonly groups = new Map<Aggregate, WeakMap<Labels, Labels>>();
  /** Calls answered from rollup rows (pushdown.ts), with their series. */
  private readonly pushedDown = new Map<Call, { plan: PushdownPlan; series: RolledSeries[] }>();
  private samples = 0;

  constructor(
    private readonly range: QueryRange,
    options: EngineOptions,
    private readonly signal?: AbortSignal,
  ) {
    this.lookbackMs = options.lookbackMs ?? 300_000;
    this.defaultStepMs = options.defaultSubqueryStepMs ?? 60_000;
    this.maxSamples = options.maxSamples ?? 50_000_000;
    this.yieldEvery = options.yieldEverySteps ?? 64;
  }

  export(expr: Expr): LoadedQuery {
    const { selectors, calls } = queryNodes(expr);
    return {
      selectors: selectors.map((sel) => this.data.get(sel)),
      pushedDown: calls.map((call) => this.pushedDown.get(call)?.series),
      samples: this.samples,
    };
  }

  import(expr: Expr, loaded: LoadedQuery): void {
    const { selectors, calls } = queryNodes(expr);
    if (selectors.length !== loaded.selectors.length || calls.length !== loaded.pushedDown.length) throw new Error('internal: the loaded data is of another query');
    selectors.forEach((sel, i) => {
      const series = loaded.selectors[i];
      if (series) this.data.set(sel, series as StoredSeries[]);
    });
    calls.forEach((call, i) => {
      const series = loaded.pushedDown[i];
      if (!series) return;
      const plan = planPushdown(call, this.range, (m) => (m.selector.at ? this.atMs(m.selector.at) : undefined));
      if (!plan) throw new Error('internal: a pushed-down call has no plan');
      this.pushedDown.set(call, { plan, series: series as RolledSeries[] });
    });
    this.samples = loaded.samples;
  }

  private atMs(at: At): number {
    return at === 'start' ? this.range.startMs : at === 'end' ? this.range.endMs : at.ms;
  }

  /** Reads every selector's series over the span the query needs of it. */
  async load(root: Expr, queryable: Queryable): Promise<void> {
    const windows = new Map<VectorSelector, Window>();
    const need = (sel: VectorSelector, from: number, to: number, before: number) => {
      const refFrom = (sel.at ? this.atMs(sel.at) : from) - sel.offsetMs;
      const refTo = (sel.at ? this.atMs(sel.at) : to) - sel.offsetMs;
      const w = windows.get(sel);
      const next = { from: refFrom - before + 1, to: refTo };
      windows.set(sel, w ? { from: Math.min(w.from, next.from), to: Math.max(w.to, next.to) } : next);
    };
    const candidates: PushdownPlan[] = [];
    const walk = (e: Expr, from: number, to: number, inSubquery = false): void => {
      switch (e.kind) {
        case 'vector':
          return need(e, from, to, this.lookbackMs);
        case 'matrix':
          return need(e.selector, from, to, e.rangeMs);
        case 'subquery': {
          const refFrom = (e.at ? this.atMs(e.at) : from) - e.offsetMs;
          const refTo = (e.at ? this.atMs(e.at) : to) - e.offsetMs;
          return walk(e.expr, refFrom - e.rangeMs, refTo, true);
        }
        case 'call': {
          const plan = !inSubquery && queryable.selectRollups ? planPushdown(e, this.range, (m) => (m.selector.at ? this.atMs(m.selector.at) : undefined)) : undefined;
          if (plan) return void candidates.push(plan);
          return e.args.forEach((a) => walk(a, from, to, inSubquery));
        }
        case 'aggregate':
          walk(e.expr, from, to, inSubquery);
          if (e.param) walk(e.param, from, to, inSubquery);
          return;
        case 'binary':
          walk(e.lhs, from, to, inSubquery);
          return walk(e.rhs, from, to, inSubquery);
        case 'unary':
        case 'paren':
          return walk(e.expr, from, to, inSubquery);
        default:
          return;
      }
    };
    walk(root, this.range.startMs, this.range.endMs);
    const loadRaw = (entries: Iterable<[VectorSelector, Window]>) =>
      Promise.all(
        [...entries].map(async ([sel, w]) => {
          const series = await queryable.select(sel.matchers, w.from, w.to, this.signal);
          for (const s of series) this.count(s.t.length);
          this.data.set(sel, series);
        }),
      );
    // A call whose rows cannot answer it exactly reads its selector raw, as any other.
    const inexact = new Map<VectorSelector, Window>();
    await Promise.all([
      loadRaw(windows),
      ...candidates.map(async (plan) => {
        const { fromMs, toMs } = rowsSpan(plan);
        const series = await queryable.selectRollups!(plan.selector.selector.matchers, fromMs, toMs, plan.resolutionMs, this.signal);
        if (exactFromRows(plan, series)) {
          for (const s of series) this.count(s.rows.timestamps.length + s.t.length);
          this.pushedDown.set(plan.call, { plan, series });
        } else {
          inexact.set(plan.selector.selector, { from: plan.firstRefMs - plan.selector.rangeMs + 1, to: plan.lastRefMs });
        }
      }),
    ]);
    if (inexact.size > 0) await loadRaw(inexact);
  }

  private count(n: number): void {
    this.samples += n;
    if (this.samples > this.maxSamples) {
      throw new PromqlLimitError(`query processing would load too many samples into memory in query execution (more than ${this.maxSamples}, STRATA_PROMQL_MAX_SAMPLES); narrow the range, the step or the selectors`, 'STRATA_PROMQL_MAX_SAMPLES');
    }
  }

  async run(root: Expr): Promise<QueryValue> {
    const { startMs, endMs, stepMs } = this.range;
    if (stepMs === 0) {
      const v = this.eval(root, startMs);
      switch (v.type) {
        case 'vector': {
          const seen = new Set<string>();
          for (const s of v.value) {
            const key = labelsKey(s.labels);
            if (seen.has(key)) throw new PromqlExecutionError('vector cannot contain metrics with the same labelset');
            seen.add(key);
          }
          return { resultType: 'vector', result: v.value };
        }
        case 'matrix':
          // Plain arrays: windows may be views on the stored columns.
          return { resultType: 'matrix', result: v.value.map((m) => ({ labels: m.labels, t: Array.from(m.t), v: Array.from(m.v) })).sort((a, b) => compareLabels(a.labels, b.labels)) };
        case 'scalar':
          return { resultType: 'scalar', result: [startMs / 1_000, v.value] };
        case 'string':
          return { resultType: 'string', result: [startMs / 1_000, v.value] };
      }
    }
    if (root.kind === 'vector') {
      const walked = await this.selectorRange(root);
      if (walked) return walked;
    }
    const series = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
    let step = 0;
    for (let t = startMs; t <= endMs; t += stepMs) {
      if (++step % this.yieldEvery === 0) await this.pause();
      const v = this.eval(root, t);
      if (v.type === 'string' || v.type === 'matrix') throw new PromqlExecutionError(`invalid expression type ${JSON.stringify(v.type === 'matrix' ? 'range vector' : 'string')} for range query, must be Scalar or instant Vector`);
      const samples: Vector = v.type === 'scalar' ? [{ labels: [], t, v: v.value }] : v.value;
      for (const s of samples) {
        const key = labelsKey(s.labels);
        let out = series.get(key);
        if (!out) series.set(key, (out = { labels: s.labels, t: [], v: [] }));
        else if (out.t[out.t.length - 1] === t) throw new PromqlExecutionError(`vector cannot contain metrics with the same labelset`);
        out.t.push(t);
        out.v.push(s.v);
      }
      this.count(samples.length);
    }
    return { resultType: 'matrix', result: [...series.values()].sort((a, b) => compareLabels(a.labels, b.labels)) };
  }

  /**
   * A bare selector over a range, the commonest query there is (every panel of one metric):
   * what the step loop answers, with each series walked once instead of searched and
   * wrapped in objects at every step. Undefined when two series share a label set (the step
   * loop refuses that where they meet).
   */
  private async selectorRange(sel: VectorSelector): Promise<QueryValue | undefined> {
    const { startMs, endMs, stepMs } = this.range;
    const at = sel.at ? this.atMs(sel.at) : undefined;
    const result: Array<{ labels: Labels; t: number[]; v: number[] }> = [];
    const steps = Math.floor((endMs - startMs) / stepMs) + 1;
    let sinceYield = 0;
    for (const s of this.data.get(sel) ?? []) {
      const ts: number[] = [];
      const vs: number[] = [];
      let i = -1;
      for (let t = startMs; t <= endMs; t += stepMs) {
        // The reference time never moves back (t grows; an @ time stays), so neither does i.
        const ref = (at ?? t) - sel.offsetMs;
        while (i + 1 < s.t.length && s.t[i + 1] <= ref) i++;
        if (i < 0 || s.t[i] <= ref - this.lookbackMs || Number.isNaN(s.v[i])) continue;
        ts.push(t);
        vs.push(s.v[i]);
      }
      if (ts.length > 0) result.push({ labels: s.labels, t: ts, v: vs });
      // A step of one series costs a small part of a step of the loop over all of them.
      sinceYield += steps;
      if (sinceYield >= this.yieldEvery * 64) {
        sinceYield = 0;
        await this.pause();
      }
    }
    const keys = new Set(result.map((r) => labelsKey(r.labels)));
    if (keys.size !== result.length) return undefined;
    this.count(result.reduce((n, r) => n + r.t.length, 0));
    return { resultType: 'matrix', result: result.sort((a, b) => compareLabels(a.labels, b.labels)) };
  }

  private async pause(): Promise<void> {
    if (this.signal?.aborted) throw this.signal.reason;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.signal?.aborted) throw this.signal.reason;
  }

  private eval(e: Expr, t: number): Value {
    switch (e.kind) {
      case 'number':
        return { type: 'scalar', value: e.value };
      case 'string':
        return { type: 'string', value: e.value };
      case 'paren':
        return this.eval(e.expr, t);
      case 'vector':
        return { type: 'vector', value: this.instant(e, t, false) };
      case 'matrix':
        return { type: 'matrix', value: this.window(e.selector, t, e.rangeMs) };
      case 'subquery':
        return { type: 'matrix', value: this.subquery(e, t) };
      case 'unary': {
        const v = this.eval(e.expr, t);
        if (e.op === '+') return v;
        if (v.type === 'scalar') return { type: 'scalar', value: -v.value };
        if (v.type === 'vector') return { type: 'vector', value: v.value.map((s) => ({ labels: dropMetricName(s.labels), t, v: -s.v })) };
        return v;
      }
      case 'call': {
        const pushed = this.pushedDown.get(e);
        if (pushed) return { type: 'vector', value: this.fromRows(e, pushed.plan, pushed.series, t) };
        const args: FunctionArg[] = e.args.map((a, i) => {
          // timestamp() of a plain selector sees each sample's own time.
          if (e.func.name === 'timestamp' && i === 0 && unwrap(a).kind === 'vector') return { type: 'vector', value: this.instant(unwrap(a) as VectorSelector, t, true) };
          const v = this.eval(a, t);
          if (v.type === 'matrix') {
            const u = unwrap(a);
            return { type: 'matrix', value: v.value, rangeMs: rangeOf(a), windowEndMs: this.windowEnd(a, t), distinctWithoutName: u.kind === 'matrix' && this.distinctWithoutName(u.selector) };
          }
          return v;
        });
        const first = e.args[0] ? unwrap(e.args[0]) : undefined;
        const argMatchers = first?.kind === 'vector' ? first.matchers : first?.kind === 'matrix' ? first.selector.matchers : undefined;
        const out = e.func.call(args, { t, ...(argMatchers && { argMatchers }) });
        return typeof out === 'number' ? { type: 'scalar', value: out } : { type: 'vector', value: out };
      }
      case 'aggregate':
        return { type: 'vector', value: this.aggregate(e, t) };
      case 'binary':
        return this.binary(e, t);
    }
  }

  /**
   * A pushed-down call at t: each series' aggregate over its window from rows and raw
   * points, handed as a one-sample window to max_over_time (last_over_time, which keeps the
   * metric name, for itself), so that labels and duplicate checks are the raw evaluation's.
   */
  private fromRows(e: Call, plan: PushdownPlan, series: readonly RolledSeries[], t: number): Vector {
    const sel = plan.selector.selector;
    const ref = (sel.at ? this.atMs(sel.at) : t) - sel.offsetMs;
    const value: Matrix = [];
    for (const s of series) {
      const v = windowAggregate(e.func.name, s, ref, plan.selector.rangeMs);
      if (v !== undefined) value.push({ labels: s.labels, t: [ref], v: [v] });
    }
    const carrier = FUNCTIONS.get(e.func.name === 'last_over_time' ? 'last_over_time' : 'max_over_time')!;
    return carrier.call([{ type: 'matrix', value, rangeMs: plan.selector.rangeMs, windowEndMs: ref }], { t }) as Vector;
  }

  /** Typed columns holding no staleness marker (checked once per series). */
  private isCleanColumns(s: StoredSeries): boolean {
    let clean = this.cleanColumns.get(s);
    if (clean === undefined) {
      clean = s.t instanceof Float64Array && s.v instanceof Float64Array && !s.v.some(Number.isNaN);
      this.cleanColumns.set(s, clean);
    }
    return clean;
  }

  /** Whether the selector's series stay distinct without their metric names (once per selector). */
  private distinctWithoutName(sel: VectorSelector): boolean {
    let known = this.distinctNames.get(sel);
    if (known === undefined) {
      const series = this.data.get(sel) ?? [];
      known = new Set(series.map((s) => labelsKey(dropMetricName(s.labels)))).size === series.length;
      this.distinctNames.set(sel, known);
    }
    return known;
  }

  /** Where the window of a range argument ends at step t: t, less the offset, or the `@` time. */
  private windowEnd(arg: Expr, t: number): number {
    const u = unwrap(arg);
    const mod = u.kind === 'matrix' ? u.selector : u.kind === 'subquery' ? u : undefined;
    if (!mod) return t;
    return (mod.at ? this.atMs(mod.at) : t) - mod.offsetMs;
  }

  /** An instant selector at t: each series' latest sample in (ref − lookback, ref], unless it is a staleness marker. */
  private instant(sel: VectorSelector, t: number, ownTimes: boolean): Vector {
    const ref = (sel.at ? this.atMs(sel.at) : t) - sel.offsetMs;
    const out: Vector = [];
    for (const s of this.data.get(sel) ?? []) {
      const i = lastAtOrBefore(s.t, ref);
      if (i < 0 || s.t[i] <= ref - this.lookbackMs || Number.isNaN(s.v[i])) continue;
      out.push({ labels: s.labels, t: ownTimes ? s.t[i] : t, v: s.v[i] });
    }
    return out;
  }

  /** A range selector at t: each series' samples in (ref − range, ref], staleness markers left out. */
  private window(sel: VectorSelector, t: number, rangeMs: number): Matrix {
    const ref = (sel.at ? this.atMs(sel.at) : t) - sel.offsetMs;
    const out: Matrix = [];
    for (const s of this.data.get(sel) ?? []) {
      const end = lastAtOrBefore(s.t, ref);
      const from = lastAtOrBefore(s.t, ref - rangeMs) + 1;
      if (end < from) continue;
      // Columns without staleness markers are windowed as views: no copy per step.
      if (this.isCleanColumns(s)) {
        out.push({ labels: s.labels, t: (s.t as Float64Array).subarray(from, end + 1) as unknown as number[], v: (s.v as Float64Array).subarray(from, end + 1) as unknown as number[] });
        continue;
      }
      const ts: number[] = [];
      const vs: number[] = [];
      for (let i = from; i <= end; i++) {
        if (Number.isNaN(s.v[i])) continue;
        ts.push(s.t[i]);
        vs.push(s.v[i]);
      }
      if (ts.length > 0) out.push({ labels: s.labels, t: ts, v: vs });
    }
    return out;
  }

  /** A subquery at t: its expression at each multiple of its step in (ref − range, ref]. */
  private subquery(e: Subquery, t: number): Matrix {
    const ref = (e.at ? this.atMs(e.at) : t) - e.offsetMs;
    const step = e.stepMs || this.defaultStepMs;
    const low = ref - e.rangeMs;
    let start = step * Math.trunc(low / step);
    if (start <= low) start += step;
    const series = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
    for (let at = start; at <= ref; at += step) {
      let memo = this.memo.get(e.expr);
      if (!memo) this.memo.set(e.expr, (memo = new Map()));
      let v = memo.get(at);
      if (!v) memo.set(at, (v = this.eval(e.expr, at)));
      if (v.type !== 'vector') continue;
      for (const s of v.value) {
        const key = labelsKey(s.labels);
        let out = series.get(key);
        if (!out) series.set(key, (out = { labels: s.labels, t: [], v: [] }));
        out.t.push(at);
        out.v.push(s.v);
      }
    }
    return [...series.values()];
  }

  private aggregate(e: Aggregate, t: number): Vector {
    const input = this.eval(e.expr, t);
    if (input.type !== 'vector') throw new PromqlExecutionError(`expected an instant vector in ${e.op}`);
    const param = e.param ? this.eval(e.param, t) : undefined;
    const groups = new Map<string, { labels: Labels; samples: Sample[] }>();
    let cache = this.groups.get(e);
    if (!cache) this.groups.set(e, (cache = new WeakMap()));
    for (const s of input.value) {
      let labels = cache.get(s.labels);
      if (!labels) cache.set(s.labels, (labels = groupLabels(s.labels, e.grouping, e.without)));
      const key = labelsKey(labels);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { labels, samples: [] }));
      g.samples.push(s);
    }
    const out: Vector = [];
    switch (e.op) {
      case 'count_values': {
        const label = param?.type === 'string' ? param.value : '';
        if (!isValidLabelName(label)) throw new PromqlExecutionError(`invalid label name ${JSON.stringify(label)}`);
        // As Prometheus: the value label is set on each sample first (over one it has), then
        // the samples are grouped with it (`by` gains it, `without` never drops it).
        const grouping = e.without ? e.grouping.filter((g) => g !== label) : [...e.grouping, label];
        const counts = new Map<string, { labels: Labels; n: number }>();
        for (const s of input.value) {
          const labels = groupLabels(withLabel(s.labels, label, formatValue(s.v)), grouping, e.without);
          const key = labelsKey(labels);
          const c = counts.get(key);
          if (c) c.n++;
          else counts.set(key, { labels, n: 1 });
        }
        for (const c of counts.values()) out.push({ labels: c.labels, t, v: c.n });
        return out;
      }
      case 'topk':
      case 'bottomk': {
        const k = param?.type === 'scalar' ? param.value : NaN;
        if (Number.isNaN(k)) throw new PromqlExecutionError('Parameter value is NaN');
        if (k >= 1 && k > Number.MAX_SAFE_INTEGER) throw new PromqlExecutionError(`Scalar value ${k} overflows int64`);
        const n = Math.floor(k);
        if (n < 1) return [];
        const top = e.op === 'topk';
        for (const g of groups.values()) {
          // Prometheus's order: larger first for topk (NaN last), smaller first for bottomk (NaN last).
          const sorted = [...g.samples].sort((a, b) => rankFor(top, a.v, b.v));
          for (const s of sorted.slice(0, n)) out.push({ labels: s.labels, t, v: s.v });
        }
        return out;
      }
      case 'quantile': {
        const q = param?.type === 'scalar' ? param.value : NaN;
        for (const g of groups.values()) out.push({ labels: g.labels, t, v: quantile(q, g.samples.map((s) => s.v)) });
        return out;
      }
      default:
        for (const g of groups.values()) out.push({ labels: g.labels, t, v: reduce(e.op, g.samples.map((s) => s.v)) });
        return out;
    }
  }

  private binary(e: Binary, t: number): Value {
    const lhs = this.eval(e.lhs, t);
    const rhs = this.eval(e.rhs, t);
    if (lhs.type === 'scalar' && rhs.type === 'scalar') {
      const { value, keep } = scalarOp(e.op, lhs.value, rhs.value);
      return { type: 'scalar', value: e.returnBool ? (keep ? 1 : 0) : value };
    }
    if (lhs.type === 'vector' && rhs.type === 'vector') return { type: 'vector', value: vectorBinary(e, e.matching!, lhs.value, rhs.value, t) };
    const vectorSide = lhs.type === 'vector' ? lhs.value : (rhs as { value: Vector }).value;
    const scalar = lhs.type === 'scalar' ? lhs.value : (rhs as { value: number }).value;
    const scalarLeft = lhs.type === 'scalar';
    const drop = isArithmetic(e.op) || e.returnBool;
    const out: Vector = [];
    for (const s of vectorSide) {
      const [a, b] = scalarLeft ? [scalar, s.v] : [s.v, scalar];
      const { value, keep } = scalarOp(e.op, a, b);
      if (e.returnBool) out.push({ labels: dropMetricName(s.labels), t, v: keep ? 1 : 0 });
      else if (keep) out.push({ labels: drop ? dropMetricName(s.labels) : s.labels, t, v: isComparison(e.op) ? s.v : value });
    }
    return { type: 'vector', value: out };
  }
}

function unwrap(e: Expr): Expr {
  return e.kind === 'paren' ? unwrap(e.expr) : e;
}

function rangeOf(e: Expr): number {
  const u = unwrap(e);
  return u.kind === 'matrix' ? u.rangeMs : u.kind === 'subquery' ? u.rangeMs : 0;
}

/** Index of the last time ≤ t, or −1. */
function lastAtOrBefore(times: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i].name !== b[i].name) return a[i].name < b[i].name ? -1 : 1;
    if (a[i].value !== b[i].value) return a[i].value < b[i].value ? -1 : 1;
  }
  return a.length - b.length;
}

function groupLabels(labels: Labels, grouping: readonly string[], without: boolean): Labels {
  if (without) return labels.filter((l) => l.name !== METRIC_NAME && !grouping.includes(l.name));
  return labels.filter((l) => grouping.includes(l.name));
}

function isValidLabelName(name: string): boolean {
  // Prometheus 3 accepts any UTF-8 label name that is not empty.
  return name !== '';
}

/** A float as Prometheus formats it in count_values labels (Go's strconv 'f', -1). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e21 || abs < 1e-6)) {
    // Go prints the shortest digits in positional notation, never exponent form.
    const [mantissa, exp] = v.toExponential().split('e');
    const digits = mantissa.replace('-', '').replace('.', '');
    const e = Number(exp);
    const sign = v < 0 ? '-' : '';
    if (e >= 0) return sign + digits + '0'.repeat(Math.max(0, e - (digits.length - 1)));
    return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  }
  return String(v);
}

function rankFor(top: boolean, a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return top ? b - a || 0 : a - b || 0;
}

function reduce(op: string, values: number[]): number {
  switch (op) {
    case 'sum':
      return kahanSum(values);
    case 'avg':
      return kahanMean(values);
    case 'count':
      return values.length;
    case 'group':
      return 1;
    case 'min': {
      let m = values[0];
      for (const v of values) if (v < m || Number.isNaN(m)) m = v;
      return m;
    }
    case 'max': {
      let m = values[0];
      for (const v of values) if (v > m || Number.isNaN(m)) m = v;
      return m;
    }
    case 'stddev':
    case 'stdvar': {
      let mean = 0;
      let m2 = 0;
      values.forEach((v, i) => {
        const delta = v - mean;
        mean += delta / (i + 1);
        m2 += delta * (v - mean);
      });
      const variance = m2 / values.length;
      return op === 'stddev' ? Math.sqrt(variance) : variance;
    }
    default:
      throw new PromqlExecutionError(`unknown aggregation ${op}`);
  }
}

function isArithmetic(op: BinaryOp): boolean {
  return op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^' || op === 'atan2';
}

function isComparison(op: BinaryOp): boolean {
  return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
}

/** An arithmetic result, or for a comparison whether it holds (value = the left side). */
function scalarOp(op: BinaryOp, a: number, b: number): { value: number; keep: boolean } {
  switch (op) {
    case '+':
      return { value: a + b, keep: true };
    case '-':
      return { value: a - b, keep: true };
    case '*':
      return { value: a * b, keep: true };
    case '/':
      return { value: a / b, keep: true };
    case '%':
      return { value: goMod(a, b), keep: true };
    case '^':
      return { value: Math.pow(a, b), keep: true };
    case 'atan2':
      return { value: Math.atan2(a, b), keep: true };
    case '==':
      return { value: a, keep: a === b };
    case '!=':
      return { value: a, keep: a !== b };
    case '>':
      return { value: a, keep: a > b };
    case '<':
      return { value: a, keep: a < b };
    case '>=':
      return { value: a, keep: a >= b };
    case '<=':
      return { value: a, keep: a <= b };
    default:
      throw new PromqlExecutionError(`operator ${op} not allowed between scalars`);
  }
}

/** Go's math.Mod: the result has the sign of a; JavaScript's % agrees, except that Go returns NaN for b = ±0 as JS does. */
function goMod(a: number, b: number): number {
  return a % b;
}

function signature(labels: Labels, matching: VectorMatching): string {
  if (matching.on) return labelsKey(labels.filter((l) => matching.labels.includes(l.name)));
  return labelsKey(labels.filter((l) => l.name !== METRIC_NAME && !matching.labels.includes(l.name)));
}

function matchedLabels(labels: Labels, matching: VectorMatching): Labels {
  return matching.on ? labels.filter((l) => matching.labels.includes(l.name)) : labels.filter((l) => l.name !== METRIC_NAME && !matching.labels.includes(l.name));
}

function formatLabelSet(labels: Labels): string {
  return `{${labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ')}}`;
}

function vectorBinary(e: Binary, matching: VectorMatching, lhs: Vector, rhs: Vector, t: number): Vector {
  switch (e.op) {
    case 'and': {
      const right = new Set(rhs.map((s) => signature(s.labels, matching)));
      return lhs.filter((s) => right.has(signature(s.labels, matching))).map((s) => ({ ...s, t }));
    }
    case 'or': {
      const left = new Set(lhs.map((s) => signature(s.labels, matching)));
      return [...lhs.map((s) => ({ ...s, t })), ...rhs.filter((s) => !left.has(signature(s.labels, matching))).map((s) => ({ ...s, t }))];
    }
    case 'unless': {
      const right = new Set(rhs.map((s) => signature(s.labels, matching)));
      return lhs.filter((s) => !right.has(signature(s.labels, matching))).map((s) => ({ ...s, t }));
    }
  }
  if (lhs.length === 0 || rhs.length === 0) return [];
  const oneToMany = matching.card === 'one-to-many';
  // The "many" side is iterated; the "one" side is looked up by signature.
  const [many, one] = oneToMany ? [rhs, lhs] : [lhs, rhs];
  const ones = new Map<string, Sample>();
  for (const s of one) {
    const sig = signature(s.labels, matching);
    const dupl = ones.get(sig);
    if (dupl) {
      let [d1, d2] = [formatLabelSet(s.labels), formatLabelSet(dupl.labels)];
      if (d1 > d2) [d1, d2] = [d2, d1];
      throw new PromqlExecutionError(
        `found duplicate series for the match group ${formatLabelSet(matchedLabels(s.labels, matching))} on the ${oneToMany ? 'left' : 'right'} hand-side of the operation: [${d1}, ${d2}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    ones.set(sig, s);
  }
  const drop = isArithmetic(e.op) || e.returnBool;
  const out: Vector = [];
  const matched = new Map<string, Set<string>>();
  for (const m of many) {
    const sig = signature(m.labels, matching);
    const o = ones.get(sig);
    if (!o) continue;
    const [l, r] = oneToMany ? [o, m] : [m, o];
    const { value, keep } = scalarOp(e.op, l.v, r.v);
    const labels = resultLabels(m.labels, o.labels, matching, drop);
    const key = labelsKey(labels);
    let seen = matched.get(sig);
    if (!seen) matched.set(sig, (seen = new Set()));
    if (matching.card === 'one-to-one') {
      if (seen.size > 0) throw new PromqlExecutionError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
    } else if (seen.has(key)) {
      throw new PromqlExecutionError('multiple matches for labels: grouping labels must ensure unique matches');
    }
    seen.add(key);
    if (e.returnBool) out.push({ labels, t, v: keep ? 1 : 0 });
    else if (keep) out.push({ labels, t, v: isComparison(e.op) ? l.v : value });
  }
  return out;
}

/** Prometheus's resultMetric: the "many" side's labels, cut to the matching for one-to-one, with the group's included labels from the "one" side. */
function resultLabels(many: Labels, one: Labels, matching: VectorMatching, drop: boolean): Labels {
  let labels: Label[] = drop ? [...dropMetricName(many)] : [...many];
  if (matching.card === 'one-to-one') {
    labels = matching.on ? labels.filter((l) => matching.labels.includes(l.name)) : labels.filter((l) => !matching.labels.includes(l.name));
  }
  let out: Labels = labels;
  for (const name of matching.include) out = withLabel(out, name, labelValue(one, name));
  return out;
}
