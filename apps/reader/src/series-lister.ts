import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { compileMatchers, compileNameGlob, describeMatchers, nameGlobProblem, parseSeriesKey, type CompiledMatcher, type LabelMatcher, type MatchType } from '@strata/model';
import { MatchType as WireMatchType, type ListSeriesRequest, type ListSeriesResponse } from '@strata/proto';
import { abortReason, InvalidQueryError, QueryLimitError } from './errors';
import type { ReadLimiter } from './read-limits';
import type { ReaderMetrics } from './reader-metrics';
import { daySpan, union, type DaySpan, type LabelIndex, type Pace, type TenantLabelIndex } from './label-index';

export interface ListLimits {
  /** Series one ListSeries may return; more is refused. @default 10000 */
  readonly maxResults: number;
  /** Characters of the `match` pattern. @default 256 */
  readonly maxPatternLength: number;
  /**
   * CPU time one listing may spend matching names, summed over its slices (the wall time
   * of each synchronous slice: nothing else runs on the event loop meanwhile). @default 1000
   */
  readonly cpuMs: number;
  /** The longest the event loop runs one listing's matching before letting other calls in. @default 5 */
  readonly sliceMs: number;
  /** Label names or values one call may return; more is refused. @default 1000000 */
  readonly maxLabelValues: number;
}

/** What a listing selects: a name glob, label matchers, and optionally a time range (ms). */
export interface SeriesQuery {
  readonly glob?: string;
  readonly matchers?: readonly LabelMatcher[];
  /** Series with no data at or after this (by day) are left out. */
  readonly fromMs?: number;
  /** Series with no data before this (by day) are left out. */
  readonly toMs?: number;
}

/**
 * Label names or values: of the series any selector matches (a union, as Prometheus's
 * `match[]`), or of every series when there is none, within the time range.
 */
export interface LabelQuery {
  readonly selectors: readonly (readonly LabelMatcher[])[];
  readonly fromMs?: number;
  readonly toMs?: number;
}

export interface SeriesListerDeps {
  readonly index: Pick<LabelIndex, 'current'>;
  readonly limiter: Pick<ReadLimiter, 'admit'>;
  readonly limits: ListLimits;
  readonly metrics: ReaderMetrics;
}

/**
 * ListSeries, and every other selection of series by name and labels (Read and remote read
 * with matchers, series, label names and values): answered from the tenant's label index
 * (label-index.ts), which covers the hot catalogue and archived days. Only the caller's
 * tenant is ever read.
 *
 * Bounded in every resource: the pattern's length; the series the selection may touch (the
 * index's estimate, checked by the limiter before any work, STRATA_LIST_MAX_SCANNED); the
 * results; the CPU time spent matching; and the time from admission
 * (STRATA_LIST_TIMEOUT_MS), which also covers waiting for the tenant's turn. Matching runs
 * in slices of about `sliceMs` with a yield to the event loop between them, so a long
 * listing delays other calls by at most a slice. Every refusal is RESOURCE_EXHAUSTED naming
 * its setting; nothing is truncated silently.
 */
export class SeriesLister {
  constructor(private readonly deps: SeriesListerDeps) {}

  async list(tenant: string, request: Pick<ListSeriesRequest, 'match'> & Partial<Omit<ListSeriesRequest, 'match'>>, signal?: AbortSignal): Promise<ListSeriesResponse> {
    const matchers = (request.matchers ?? []).map(fromWire);
    const { fromMs, toMs } = request;
    if ((fromMs ?? 0) < 0 || (toMs ?? 0) < 0) throw new InvalidQueryError(`from_ms and to_ms must not be negative (0 leaves a side open); got ${fromMs} and ${toMs}`);
    if (fromMs && toMs && fromMs >= toMs) throw new InvalidQueryError(`from_ms (${fromMs}) must be before to_ms (${toMs})`);
    const keys = await this.find(tenant, { glob: request.match, matchers, ...(fromMs ? { fromMs } : {}), ...(toMs ? { toMs } : {}) }, signal);
    return { series: keys.map((key) => parseSeriesKey(key)) };
  }

