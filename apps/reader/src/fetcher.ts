import { concatRollupStats, filterRollupStats, bucketStart, type RollupStats } from '@strata/model';
import { DAY_MS, EMPTY_COLUMNS, mergeNewestFirst, type SortedColumns } from '@strata/storage';
import { assembleRollupStats, splitRollupPart } from '@strata/storage/cold';
import { HotChunkCorruptError } from '@strata/storage/hot';
import type { ChunkDecoder } from './chunk-decoder';
import { dirtyBuckets, outsideServed, withoutDirty, type ColdBucketPlan } from './cold-plan';
import type { ColdRequest, ColdResult, ColdRollupPart, ColdTierSource } from './cold-source';
import { isDecodeFailure, type DecodeOutcome } from './decode-batch';
import { abortReason, HotTierFailedError, iso, QueryLimitError, TierTimeoutError } from './errors';
import { mergeTiers, mergeTierWindows, type DecodedWindow } from './merge';
import { exclusiveRange, type ReadPlan, type TierName, type TierRange } from './planner';
import type { PointBudget } from './read-cost';
import type { ReaderMetrics } from './reader-metrics';
import type { SeriesRef } from './read-request';
import type { TierSource, TierWindow } from './tier-sources';
import { withTimeout } from './with-timeout';

/** A colder tier's failure for one series: the answer lacks what only that tier held. */
export interface TierFailure {
  readonly tier: TierName;
  readonly kind: 'error' | 'timeout' | 'corrupt';
  readonly reason: string;
  /** The part of the requested range that may now lack points. */
  readonly fromMs: number;
  readonly toMs: number;
}

export interface SeriesResult {
  readonly ref: SeriesRef;
  /**
   * Merged over every tier, within [from, to) of the plan; for a rollup read, without the
   * points of the buckets that `rollups` answers.
   */
  readonly columns: SortedColumns;
  /**
   * Rollup reads only: stored rows at the plan's resolution, exactly those of the buckets
   * the cold tier answers from rollups (see cold-plan.ts); fold them to the step.
   */
  readonly rollups?: RollupStats;
  readonly failures: readonly TierFailure[];
}

export interface FetcherDeps {
  /** One per tier the planner may name (the cold one, if any, is `cold`). */
  readonly sources: readonly TierSource[];
  /** The cold tier (S3), when configured: it also answers rollup reads from stored rollups. */
  readonly cold?: Pick<ColdTierSource, 'tier' | 'fetch' | 'fetchCold'>;
  readonly decoder: ChunkDecoder;
  readonly tierTimeoutMs: number;
  readonly metrics: ReaderMetrics;
}

/** The tier whose failure fails the read (storage/fanout.go's "primary"). */
const PRIMARY: TierName = 'hot';

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** What one Read's fetches share: its cancellation and its budget of points to decode. */
export interface FetchContext {
  /** Aborts the read's work: no new storage request or decode task starts, waits end. */
  readonly signal?: AbortSignal;
  /** Charged with each series' points before they are decoded; throws past its limit. */
  readonly budget?: PointBudget;
}

/**
 * Fetches series from every tier of a plan and merges them. Each series is one task
 * that reads its tiers concurrently (hot and warm at once); a read runs up to
 * `concurrency` such tasks at a time and hands results back in request order.
 */
export class Fetcher {
  private readonly sources: ReadonlyMap<TierName, TierSource>;

  constructor(private readonly deps: FetcherDeps) {
    this.sources = new Map([...deps.sources, ...(deps.cold ? [deps.cold] : [])].map((s) => [s.tier, s]));
  }

