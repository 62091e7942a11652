import { compileNameGlob, nameGlobProblem, parseSeriesKey } from '@strata/model';
import type { ListSeriesRequest, ListSeriesResponse } from '@strata/proto';
import type { RedisHotReader } from '@strata/storage';
import { InvalidQueryError, QueryLimitError } from './errors';

/**
 * ListSeries: the tenant's series whose name matches a glob (`*` any run of characters,
 * `?` one; empty matches all), from the tenant's series index in Redis, sorted by key.
 * Only the caller's tenant index is ever read.
 */
export class SeriesLister {
  constructor(
    private readonly deps: { readonly hot: Pick<RedisHotReader, 'listSeries'>; readonly maxSeries: number },
  ) {}

  async list(tenant: string, request: ListSeriesRequest): Promise<ListSeriesResponse> {
    const problem = nameGlobProblem(request.match);
    if (problem !== undefined) throw new InvalidQueryError(problem);
    const matches = compileNameGlob(request.match);
    const { keys, truncated } = await this.deps.hot.listSeries(tenant, {
      match: (key) => matches(nameOf(key)),
      limit: this.deps.maxSeries,
    });
    if (truncated) {
      throw new QueryLimitError(
        `more than ${this.deps.maxSeries} series match ${JSON.stringify(request.match)} (STRATA_LIST_MAX_SERIES); ` +
          'narrow the pattern',
        'STRATA_LIST_MAX_SERIES',
        this.deps.maxSeries,
      );
    }
    return { series: keys.map((key) => parseSeriesKey(key)) };
  }
}

function nameOf(seriesKey: string): string {
  const brace = seriesKey.indexOf('{');
  return brace < 0 ? seriesKey : seriesKey.slice(0, brace);
}
