import { EMPTY_ROLLUP_STATS, foldRollupStats, rollup, withoutStaleness, type RollupStats } from '@strata/model';
import { mergeNewestFirst, type RetentionPolicy, type SortedColumns } from '@strata/storage';
import type { ReadRequest, ReadResponse } from '@strata/proto';
import type { Logger } from '@strata/runtime';
import type { ReadLimits } from './config';
import { HotTierFailedError, QueryLimitError, ReadCancelledError } from './errors';
import type { Fetcher } from './fetcher';
import type { HotTierWatch } from './hot-tier-watch';
import { planRead, type PlannerSettings } from './planner';
import { estimateReadCost, PointBudget } from './read-cost';
import type { ReadLimiter } from './read-limits';
import type { ReaderMetrics } from './reader-metrics';
import { parseReadRequest, type SeriesRef } from './read-request';
import type { WarmPruner } from './warm-pruner';
import { ResponsePacker } from './response-packer';
import { WarningCollector } from './warnings';

/**
 * What stops a finished read's leftover work. One instance for every read: an error made per
 * read, with its stack, is measurable CPU under many small reads, and nobody reads this one's.
 */
const READ_ENDED = new ReadCancelledError();

export interface ReadHandlerDeps {
  readonly fetcher: Pick<Fetcher, 'fetchAll'>;
  /** Drops the DynamoDB Query of reads of archived days with nothing left there. */
  readonly warmPruner?: Pick<WarmPruner, 'prune'>;
  /** Admission: cost ceiling, per-tenant fair concurrency, time limit (read-limits.ts). */
  readonly limiter: Pick<ReadLimiter, 'admit'>;
  /** Warns reads of the hot span while the writer rebuilds Redis from the log. */
  readonly hotTier?: Pick<HotTierWatch, 'warning'>;
  readonly settings: {
    readonly limits: ReadLimits;
    readonly concurrency: number;
    readonly planner: PlannerSettings;
    /** Points older than the tenant's retention are never returned (the archiver deletes them). */
    readonly retention?: RetentionPolicy;
  };
  readonly metrics: ReaderMetrics;
  readonly logger: Logger;
  readonly now: () => number;
}

/**
 * Serves one Read: validate, plan the tiers, estimate the cost and wait for admission
 * (read-limits.ts), fetch and merge each series, roll up, and pack the result into
 * response messages. Warnings (a colder tier failed, the hot tier is being rebuilt) come
 * in the last message. Errors are thrown; mapping them to gRPC is the service's job.
 *
 * The work stops, not only the answer, when the caller cancels, the read's time limit
 * passes, or its point budget runs out: the permit's signal reaches every storage call and
 * decode task of the read.
 */
export class ReadHandler {
  constructor(private readonly deps: ReadHandlerDeps) {}

  /**
   * With `keepStaleness`, raw points keep staleness (NaN), for remote read, whose reader
   * (a Prometheus) ends series there; buckets never hold it.
   */
  async *read(tenant: string, request: ReadRequest, signal?: AbortSignal, options: { keepStaleness?: boolean } = {}): AsyncGenerator<ReadResponse> {
    const packer = new ResponsePacker(this.deps.settings.limits.maxPointsPerMessage);
    for await (const item of this.readColumns(tenant, request, signal, options)) {
      if ('warnings' in item) yield* packer.finish(item.warnings);
      else yield* packer.add(item.ref, item.points);
    }
  }

