import { HotChunkCorruptError } from '@strata/storage/hot';
import { abortReason, HotTierFailedError, iso, TierTimeoutError } from './errors';
import { exclusiveRange, type ReadPlan, type TierName, type TierRange } from './planner';
import type { ReaderMetrics } from './reader-metrics';
import type { SeriesRef } from './read-request';
import type { TierAnswer, TierRequest, TierSource } from './tier-sources';
import { withTimeout } from './with-timeout';

/** A secondary tier's failure for one series: the answer lacks what only that tier held. */
export interface TierFailure {
  readonly tier: TierName;
  readonly kind: 'error' | 'timeout' | 'corrupt';
  readonly reason: string;
  /** The part of the requested range that may now lack points. */
  readonly fromMs: number;
  readonly toMs: number;
}

/** One tier of a plan: its range, the source that answers it, and whether it is the primary. */
export interface Leg {
  readonly range: TierRange;
  readonly source: TierSource | undefined;
  readonly primary: boolean;
}

export interface FanoutSettings {
  /** STRATA_READ_TIER_TIMEOUT_MS: the longest one tier may take for one series. */
  readonly tierTimeoutMs: number;
  readonly metrics: ReaderMetrics;
}

const NOTHING: TierAnswer = { windows: [] };

/**
 * Reads one series from every tier of a plan through one interface, after Prometheus's
 * storage/fanout.go: the first source is the primary (the hot tier), whose failure fails
 * the read, since without it the newest points would be silently missing; every other
 * source is a secondary, whose failure leaves the rest of the answer and a warning. The
 * plan lists its tiers hottest first, the order in which their points take precedence.
 */
export class TierFanout {
  private readonly sources: ReadonlyMap<TierName, TierSource>;
  private readonly primary: TierName | undefined;

  /** @param sources One per tier the planner may name, the primary first. */
  constructor(
    sources: readonly TierSource[],
    private readonly settings: FanoutSettings,
  ) {
    this.sources = new Map(sources.map((s) => [s.tier, s]));
    this.primary = sources[0]?.tier;
  }

  /** The plan's tiers in its order, each with its source. */
  legs(plan: ReadPlan): Leg[] {
    return plan.tiers.map((range) => ({ range, source: this.sources.get(range.tier), primary: range.tier === this.primary }));
  }

  /**
   * Asks every leg at once (`request` says what of each). Answers come in the order of
   * `legs`, a failed secondary's empty with its failure listed; a failed primary, or
   * `signal` aborting, throws.
   */
  async fetch(
    tenant: string,
    ref: SeriesRef,
    plan: ReadPlan,
    legs: readonly Leg[],
    request: (range: TierRange) => TierRequest,
    signal: AbortSignal | undefined,
  ): Promise<{ answers: TierAnswer[]; failures: TierFailure[] }> {
    const settled = await Promise.allSettled(legs.map((leg) => this.ask(tenant, ref.key, leg, request(leg.range))));
    // A cancelled read is not a tier failure: answer with why it stopped, not a warning.
    if (signal?.aborted) throw abortReason(signal);
    const failures: TierFailure[] = [];
    const answers = settled.map((outcome, i) => {
      if (outcome.status === 'fulfilled') return outcome.value;
      failures.push(this.failed(ref, plan, legs[i], outcome.reason));
      return NOTHING;
    });
    return { answers, failures };
  }

  /** One leg's answer within the tier time limit, timed and counted per tier. */
  async ask(tenant: string, seriesKey: string, leg: Leg, request: TierRequest): Promise<TierAnswer> {
    const { tier } = leg.range;
    if (!leg.source) throw new Error(`no source configured for the ${tier} tier`);
    const { tierTimeoutMs, metrics } = this.settings;
    const stop = metrics.tierSeconds.startTimer({ tier });
    try {
      const answer = await withTimeout(leg.source.fetch(tenant, seriesKey, request), tierTimeoutMs, () => new TierTimeoutError(tier, tierTimeoutMs), request.signal);
      stop({ result: 'ok' });
      return answer;
    } catch (error) {
      stop({ result: 'error' });
      if (request.signal?.aborted) throw error;
      metrics.tierFailures.inc({ tier, kind: error instanceof TierTimeoutError ? 'timeout' : 'error' });
      throw error;
    }
  }

  /** A leg that failed to answer (an error or the time limit). */
  failed(ref: SeriesRef, plan: ReadPlan, leg: Leg, error: unknown): TierFailure {
    const kind = error instanceof TierTimeoutError ? 'timeout' : 'error';
    return this.settle(ref, plan, leg, { tier: leg.range.tier, kind, reason: describe(error), ...exclusiveRange(plan, leg.range.tier) }, () => error);
  }

  /** A chunk of a leg's window at `windowStart` that failed to decode: that window has no answer. */
  corruptChunk(tenant: string, ref: SeriesRef, plan: ReadPlan, leg: Leg, windowStart: number, reason: string): TierFailure {
    const { tier } = leg.range;
    this.settings.metrics.tierFailures.inc({ tier, kind: 'corrupt' });
    const unit = leg.source!.windowUnit(plan.windowMs);
    const failure: TierFailure = {
      tier,
      kind: 'corrupt',
      reason: `the chunk of the ${unit.name} at ${iso(windowStart)} is corrupt (${reason})`,
      fromMs: Math.max(plan.fromMs, windowStart),
      toMs: Math.min(plan.toMs, windowStart + unit.ms),
    };
    return this.settle(ref, plan, leg, failure, () => new HotChunkCorruptError(tenant, ref.key, windowStart, reason));
  }

  /** Stored rollup rows of a leg over [fromMs, toMs) that failed to decode: their buckets have no answer. */
  corruptRollups(ref: SeriesRef, plan: ReadPlan, leg: Leg, fromMs: number, toMs: number, error: unknown): TierFailure {
    const { tier } = leg.range;
    this.settings.metrics.tierFailures.inc({ tier, kind: 'corrupt' });
    const failure: TierFailure = {
      tier,
      kind: 'corrupt',
      reason: `the rollup rows stored for [${iso(fromMs)}, ${iso(toMs)}) are corrupt (${describe(error)})`,
      fromMs: Math.max(plan.fromMs, fromMs),
      toMs: Math.min(plan.toMs, toMs),
    };
    return this.settle(ref, plan, leg, failure, () => error);
  }

  /**
   * The fanout rule, for every way a leg can fail: the primary's failure fails the read
   * (thrown, with `cause()` as its cause); a secondary's is returned, to become a warning.
   */
  private settle(ref: SeriesRef, plan: ReadPlan, leg: Leg, failure: TierFailure, cause: () => unknown): TierFailure {
    if (leg.primary) throw new HotTierFailedError(ref.key, plan.fromMs, plan.toMs, cause());
    return failure;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
