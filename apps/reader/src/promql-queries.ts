import { parseSeriesKey, type LabelMatcher } from '@strata/model';
import { prometheusLabels } from '@strata/prometheus';
import { evaluate, loadQuery, runLoaded, type EngineOptions, type Expr, type QueryRange, type QueryValue, type Queryable, type RolledSeries, type StoredSeries } from '@strata/promql';
import { Aggregation } from '@strata/proto';
import { QueryLimitError } from './errors';
import { queryValueJson } from './promql-json';
import type { PromqlPool } from './promql-pool';
import type { ReadHandler } from './read-handler';
import type { SeriesLister } from './series-lister';

export interface PromqlLimits {
  /** Samples one query may load and return (STRATA_PROMQL_MAX_SAMPLES). */
  readonly maxSamples: number;
  /** Longest a query may run; past it the work stops (STRATA_PROMQL_TIMEOUT_MS). */
  readonly timeoutMs: number;
  /** How far back an instant selector looks (STRATA_PROMQL_LOOKBACK_MS, Prometheus's 5 minutes). */
  readonly lookbackMs: number;
  /**
   * A query that loaded at most this many samples is evaluated here even with a pool
   * (STRATA_PROMQL_INLINE_MAX_SAMPLES): copying its series to a worker and its answer back
   * costs more than evaluating it. @default 0 (every query goes to the pool)
   */
  readonly inlineMaxSamples?: number;
}

export interface PromqlQueriesDeps {
  readonly lister: Pick<SeriesLister, 'find'>;
  readonly reads: Pick<ReadHandler, 'readColumns'>;
  readonly limits: PromqlLimits;
  /** Where evaluation runs; without one, on the event loop (between slices of steps). */
  readonly pool?: Pick<PromqlPool, 'evaluate'>;
}

/**
 * PromQL over Strata's read path: each selector's series come from the label index (the
 * listing and its limits), their raw points, staleness markers included, from the same Read
 * as gRPC (its limits and the tenant's admission: STRATA_READ_MAX_SERIES is the series one
 * selector may select). Tier warnings are gathered for the answer's `warnings`.
 */
export class PromqlQueries {
  constructor(private readonly deps: PromqlQueriesDeps) {}

  /** Evaluates on this thread: the answer as values (the engine's own form). */
  async run(tenant: string, expr: Expr, range: QueryRange, signal: AbortSignal): Promise<{ value: QueryValue; warnings: string[] }> {
    return this.limited(tenant, signal, (queryable, options, both) => evaluate(expr, range, queryable, options, both));
  }

  /**
   * The answer as the JSON of the API envelope's `data`: series read here, evaluated in a
   * worker when there is a pool (which parses `text` again) and the query loaded more than
   * `inlineMaxSamples`, here otherwise.
   */
  async answer(tenant: string, text: string, expr: Expr, range: QueryRange, signal: AbortSignal): Promise<{ json: string; warnings: string[] }> {
    const { pool, limits } = this.deps;
    const deadlineMs = Date.now() + limits.timeoutMs;
    const { value, warnings } = await this.limited(tenant, signal, async (queryable, options, both) => {
      if (!pool) return queryValueJson(await evaluate(expr, range, queryable, options, both));
      const loaded = await loadQuery(expr, range, queryable, options, both);
      if (loaded.samples <= (limits.inlineMaxSamples ?? 0)) return queryValueJson(await runLoaded(expr, range, loaded, options, both));
      return pool.evaluate({ query: text, range, options, loaded, deadlineMs }, tenant, both, limits.timeoutMs);
    });
    return { json: value, warnings };
  }

  /**
   * Runs `work` under the query's time limit (STRATA_PROMQL_TIMEOUT_MS: the reads and the
   * evaluation stop), with a queryable of the tenant's series whose tier warnings it gathers.
   */
  private async limited<T>(
    tenant: string,
    signal: AbortSignal,
    work: (queryable: Queryable, options: EngineOptions, both: AbortSignal) => Promise<T>,
  ): Promise<{ value: T; warnings: string[] }> {
    const { limits } = this.deps;
    const warnings = new Set<string>();
    const timeout = new AbortController();
    const timer = setTimeout(
      () =>
        timeout.abort(
          new QueryLimitError(`the query took longer than ${limits.timeoutMs} ms (STRATA_PROMQL_TIMEOUT_MS); narrow its range, step or selectors`, 'STRATA_PROMQL_TIMEOUT_MS', limits.timeoutMs),
        ),
      limits.timeoutMs,
    );
    const both = AbortSignal.any([signal, timeout.signal]);
    const queryable: Queryable = {
      select: (matchers, fromMs, toMs, s) => this.select(tenant, matchers, fromMs, toMs, s ?? both, warnings),
      selectRollups: (matchers, fromMs, toMs, resolutionMs, s) => this.selectRollups(tenant, matchers, fromMs, toMs, resolutionMs, s ?? both, warnings),
    };
    const options: EngineOptions = { lookbackMs: limits.lookbackMs, maxSamples: limits.maxSamples };
    try {
      const value = await work(queryable, options, both);
      return { value, warnings: [...warnings] };
    } catch (error) {
      if (timeout.signal.aborted && !signal.aborted) throw timeout.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Rollup pushdown's reads: a rollup Read at a stored resolution, unfolded. Rows come for
   * the buckets the cold tier answers from what it stores, raw points for the rest.
   */
  private async selectRollups(
    tenant: string,
    matchers: readonly LabelMatcher[],
    fromMs: number,
    toMs: number,
    resolutionMs: number,
    signal: AbortSignal,
    warnings: Set<string>,
  ): Promise<RolledSeries[]> {
    const from = Math.max(1, fromMs);
    if (toMs <= from) return [];
    const keys = await this.deps.lister.find(tenant, { matchers, fromMs: from, toMs }, signal);
    if (keys.length === 0) return [];
    const request = { matchers: [], series: keys.map((key) => parseSeriesKey(key)), fromMs: from, toMs, stepMs: resolutionMs, aggregation: Aggregation.MAX };
    const out: RolledSeries[] = [];
    for await (const item of this.deps.reads.readColumns(tenant, request, signal, { storedRows: true })) {
      if ('warnings' in item) for (const w of item.warnings) warnings.add(w);
      else out.push({ labels: prometheusLabels(item.ref.name, item.ref.labels), rows: item.rows!, t: item.points.timestamps, v: item.points.values });
    }
    return out;
  }

  private async select(tenant: string, matchers: readonly LabelMatcher[], fromMs: number, toMs: number, signal: AbortSignal, warnings: Set<string>): Promise<StoredSeries[]> {
    // Nothing is stored before 1970; a listing's 0 would mean "no bound".
    const from = Math.max(1, fromMs);
    if (toMs < from) return [];
    const keys = await this.deps.lister.find(tenant, { matchers, fromMs: from, toMs: toMs + 1 }, signal);
    if (keys.length === 0) return [];
    const request = { matchers: [], series: keys.map((key) => parseSeriesKey(key)), fromMs: from, toMs: toMs + 1, stepMs: 0, aggregation: Aggregation.AVG };
    const out: StoredSeries[] = [];
    for await (const item of this.deps.reads.readColumns(tenant, request, signal, { keepStaleness: true })) {
      if ('warnings' in item) for (const w of item.warnings) warnings.add(w);
      else out.push({ labels: prometheusLabels(item.ref.name, item.ref.labels), t: item.points.timestamps, v: item.points.values });
    }
    return out;
  }
}