  /**
   * The keys of the tenant's series whose name matches `glob`, that every matcher selects,
   * and that have a point in the time range (by day), sorted, within the listing limits.
   */
  async find(tenant: string, query: SeriesQuery, signal?: AbortSignal): Promise<string[]> {
    const { limits } = this.deps;
    const { matchers, described } = this.compile(query);
    const index = await this.indexOf(tenant, signal);
    const unbounded = matchers.length === 0 && query.fromMs === undefined && query.toMs === undefined;
    // Every series matches: the answer's size is known before any work.
    if (unbounded && index.size > limits.maxResults) throw this.refuse('list_results', tooMany(limits.maxResults, described));
    return this.run(tenant, index.estimate(matchers), described, signal, async (pace) => {
      const ordinals = await index.select(matchers, daySpan(query.fromMs, query.toMs), pace);
      if (ordinals.length > limits.maxResults) throw this.refuse('list_results', tooMany(limits.maxResults, described));
      return ordinals.map((o) => index.keys[o]).sort();
    });
  }

  /** Label names of the series the query selects (all the tenant's when it has no selector), sorted. */
  async labelNames(tenant: string, query: LabelQuery, signal?: AbortSignal): Promise<string[]> {
    return this.labels(tenant, query, signal, (index) => index.nameCount(), (index, ordinals, days, pace) => index.labelNames(ordinals, days, pace));
  }

  /** Values of label `name` among the series the query selects (all the tenant's when it has no selector), sorted. */
  async labelValues(tenant: string, name: string, query: LabelQuery, signal?: AbortSignal): Promise<string[]> {
    return this.labels(tenant, query, signal, (index) => index.valueCount(name), (index, ordinals, days, pace) => index.labelValues(name, ordinals, days, pace));
  }

  private async labels(
    tenant: string,
    query: LabelQuery,
    signal: AbortSignal | undefined,
    /** Without a selector: the names or values to look at (their postings too when a time range is set). */
    everything: (index: TenantLabelIndex) => number,
    answer: (index: TenantLabelIndex, ordinals: number[] | undefined, days: DaySpan, pace: Pace) => Promise<string[]>,
  ): Promise<string[]> {
    const { limits } = this.deps;
    const selectors = query.selectors.map((matchers) => this.compile({ matchers }));
    const index = await this.indexOf(tenant, signal);
    const described = selectors.length === 0 ? 'every series' : selectors.map((s) => s.described).join(' or ');
    const estimate = selectors.length === 0 ? everything(index) : selectors.reduce((n, s) => n + index.estimate(s.matchers), 0);
    const days = daySpan(query.fromMs, query.toMs);
    return this.run(tenant, estimate, described, signal, async (pace) => {
      let ordinals: number[] | undefined;
      if (selectors.length > 0) {
        const lists: number[][] = [];
        for (const s of selectors) lists.push(await index.select(s.matchers, days, pace));
        ordinals = union(lists);
      }
      const found = await answer(index, ordinals, days, pace);
      if (found.length > limits.maxLabelValues) {
        throw this.refuse(
          'list_results',
          new QueryLimitError(
            `more than ${limits.maxLabelValues} label names or values for ${described} (STRATA_LIST_MAX_LABEL_VALUES); narrow the selector or the time range`,
            'STRATA_LIST_MAX_LABEL_VALUES',
            limits.maxLabelValues,
          ),
        );
      }
      return found;
    });
  }

  /**
   * The tenant's index brought up to date (shared with concurrent callers). Waiting for it
   * counts against the caller's deadline; the listing's own time limit starts at admission.
   */
  private async indexOf(tenant: string, signal: AbortSignal | undefined): Promise<TenantLabelIndex> {
    try {
      return await this.deps.index.current(tenant, signal);
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      throw error;
    }
  }

