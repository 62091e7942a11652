import { dayNumber } from '@strata/storage/cold';
import type { LateWriteLedger } from '@strata/storage/hot';
import type { Logger } from '@strata/runtime';
import type { ColdTierSource } from './cold-source';
import type { ReadPlan } from './planner';
import type { ReaderMetrics } from './reader-metrics';
import { withTimeout } from './with-timeout';

export interface WarmPrunerDeps {
  readonly ledger: Pick<LateWriteLedger, 'cleanDays'>;
  readonly cold: Pick<ColdTierSource, 'archivedDays'>;
  readonly metrics: ReaderMetrics;
  readonly logger: Logger;
  /** The lookups' limit; past it the read queries DynamoDB as if they had failed. @default 250 */
  readonly timeoutMs?: number;
}

/**
 * Drops the DynamoDB Query from a read that lies wholly in archived days none of which has
 * a chunk left in DynamoDB. Such a Query finds nothing, yet costs its round trip, the
 * largest share of a short read's latency next to the S3 range GET it runs beside.
 *
 * A day counts when the tenant's manifests (as this reader holds them) list it and the
 * late-write ledger in Redis says the archiver left none of its chunks behind since the last
 * chunk write into it (LateWriteLedger). Anything else (a day not archived, a late chunk
 * not moved yet, the hot tier in the plan, Redis or S3 failing or slow) keeps the Query:
 * the pruner can only make a read cheaper, never answer less.
 */
export class WarmPruner {
  private readonly timeoutMs: number;

  constructor(private readonly deps: WarmPrunerDeps) {
    this.timeoutMs = deps.timeoutMs ?? 250;
  }

  async prune(tenant: string, plan: ReadPlan): Promise<ReadPlan> {
    const warm = plan.tiers.find((t) => t.tier === 'warm');
    const cold = plan.tiers.find((t) => t.tier === 'cold');
    // The hot tier covers only recent windows, which are never archived.
    if (!warm || !cold || plan.tiers.some((t) => t.tier === 'hot')) return plan;
    const firstDay = dayNumber(warm.fromStart);
    const lastDay = dayNumber(warm.toStart);
    if (firstDay < dayNumber(cold.fromStart) || lastDay > dayNumber(cold.toStart)) return plan;
    const days = Array.from({ length: lastDay - firstDay + 1 }, (_, i) => firstDay + i);
    try {
      const [archived, clean] = await withTimeout(
        Promise.all([this.deps.cold.archivedDays(tenant, firstDay, lastDay), this.deps.ledger.cleanDays(tenant, days)]),
        this.timeoutMs,
        () => new Error(`no answer within ${this.timeoutMs} ms`),
      );
      const listed = new Set(archived);
      if (!days.every((d) => listed.has(d) && clean.has(d))) {
        this.deps.metrics.warmPruning.inc({ result: 'queried' });
        return plan;
      }
      this.deps.metrics.warmPruning.inc({ result: 'skipped' });
      return { ...plan, tiers: plan.tiers.filter((t) => t !== warm) };
    } catch (error) {
      this.deps.metrics.warmPruning.inc({ result: 'error' });
      this.deps.logger.debug({ err: error, tenant }, 'could not tell whether archived days have chunks left in DynamoDB; querying it');
      return plan;
    }
  }
}
