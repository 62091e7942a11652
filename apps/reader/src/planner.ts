import { windowStart } from '@strata/storage';

/** The tiers, hottest first. A hotter tier's value wins a tie on a timestamp. */
export type TierName = 'hot' | 'warm' | 'cold';

export const TIER_LABEL: Readonly<Record<TierName, string>> = {
  hot: 'hot tier (Redis)',
  warm: 'warm tier (DynamoDB)',
  cold: 'cold tier (S3)',
};

/** One tier's part of a read: the windows whose starts lie in [fromStart, toStart]. */
export interface TierRange {
  readonly tier: TierName;
  readonly fromStart: number;
  /** Inclusive. */
  readonly toStart: number;
}

export interface ReadPlan {
  /** Inclusive. */
  readonly fromMs: number;
  /** Exclusive. */
  readonly toMs: number;
  readonly windowMs: number;
  /** Hottest first; every range is read concurrently and merged in this order of precedence. */
  readonly tiers: readonly TierRange[];
}

export interface PlannerSettings {
  readonly windowMs: number;
  /** How long the writer keeps sealed windows in Redis after their end (STRATA_HOT_RETENTION_MS). */
  readonly hotRetentionMs: number;
  /** How far ahead of the clock ingest accepts points (STRATA_FUTURE_GRACE_MS). */
  readonly futureGraceMs: number;
}

/**
 * The writer keeps a window sealed after its retention (a very late point) in Redis for
 * at least this long (RedisHotStore.finishSeal), so the hot tier is asked for windows
 * this much older than the retention alone would suggest.
 */
export const LATE_SEAL_KEEP_MS = 3_600_000;

/**
 * Which tiers cover which windows of [fromMs, toMs) at `nowMs`.
 *
 * - hot (Redis): windows whose end + hot retention (+ {@link LATE_SEAL_KEEP_MS}) is after
 *   now — older packed chunks have expired. Open windows never expire, but one that is
 *   still unsealed past the retention (a writer far behind) is not read until sealed.
 * - warm (DynamoDB): every window of the range: it holds every sealed window, and reading
 *   it alongside the hot tier covers a Redis that lost data (a restart without
 *   persistence). A Query costs what it returns, so the overlap is nearly free.
 * - cold (S3): not built yet. When the archiver exists, windows older than the warm
 *   retention move to a cold range here and the warm range shrinks to the rest; the
 *   fetcher and merge need no change beyond a TierSource for S3.
 *
 * No tier is asked for windows after now + future grace: no point can be there yet.
 * Pure; the caller checked fromMs < toMs.
 */
export function planRead(fromMs: number, toMs: number, settings: PlannerSettings, nowMs: number): ReadPlan {
  const W = settings.windowMs;
  const firstStart = windowStart(fromMs, W);
  const lastStart = Math.min(windowStart(toMs - 1, W), windowStart(nowMs + settings.futureGraceMs, W));
  const tiers: TierRange[] = [];
  // The oldest window still in Redis: the first start s with s + W + retention + keep > now.
  const oldestHot = windowStart(nowMs - W - settings.hotRetentionMs - LATE_SEAL_KEEP_MS, W) + W;
  const hotFrom = Math.max(firstStart, oldestHot);
  if (hotFrom <= lastStart) tiers.push({ tier: 'hot', fromStart: hotFrom, toStart: lastStart });
  if (firstStart <= lastStart) tiers.push({ tier: 'warm', fromStart: firstStart, toStart: lastStart });
  return { fromMs, toMs, windowMs: W, tiers };
}

/** Window starts of a tier range, ascending. */
export function windowStarts(range: TierRange, windowMs: number): number[] {
  const starts: number[] = [];
  for (let s = range.fromStart; s <= range.toStart; s += windowMs) starts.push(s);
  return starts;
}

/**
 * The part of the requested range that only `tier` and colder tiers cover: where its
 * failure leaves a gap rather than just less redundancy. Hotter tiers cover newer
 * suffixes of the range, so this is a prefix; empty (from === to) when hotter tiers
 * cover everything.
 */
export function exclusiveRange(plan: ReadPlan, tier: TierName): { fromMs: number; toMs: number } {
  const index = plan.tiers.findIndex((t) => t.tier === tier);
  let end = plan.toMs;
  for (const hotter of plan.tiers.slice(0, Math.max(index, 0))) end = Math.min(end, Math.max(plan.fromMs, hotter.fromStart));
  return { fromMs: plan.fromMs, toMs: end };
}