  private compile(query: SeriesQuery): { matchers: CompiledMatcher[]; described: string } {
    const glob = query.glob ?? '';
    const problem = nameGlobProblem(glob, this.deps.limits.maxPatternLength);
    if (problem !== undefined) throw new InvalidQueryError(`${problem} (STRATA_LIST_MAX_PATTERN_LENGTH)`);
    const compiled = compileMatchers(query.matchers ?? []);
    if ('problem' in compiled) throw new InvalidQueryError(compiled.problem);
    const matchers = compiled.matchers;
    if (glob !== '' && !/^\*+$/.test(glob)) {
      // The glob is one more matcher on the name (its alphabet has nothing a regular
      // expression of plain literals would read differently: see literalAlternatives).
      const test = compileNameGlob(glob, this.deps.limits.maxPatternLength);
      matchers.push({ name: '__name__', type: '=~', value: glob, test, matchesEmpty: test('') });
    }
    const described =
      (query.matchers ?? []).length === 0 ? JSON.stringify(glob) : `${glob === '' ? '' : `${JSON.stringify(glob)} and `}${describeMatchers(query.matchers ?? [])}`;
    return { matchers, described };
  }

  /**
   * Admits the work (cost `units`, the series it may touch), then runs it with a pace that
   * yields to the event loop about every `sliceMs`, counts the CPU time between yields
   * against `cpuMs`, and stops on the permit's deadline.
   */
  private async run<T>(tenant: string, units: number, described: string, signal: AbortSignal | undefined, work: (pace: Pace) => Promise<T>): Promise<T> {
    const { limits, metrics } = this.deps;
    const permit = await this.deps.limiter.admit(tenant, { kind: 'list', units, detail: `${described} may touch ${units} series` }, signal);
    const started = performance.now();
    let result = 'ok';
    let cpuMs = 0;
    let sliceStart = performance.now();
    const pace: Pace = async () => {
      if (permit.signal.aborted) throw permit.signal.reason;
      const now = performance.now();
      if (now - sliceStart < limits.sliceMs) return;
      cpuMs += now - sliceStart;
      if (cpuMs > limits.cpuMs) {
        throw this.refuse(
          'list_cpu',
          new QueryLimitError(
            `matching ${described} took more than ${limits.cpuMs} ms of CPU time (STRATA_LIST_CPU_MS); narrow the selector (an equality matcher is cheapest)`,
            'STRATA_LIST_CPU_MS',
            limits.cpuMs,
          ),
        );
      }
      await yieldToEventLoop();
      if (permit.signal.aborted) throw permit.signal.reason;
      sliceStart = performance.now();
    };
    try {
      const answer = await work(pace);
      if (permit.signal.aborted) throw permit.signal.reason;
      return answer;
    } catch (error) {
      if (permit.signal.aborted && error === permit.signal.reason && error instanceof QueryLimitError) this.refuse('timeout', error);
      result = error instanceof QueryLimitError ? error.setting : 'error';
      throw error;
    } finally {
      permit.release();
      metrics.listingSeconds.observe({ result }, (performance.now() - started) / 1000);
      metrics.listingNames.observe(units);
    }
  }

  private refuse(reason: string, error: QueryLimitError): QueryLimitError {
    this.deps.metrics.limitRefusals.inc({ kind: 'list', reason });
    return error;
  }
}

function tooMany(limit: number, described: string): QueryLimitError {
  return new QueryLimitError(
    `more than ${limit} series match ${described} (STRATA_LIST_MAX_SERIES); narrow the pattern`,
    'STRATA_LIST_MAX_SERIES',
    limit,
  );
}

const MATCH_TYPES: Record<WireMatchType, MatchType> = {
  [WireMatchType.EQUAL]: '=',
  [WireMatchType.NOT_EQUAL]: '!=',
  [WireMatchType.REGEX]: '=~',
  [WireMatchType.NOT_REGEX]: '!~',
  [WireMatchType.UNRECOGNIZED]: '=',
};

/** A matcher as strata.v1 carries it, in the model's terms. */
export function fromWire(m: { name: string; type: WireMatchType; value: string }): LabelMatcher {
  if (!(m.type in MATCH_TYPES) || m.type === WireMatchType.UNRECOGNIZED) throw new InvalidQueryError(`matcher on ${m.name} has an unknown type ${m.type}`);
  return { name: m.name, type: MATCH_TYPES[m.type], value: m.value };
}
