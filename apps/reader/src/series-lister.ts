import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { compileMatchers, compileNameGlob, describeMatchers, matchesSeries, nameGlobProblem, parseSeriesKey, type LabelMatcher, type MatchType } from '@strata/model';
import { MatchType as WireMatchType, type ListSeriesRequest, type ListSeriesResponse } from '@strata/proto';
import { InvalidQueryError, QueryLimitError } from './errors';
import type { ReadLimiter } from './read-limits';
import type { ReaderMetrics } from './reader-metrics';
import type { SeriesCandidates } from './series-index';

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
}

export interface SeriesListerDeps {
  readonly candidates: SeriesCandidates;
  readonly limiter: Pick<ReadLimiter, 'admit'>;
  readonly limits: ListLimits;
  readonly metrics: ReaderMetrics;
}

/** Names matched between two looks at the clock: cheap enough to keep slices near sliceMs. */
const CLOCK_EVERY = 64;

/**
 * ListSeries: the tenant's series whose name matches a glob (`*` any run of characters,
 * `?` one; empty matches all), sorted by key. Only the caller's tenant is ever read.
 *
 * Bounded in every resource: the pattern's length; the names to match (the index's size,
 * checked by the limiter before the scan, STRATA_LIST_MAX_SCANNED); the results; the CPU
 * time spent matching; and the time from admission (STRATA_LIST_TIMEOUT_MS), which also
 * covers waiting for the tenant's turn. Matching runs in slices of about `sliceMs` with a
 * yield to the event loop between them, so a long listing delays other calls by at most
 * a slice. Every refusal is RESOURCE_EXHAUSTED naming its setting; nothing is truncated
 * silently (ListSeriesResponse has no way to say so).
 */
export class SeriesLister {
  constructor(private readonly deps: SeriesListerDeps) {}

  async list(tenant: string, request: Pick<ListSeriesRequest, 'match'> & Partial<Pick<ListSeriesRequest, 'matchers'>>, signal?: AbortSignal): Promise<ListSeriesResponse> {
    const matchers = (request.matchers ?? []).map(fromWire);
    const keys = await this.find(tenant, { glob: request.match, matchers }, signal);
    return { series: keys.map((key) => parseSeriesKey(key)) };
  }

  /**
   * The keys of the tenant's series whose name matches `glob` and that every matcher
   * selects, sorted, within the listing limits (see the class). Also what remote read and
   * PromQL select series with.
   */
  async find(tenant: string, selector: { glob?: string; matchers?: readonly LabelMatcher[] }, signal?: AbortSignal): Promise<string[]> {
    const { limits, metrics } = this.deps;
    const glob = selector.glob ?? '';
    const problem = nameGlobProblem(glob, limits.maxPatternLength);
    if (problem !== undefined) throw new InvalidQueryError(`${problem} (STRATA_LIST_MAX_PATTERN_LENGTH)`);
    const compiled = compileMatchers(selector.matchers ?? []);
    if ('problem' in compiled) throw new InvalidQueryError(compiled.problem);
    const nameMatches = compileNameGlob(glob, limits.maxPatternLength);
    const labelMatchers = compiled.matchers;
    // Matchers on the name alone need no parse of the key.
    const onNameOnly = labelMatchers.every((m) => m.name === '__name__');
    const matches =
      labelMatchers.length === 0
        ? (key: string) => nameMatches(nameOf(key))
        : onNameOnly
          ? (key: string) => {
              const name = nameOf(key);
              return nameMatches(name) && matchesSeries(labelMatchers, name, []);
            }
          : (key: string) => {
              if (!nameMatches(nameOf(key))) return false;
              const { name, labels } = parseSeriesKey(key);
              return matchesSeries(labelMatchers, name, labels);
            };
    const described = labelMatchers.length === 0 ? JSON.stringify(glob) : `${glob === '' ? '' : `${JSON.stringify(glob)} and `}${describeMatchers(labelMatchers)}`;
    const all = labelMatchers.length === 0 && (glob === '' || /^\*+$/.test(glob));
    const size = await this.deps.candidates.count(tenant);
    // Every name matches: the answer's size is known before any scan.
    if (all && size > limits.maxResults) throw this.refuse('list_results', tooMany(limits.maxResults, described));
    const permit = await this.deps.limiter.admit(tenant, { kind: 'list', units: size, detail: `tenant ${tenant} has ${size} series` }, signal);
    const started = performance.now();
    let result = 'ok';
    let scanned = 0;
    try {
      const found = new Set<string>();
      let cpuMs = 0;
      for await (const page of this.deps.candidates.pages(tenant, permit.signal)) {
        for (let i = 0; i < page.length; ) {
          if (permit.signal.aborted) throw permit.signal.reason;
          const sliceStart = performance.now();
          const first = i;
          let now = sliceStart;
          while (i < page.length && now - sliceStart < limits.sliceMs) {
            const end = Math.min(page.length, i + CLOCK_EVERY);
            for (; i < end; i++) if (matches(page[i])) found.add(page[i]);
            now = performance.now();
          }
          cpuMs += now - sliceStart;
          scanned += i - first;
          if (found.size > limits.maxResults) throw this.refuse('list_results', tooMany(limits.maxResults, described));
          if (cpuMs > limits.cpuMs) {
            throw this.refuse(
              'list_cpu',
              new QueryLimitError(
                `matching ${described} took more than ${limits.cpuMs} ms of CPU time (STRATA_LIST_CPU_MS) ` +
                  `after ${found.size} matches; narrow the pattern (a literal prefix is cheapest)`,
                'STRATA_LIST_CPU_MS',
                limits.cpuMs,
              ),
            );
          }
          if (i < page.length) await yieldToEventLoop();
        }
        // Let other calls in between pages too; the SSCAN round trip alone may come back at once.
        await yieldToEventLoop();
      }
      if (permit.signal.aborted) throw permit.signal.reason;
      return [...found].sort();
    } catch (error) {
      if (permit.signal.aborted && error === permit.signal.reason && error instanceof QueryLimitError) this.refuse('timeout', error);
      result = error instanceof QueryLimitError ? error.setting : 'error';
      throw error;
    } finally {
      permit.release();
      metrics.listingSeconds.observe({ result }, (performance.now() - started) / 1000);
      metrics.listingNames.observe(scanned);
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

function nameOf(seriesKey: string): string {
  const brace = seriesKey.indexOf('{');
  return brace < 0 ? seriesKey : seriesKey.slice(0, brace);
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
