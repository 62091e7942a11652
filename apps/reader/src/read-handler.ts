import { foldRollupStats, rollup } from '@strata/model';
import { mergeNewestFirst, type RetentionPolicy } from '@strata/storage';
import type { ReadRequest, ReadResponse } from '@strata/proto';
import type { Logger } from '@strata/runtime';
import type { ReadLimits } from './config';
import { QueryLimitError } from './errors';
import type { Fetcher } from './fetcher';
import { planRead, type PlannerSettings } from './planner';
import type { ReaderMetrics } from './reader-metrics';
import { parseReadRequest } from './read-request';
import type { WarmPruner } from './warm-pruner';
import { ResponsePacker } from './response-packer';
import { WarningCollector } from './warnings';

export interface ReadHandlerDeps {
  readonly fetcher: Pick<Fetcher, 'fetchAll'>;
  /** Drops the DynamoDB Query of reads of archived days with nothing left there. */
  readonly warmPruner?: Pick<WarmPruner, 'prune'>;
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
 * Serves one Read: validate, plan the tiers, fetch and merge each series, roll up, and
 * pack the result into response messages. Warnings (a colder tier failed) come in the
 * last message. Errors are thrown; mapping them to gRPC is the service's job.
 */
export class ReadHandler {
  constructor(private readonly deps: ReadHandlerDeps) {}

  async *read(tenant: string, request: ReadRequest, signal?: AbortSignal): AsyncGenerator<ReadResponse> {
    const { limits, concurrency, planner, retention } = this.deps.settings;
    const parsed = parseReadRequest(request, limits);
    const now = this.deps.now();
    // A range reaching past the retention is cut at its cutoff: what lies before may be half
    // deleted, and is about to be, so it is never returned (a bucket there is partial).
    const fromMs = retention ? Math.max(parsed.fromMs, retention.cutoffMs(tenant, now)) : parsed.fromMs;
    this.deps.metrics.seriesPerRead.observe(parsed.series.length);
    const packer = new ResponsePacker(limits.maxPointsPerMessage);
    if (fromMs >= parsed.toMs) {
      yield* packer.finish([]);
      return;
    }
    const planned = planRead(fromMs, parsed.toMs, planner, now, parsed.rollup ? parsed.stepMs : 0);
    const plan = this.deps.warmPruner ? await this.deps.warmPruner.prune(tenant, planned) : planned;
    const warnings = new WarningCollector(parsed.series.length);
    let scanned = 0;
    let returned = 0;
    let index = 0;
    for await (const result of this.deps.fetcher.fetchAll(tenant, parsed.series, plan, { concurrency, signal })) {
      index++;
      warnings.add(result.ref.key, result.failures);
      scanned += result.columns.timestamps.length + (result.rollups?.timestamps.length ?? 0);
      if (scanned > limits.maxPointsPerRequest) {
        throw new QueryLimitError(
          `this Read scans more than ${limits.maxPointsPerRequest} raw points (STRATA_READ_MAX_POINTS): ${scanned} in its ` +
            `first ${index} of ${parsed.series.length} series (up to ${result.ref.key}); narrow the time range or select ` +
            'fewer series per call. Messages already received hold only part of the answer.',
          'STRATA_READ_MAX_POINTS',
          limits.maxPointsPerRequest,
        );
      }
      // Buckets the cold tier answered from stored rollups are disjoint from those of the raw points.
      const points = parsed.rollup
        ? mergeNewestFirst([rollup(result.columns, parsed.stepMs, parsed.rollup), ...(result.rollups ? [foldRollupStats(result.rollups, parsed.stepMs, parsed.rollup)] : [])])
        : result.columns;
      returned += points.timestamps.length;
      yield* packer.add(result.ref, points);
    }
    const rendered = warnings.render();
    for (const tier of warnings.tiers()) this.deps.metrics.warnings.inc({ tier });
    if (rendered.length > 0) this.deps.logger.warn({ tenant, warnings: rendered }, 'read answered partially: a colder tier failed');
    this.deps.metrics.pointsReturned.inc({ tenant }, returned);
    yield* packer.finish(rendered);
  }
}