  /**
   * Results in the order of `refs`. At most `concurrency` series are in flight (started
   * but not yet taken by the consumer): the window doubles as the semaphore that bounds
   * load on Redis and DynamoDB and the memory one read holds. Once `signal` aborts, no
   * series starts and those in flight stop at their next storage call or decode (the
   * sequence throws the signal's reason); the first series that fails fails the whole
   * sequence.
   */
  async *fetchAll(
    tenant: string,
    refs: readonly SeriesRef[],
    plan: ReadPlan,
    options: FetchContext & { concurrency: number },
  ): AsyncGenerator<SeriesResult> {
    const context: FetchContext = { ...(options.signal && { signal: options.signal }), ...(options.budget && { budget: options.budget }) };
    const inFlight: Array<Promise<Settled<SeriesResult>>> = [];
    let next = 0;
    const launch = () => {
      while (next < refs.length && inFlight.length < options.concurrency && !options.signal?.aborted) {
        inFlight.push(
          this.fetchSeries(tenant, refs[next++], plan, context).then(
            (value) => ({ ok: true as const, value }),
            (error: unknown) => ({ ok: false as const, error }),
          ),
        );
      }
    };
    launch();
    while (inFlight.length > 0) {
      const settled = await inFlight.shift()!;
      if (options.signal?.aborted) throw abortReason(options.signal);
      if (!settled.ok) throw settled.error;
      launch();
      yield settled.value;
    }
  }

  /** One series from every tier of the plan, merged (hottest wins) and clipped to the range. */
  async fetchSeries(tenant: string, ref: SeriesRef, plan: ReadPlan, context: FetchContext = {}): Promise<SeriesResult> {
    const { signal } = context;
    const coldRollups = plan.rollup !== undefined && this.deps.cold !== undefined;
    const fetched = await Promise.allSettled(
      plan.tiers.map(async (range): Promise<{ windows: TierWindow[]; cold?: ColdResult }> => {
        if (range.tier === 'cold' && coldRollups) {
          const cold = await this.fetchCold(tenant, ref.key, {
            range,
            rollup: { window: { fromMs: plan.fromMs, toMs: plan.toMs, stepMs: plan.rollup!.stepMs }, resolutionMs: plan.rollup!.resolutionMs },
            ...(signal && { signal }),
          });
          return { windows: cold.raw, cold };
        }
        return { windows: await this.fetchTier(tenant, ref.key, range, plan.windowMs, signal) };
      }),
    );
    // A cancelled read is not a tier failure: answer with why it stopped, not a warning.
    if (signal?.aborted) throw abortReason(signal);
    const failures: TierFailure[] = [];
    let cold: ColdResult | undefined;
    const tiers = fetched.map((outcome, i): TierWindow[] => {
      if (outcome.status === 'fulfilled') {
        cold ??= outcome.value.cold;
        return outcome.value.windows;
      }
      const { tier } = plan.tiers[i];
      if (tier === PRIMARY) throw new HotTierFailedError(ref.key, plan.fromMs, plan.toMs, outcome.reason);
      failures.push(this.failure(plan, tier, outcome.reason));
      return [];
    });
    const { windows: decoded, rollups } = await this.decode(tenant, ref, plan, tiers, cold?.rollups ?? [], failures, context);
    const columns = decoded.map((windows) => mergeTierWindows(windows));
    if (!cold?.plan) {
      columns.forEach((c, i) => this.deps.metrics.pointsRead.inc({ tier: plan.tiers[i].tier }, c.timestamps.length));
      return { ref, columns: mergeTiers(columns, plan.fromMs, plan.toMs), failures };
    }
    return this.withColdRollups(tenant, ref, plan, columns, cold, cold.plan, rollups, failures, context);
  }

