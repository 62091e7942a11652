import { DAY_MS } from '@strata/storage';
import { dayNumber, ROLLUP_RESOLUTIONS_MS } from '@strata/storage/cold';
import { windowStart } from '@strata/storage/hot';

/** The tiers, hottest first. A hotter tier's value wins a tie on a timestamp. */
export type TierName = 'hot' | 'warm' | 'cold';

export const TIER_LABEL: Readonly<Record<TierName, string>> = {
  hot: 'hot tier (Redis)',
  warm: 'warm tier (DynamoDB)',
  cold: 'cold tier (S3)',
};

/**
 * One tier's part of a read: the windows whose starts lie in [fromStart, toStart]. For
 * the cold tier the "windows" are UTC days (fromStart and toStart are day starts).
 */
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
  /**
   * Set for a rollup read that the cold tier can answer from stored rollups: buckets of
   * `stepMs` made of whole rows of `resolutionMs`, the largest stored resolution (5 m, 1 h,
   * 1 d) that divides the step.
   */
  readonly rollup?: { readonly stepMs: number; readonly resolutionMs: number };
}

export interface PlannerSettings {
  readonly windowMs: number;
  /** How long the writer keeps sealed windows in Redis after their end (STRATA_HOT_RETENTION_MS). */
  readonly hotRetentionMs: number;
  /** How far ahead of the clock ingest accepts points (STRATA_FUTURE_GRACE_MS). */
  readonly futureGraceMs: number;
  /** Whether a cold tier (S3) is configured. @default false */
  readonly cold?: boolean;
  /**
   * How long after its end the writer seals a window (STRATA_SEAL_GRACE_MS). With it, the
   * warm tier is not asked for windows the writer cannot have sealed yet. @default every
   * window is asked
   */
  readonly sealGraceMs?: number;
}

/**
 * How far the writer's clock may run ahead of the reader's: a window due (end plus seal
 * grace) up to this long after now may already be sealed, and is still read from the warm
 * tier.
 */
export const SEAL_CLOCK_SKEW_MS = 60_000;

/**
 * The reader asks the cold tier for every day that ended at least this many days ago. The
 * archiver archives a day only once it ended at least two days ago (MIN_ARCHIVE_AGE_DAYS),
 * so no archived day is ever missed; the extra day absorbs clock skew.
 */
export const COLD_MIN_AGE_DAYS = 1;

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
 * - warm (DynamoDB): every window of the range that may be sealed: it holds every sealed
 *   window, and reading it alongside the hot tier covers a Redis that lost data (a restart
 *   without persistence). A Query costs what it returns, so the overlap is nearly free.
 *   A window enters DynamoDB only when the writer seals it, once its end plus the seal
 *   grace has passed (by the writer's clock, {@link SEAL_CLOCK_SKEW_MS} allowed for); the
 *   windows after that (the open ones, which every fresh read touches) have no item to
 *   find, and asking for them cost a Query round trip that a read of recent points waited
 *   for. A window whose Redis keys were lost before it was sealed is rebuilt from the log.
 * - cold (S3, when configured): every whole UTC day of the range that ended at least
 *   {@link COLD_MIN_AGE_DAYS} ago; the manifests say which of them are archived. Warm
 *   still covers those days too: chunks written after a day was archived (late points)
 *   stay in DynamoDB until the next archive run, and they win over S3.
 *
 * No tier is asked for windows after now + future grace: no point can be there yet.
 * Pure; the caller checked fromMs < toMs.
 */
export function planRead(fromMs: number, toMs: number, settings: PlannerSettings, nowMs: number, stepMs = 0): ReadPlan {
  const W = settings.windowMs;
  const firstStart = windowStart(fromMs, W);
  const lastStart = Math.min(windowStart(toMs - 1, W), windowStart(nowMs + settings.futureGraceMs, W));
  const tiers: TierRange[] = [];
  // The oldest window still in Redis: the first start s with s + W + retention + keep > now.
  const oldestHot = windowStart(nowMs - W - settings.hotRetentionMs - LATE_SEAL_KEEP_MS, W) + W;
  const hotFrom = Math.max(firstStart, oldestHot);
  if (hotFrom <= lastStart) tiers.push({ tier: 'hot', fromStart: hotFrom, toStart: lastStart });
  const lastSealable = settings.sealGraceMs === undefined ? lastStart : Math.min(lastStart, windowStart(nowMs + SEAL_CLOCK_SKEW_MS - W - settings.sealGraceMs, W));
  if (firstStart <= lastSealable) tiers.push({ tier: 'warm', fromStart: firstStart, toStart: lastSealable });
  if (settings.cold) {
    const firstDay = dayNumber(fromMs);
    const lastDay = Math.min(dayNumber(toMs - 1), dayNumber(nowMs) - COLD_MIN_AGE_DAYS - 1);
    if (firstDay <= lastDay) {
      tiers.push({ tier: 'cold', fromStart: firstDay * DAY_MS, toStart: lastDay * DAY_MS });
      const resolutionMs = stepMs > 0 ? [...ROLLUP_RESOLUTIONS_MS].reverse().find((r) => stepMs % r === 0) : undefined;
      if (resolutionMs !== undefined) return { fromMs, toMs, windowMs: W, tiers, rollup: { stepMs, resolutionMs } };
    }
  }
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
  if (tier === 'cold') {
    // Warm spans every window too, but archived days have left it: what S3 alone holds is
    // its whole range of days.
    const cold = plan.tiers.find((t) => t.tier === 'cold');
    if (!cold) return { fromMs: plan.fromMs, toMs: plan.fromMs };
    return { fromMs: Math.max(plan.fromMs, cold.fromStart), toMs: Math.min(plan.toMs, cold.toStart + DAY_MS) };
  }
  const index = plan.tiers.findIndex((t) => t.tier === tier);
  let end = plan.toMs;
  for (const hotter of plan.tiers.slice(0, Math.max(index, 0))) end = Math.min(end, Math.max(plan.fromMs, hotter.fromStart));
  return { fromMs: plan.fromMs, toMs: end };
}