  /**
   * The same read, each series' points as columns (no message packing), then the warnings
   * last: what PromQL evaluates on. With `storedRows`, a rollup read is not folded: each
   * series comes as the stored rows the cold tier answered (`rows`, at the step, which must
   * then be a stored resolution) and the raw points of every other bucket (`points`), for
   * PromQL's rollup pushdown.
   */
  async *readColumns(
    tenant: string,
    request: ReadRequest,
    signal?: AbortSignal,
    options: { keepStaleness?: boolean; storedRows?: boolean } = {},
  ): AsyncGenerator<{ ref: SeriesRef; points: SortedColumns; rows?: RollupStats } | { warnings: string[] }> {
    const { limits, concurrency, planner, retention } = this.deps.settings;
    const parsed = parseReadRequest(request, limits);
    const now = this.deps.now();
    // A range reaching past the retention is cut at its cutoff: what lies before may be half
    // deleted, and is about to be, so it is never returned (a bucket there is partial).
    const fromMs = retention ? Math.max(parsed.fromMs, retention.cutoffMs(tenant, now)) : parsed.fromMs;
    this.deps.metrics.seriesPerRead.observe(parsed.series.length);
    if (fromMs >= parsed.toMs) {
      yield { warnings: [] };
      return;
    }
    const planned = planRead(fromMs, parsed.toMs, planner, now, parsed.rollup ? parsed.stepMs : 0);
    // Estimated from the unpruned plan (an upper bound) so nothing is looked up before admission.
    const permit = await this.deps.limiter.admit(tenant, estimateReadCost(parsed.series.length, planned, limits), signal);
    // Stops what is still in flight when the read ends early (a failed series, the budget).
    const work = new AbortController();
    const stopWork = () => work.abort(permit.signal.reason);
    permit.signal.addEventListener('abort', stopWork, { once: true });
    const budget = new PointBudget(limits.maxPointsPerRequest, parsed.series.length);
    try {
      const hotWarning = planned.tiers.some((t) => t.tier === 'hot') ? await this.hotTierWarning(parsed.series[0].key, fromMs, parsed.toMs) : undefined;
      const plan = this.deps.warmPruner ? await this.deps.warmPruner.prune(tenant, planned) : planned;
      const warnings = new WarningCollector(parsed.series.length);
      let returned = 0;
      for await (const result of this.deps.fetcher.fetchAll(tenant, parsed.series, plan, { concurrency, signal: work.signal, budget })) {
        warnings.add(result.ref.key, result.failures);
        // Staleness (stored NaN: the model's staleness.ts) ends a series for PromQL; Read
        // returns values only. Buckets the cold tier answered from stored rollups are disjoint
        // from those of the raw points.
        const values = parsed.rollup || !options.keepStaleness ? withoutStaleness(result.columns) : result.columns;
        if (parsed.rollup && options.storedRows) {
          const rows = result.rollups ?? EMPTY_ROLLUP_STATS;
          returned += values.timestamps.length + rows.timestamps.length;
          yield { ref: result.ref, points: values, rows };
          continue;
        }
        const points = parsed.rollup
          ? mergeNewestFirst([rollup(values, parsed.stepMs, parsed.rollup), ...(result.rollups ? [foldRollupStats(result.rollups, parsed.stepMs, parsed.rollup)] : [])])
          : values;
        returned += points.timestamps.length;
        yield { ref: result.ref, points };
      }
      const rendered = warnings.render();
      for (const tier of warnings.tiers()) this.deps.metrics.warnings.inc({ tier });
      if (rendered.length > 0) this.deps.logger.warn({ tenant, warnings: rendered }, 'read answered partially: a colder tier failed');
      if (hotWarning) {
        this.deps.metrics.warnings.inc({ tier: 'hot' });
        rendered.unshift(hotWarning);
      }
      this.deps.metrics.pointsReturned.inc({ tenant }, returned);
      yield { warnings: rendered };
    } catch (error) {
      const stopped = permit.signal.aborted ? permit.signal.reason : error;
      if (stopped instanceof QueryLimitError) {
        this.deps.metrics.limitRefusals.inc({ kind: 'read', reason: stopped.setting === 'STRATA_READ_MAX_POINTS' ? 'points' : 'timeout' });
      }
      throw stopped;
    } finally {
      permit.signal.removeEventListener('abort', stopWork);
      if (!work.signal.aborted) work.abort(READ_ENDED);
      // What was fetched to decode counts against the tenant's decode rate, finished or not.
      permit.charge(budget.points);
      permit.release();
    }
  }

  /**
   * The rebuild warning for a read of the hot span. Not knowing whether the hot tier is
   * whole is the hot tier failing: the read fails as when Redis fails reading a series.
   */
  private async hotTierWarning(seriesKey: string, fromMs: number, toMs: number): Promise<string | undefined> {
    if (!this.deps.hotTier) return undefined;
    try {
      return await this.deps.hotTier.warning();
    } catch (error) {
      throw new HotTierFailedError(seriesKey, fromMs, toMs, error);
    }
  }
}