  /**
   * Completes a rollup read the cold tier answered in part from stored rollups: buckets in
   * which a hotter tier holds points (late points not archived yet) fall back to raw, so
   * their days' raw points are read from S3 in a second round; the rest keep their rows.
   */
  private async withColdRollups(
    tenant: string,
    ref: SeriesRef,
    plan: ReadPlan,
    columns: SortedColumns[],
    cold: ColdResult,
    bucketPlan: ColdBucketPlan,
    rollups: RollupStats,
    failures: TierFailure[],
    context: FetchContext,
  ): Promise<SeriesResult> {
    const stepMs = plan.rollup!.stepMs;
    const window = { fromMs: plan.fromMs, toMs: plan.toMs, stepMs };
    const coldIndex = plan.tiers.findIndex((t) => t.tier === 'cold');
    const hotter = columns.filter((_, i) => i !== coldIndex).map((c) => clip(c, plan));
    const final = withoutDirty(window, cold.archivedDays, bucketPlan, dirtyBuckets(bucketPlan.served, stepMs, hotter));
    const fetchedRaw = new Set(bucketPlan.rawDays);
    const missing = final.rawDays.filter((d) => !fetchedRaw.has(d));
    if (missing.length > 0) {
      try {
        const second = await this.fetchCold(tenant, ref.key, { range: plan.tiers[coldIndex], rawDays: missing, ...(context.signal && { signal: context.signal }) });
        const { windows } = await this.decode(tenant, ref, plan, plan.tiers.map((t) => (t.tier === 'cold' ? second.raw : [])), [], failures, context);
        columns[coldIndex] = mergeNewestFirst([columns[coldIndex], mergeTierWindows(windows[coldIndex])]);
      } catch (error) {
        // Past the budget or cancelled: the read stops, this is no cold-tier failure.
        if (context.signal?.aborted || error instanceof QueryLimitError) throw error;
        failures.push(this.failure(plan, 'cold', error));
      }
    }
    // Rows whose part failed to decode are gone; their buckets have no answer (a warning says so).
    const served = new Set(final.served);
    const rows = filterRollupStats(rollups, (t) => served.has(bucketStart(t, stepMs)));
    columns.forEach((c, i) => this.deps.metrics.pointsRead.inc({ tier: plan.tiers[i].tier }, c.timestamps.length + (i === coldIndex ? rows.timestamps.length : 0)));
    const merged = outsideServed(mergeTiers(columns, plan.fromMs, plan.toMs), final.served, stepMs);
    return { ref, columns: merged, rollups: rows, failures };
  }

  private failure(plan: ReadPlan, tier: TierName, error: unknown): TierFailure {
    const kind = error instanceof TierTimeoutError ? 'timeout' : 'error';
    return { tier, kind, reason: describe(error), ...exclusiveRange(plan, tier) };
  }

  private async fetchCold(tenant: string, seriesKey: string, request: ColdRequest): Promise<ColdResult> {
    const cold = this.deps.cold!;
    const stop = this.deps.metrics.tierSeconds.startTimer({ tier: 'cold' });
    try {
      const result = await withTimeout(
        cold.fetchCold(tenant, seriesKey, request),
        this.deps.tierTimeoutMs,
        () => new TierTimeoutError('cold', this.deps.tierTimeoutMs),
        request.signal,
      );
      stop({ result: 'ok' });
      return result;
    } catch (error) {
      stop({ result: 'error' });
      if (request.signal?.aborted) throw error;
      this.deps.metrics.tierFailures.inc({ tier: 'cold', kind: error instanceof TierTimeoutError ? 'timeout' : 'error' });
      throw error;
    }
  }

  private async fetchTier(tenant: string, seriesKey: string, range: TierRange, windowMs: number, signal?: AbortSignal): Promise<TierWindow[]> {
    const source = this.sources.get(range.tier);
    if (!source) throw new Error(`no source configured for the ${range.tier} tier`);
    const stop = this.deps.metrics.tierSeconds.startTimer({ tier: range.tier });
    try {
      const windows = await withTimeout(
        source.fetch(tenant, seriesKey, range, windowMs, signal),
        this.deps.tierTimeoutMs,
        () => new TierTimeoutError(range.tier, this.deps.tierTimeoutMs),
        signal,
      );
      stop({ result: 'ok' });
      return windows;
    } catch (error) {
      stop({ result: 'error' });
      if (signal?.aborted) throw error;
      this.deps.metrics.tierFailures.inc({ tier: range.tier, kind: error instanceof TierTimeoutError ? 'timeout' : 'error' });
      throw error;
    }
  }

  /**
   * Decodes every packed layer of every tier, and the chunks of the cold tier's rollup
   * parts, in one call, so a large read can use every worker.
   */
  private async decode(
    tenant: string,
    ref: SeriesRef,
    plan: ReadPlan,
    tiers: readonly TierWindow[][],
    rollupParts: readonly ColdRollupPart[],
    failures: TierFailure[],
    context: FetchContext,
  ): Promise<{ windows: DecodedWindow[][]; rollups: RollupStats }> {
    const chunks: Uint8Array[] = [];
    for (const windows of tiers) for (const w of windows) for (const layer of w.layers) if (layer instanceof Uint8Array) chunks.push(layer);
    const split = rollupParts.map((part) => {
      try {
        return { part, ...splitRollupPart(part.bytes) };
      } catch (error) {
        return { part, error };
      }
    });
    for (const s of split) if (!('error' in s)) chunks.push(...s.chunks);
    // Counted before any decoding, from the chunks' headers: past the budget, nothing of it runs.
    context.budget?.charge(ref.key, (function* () {
      for (const windows of tiers) for (const w of windows) yield* w.layers;
      for (const s of split) if (!('error' in s)) yield* s.chunks;
    })());
    const outcomes = await this.deps.decoder.decodeAll(chunks, context.signal, tenant);
    let next = 0;
    const windows = tiers.map((windows, t) =>
      windows.map((w) => ({
        start: w.start,
        layers: w.layers.map((layer) => {
          if (!(layer instanceof Uint8Array)) return layer;
          const outcome = outcomes[next++];
          if (!isDecodeFailure(outcome)) return outcome;
          const tier = plan.tiers[t].tier;
          this.deps.metrics.tierFailures.inc({ tier, kind: 'corrupt' });
          if (tier === PRIMARY) {
            throw new HotTierFailedError(ref.key, plan.fromMs, plan.toMs, new HotChunkCorruptError(tenant, ref.key, w.start, outcome.error));
          }
          const length = tier === 'cold' ? DAY_MS : plan.windowMs;
          failures.push({
            tier,
            kind: 'corrupt',
            reason: `the chunk of the ${tier === 'cold' ? 'day' : 'window'} at ${iso(w.start)} is corrupt (${outcome.error})`,
            fromMs: Math.max(plan.fromMs, w.start),
            toMs: Math.min(plan.toMs, w.start + length),
          });
          return EMPTY_COLUMNS;
        }),
      })),
    );
    const rows: RollupStats[] = [];
    for (const s of split) {
      const { part } = s;
      try {
        if ('error' in s) throw s.error;
        const decoded: DecodeOutcome[] = outcomes.slice(next, next + s.chunks.length);
        next += s.chunks.length;
        const failed = decoded.find(isDecodeFailure);
        if (failed) throw new Error(failed.error);
        rows.push(s.rows ?? assembleRollupStats(s.layout, decoded as SortedColumns[]));
      } catch (error) {
        this.deps.metrics.tierFailures.inc({ tier: 'cold', kind: 'corrupt' });
        failures.push({
          tier: 'cold',
          kind: 'corrupt',
          reason: `the rollup rows stored for [${iso(part.fromMs)}, ${iso(part.toMs)}) are corrupt (${describe(error)})`,
          fromMs: Math.max(plan.fromMs, part.fromMs),
          toMs: Math.min(plan.toMs, part.toMs),
        });
      }
    }
    return { windows, rollups: concatRollupStats(rows) };
  }
}

function clip(columns: SortedColumns, plan: ReadPlan): SortedColumns {
  return mergeTiers([columns], plan.fromMs, plan.toMs);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
