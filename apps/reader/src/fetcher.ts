import { EMPTY_COLUMNS, HotChunkCorruptError, type SortedColumns } from '@strata/storage';
import type { ChunkDecoder } from './chunk-decoder';
import { isDecodeFailure } from './decode-batch';
import { HotTierFailedError, iso, ReadCancelledError, TierTimeoutError } from './errors';
import { mergeTiers, mergeTierWindows, type DecodedWindow } from './merge';
import { exclusiveRange, type ReadPlan, type TierName, type TierRange } from './planner';
import type { ReaderMetrics } from './reader-metrics';
import type { SeriesRef } from './read-request';
import type { TierSource, TierWindow } from './tier-sources';

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
  /** Merged over every tier, within [from, to) of the plan. */
  readonly columns: SortedColumns;
  readonly failures: readonly TierFailure[];
}

export interface FetcherDeps {
  /** One per tier the planner may name. */
  readonly sources: readonly TierSource[];
  readonly decoder: ChunkDecoder;
  readonly tierTimeoutMs: number;
  readonly metrics: ReaderMetrics;
}

/** The tier whose failure fails the read (storage/fanout.go's "primary"). */
const PRIMARY: TierName = 'hot';

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Fetches series from every tier of a plan and merges them. Each series is one task
 * that reads its tiers concurrently (hot and warm at once); a read runs up to
 * `concurrency` such tasks at a time and hands results back in request order.
 */
export class Fetcher {
  private readonly sources: ReadonlyMap<TierName, TierSource>;

  constructor(private readonly deps: FetcherDeps) {
    this.sources = new Map(deps.sources.map((s) => [s.tier, s]));
  }

  /**
   * Results in the order of `refs`. At most `concurrency` series are in flight (started
   * but not yet taken by the consumer): the window doubles as the semaphore that bounds
   * load on Redis and DynamoDB and the memory one read holds. Stops starting work once
   * `signal` aborts; the first series that fails fails the whole sequence.
   */
  async *fetchAll(
    tenant: string,
    refs: readonly SeriesRef[],
    plan: ReadPlan,
    options: { concurrency: number; signal?: AbortSignal },
  ): AsyncGenerator<SeriesResult> {
    const inFlight: Array<Promise<Settled<SeriesResult>>> = [];
    let next = 0;
    const launch = () => {
      while (next < refs.length && inFlight.length < options.concurrency && !options.signal?.aborted) {
        inFlight.push(
          this.fetchSeries(tenant, refs[next++], plan).then(
            (value) => ({ ok: true as const, value }),
            (error: unknown) => ({ ok: false as const, error }),
          ),
        );
      }
    };
    launch();
    while (inFlight.length > 0) {
      const settled = await inFlight.shift()!;
      if (options.signal?.aborted) throw new ReadCancelledError();
      if (!settled.ok) throw settled.error;
      launch();
      yield settled.value;
    }
  }

  /** One series from every tier of the plan, merged (hottest wins) and clipped to the range. */
  async fetchSeries(tenant: string, ref: SeriesRef, plan: ReadPlan): Promise<SeriesResult> {
    const fetched = await Promise.allSettled(plan.tiers.map((range) => this.fetchTier(tenant, ref.key, range, plan.windowMs)));
    const failures: TierFailure[] = [];
    const tiers = fetched.map((outcome, i): TierWindow[] => {
      if (outcome.status === 'fulfilled') return outcome.value;
      const { tier } = plan.tiers[i];
      if (tier === PRIMARY) throw new HotTierFailedError(ref.key, plan.fromMs, plan.toMs, outcome.reason);
      const kind = outcome.reason instanceof TierTimeoutError ? 'timeout' : 'error';
      failures.push({ tier, kind, reason: describe(outcome.reason), ...exclusiveRange(plan, tier) });
      return [];
    });
    const decoded = await this.decode(tenant, ref, plan, tiers, failures);
    const columns = decoded.map((windows, i) => {
      const merged = mergeTierWindows(windows);
      this.deps.metrics.pointsRead.inc({ tier: plan.tiers[i].tier }, merged.timestamps.length);
      return merged;
    });
    return { ref, columns: mergeTiers(columns, plan.fromMs, plan.toMs), failures };
  }

  private async fetchTier(tenant: string, seriesKey: string, range: TierRange, windowMs: number): Promise<TierWindow[]> {
    const source = this.sources.get(range.tier);
    if (!source) throw new Error(`no source configured for the ${range.tier} tier`);
    const stop = this.deps.metrics.tierSeconds.startTimer({ tier: range.tier });
    try {
      const windows = await withTimeout(source.fetch(tenant, seriesKey, range, windowMs), this.deps.tierTimeoutMs, () => new TierTimeoutError(range.tier, this.deps.tierTimeoutMs));
      stop({ result: 'ok' });
      return windows;
    } catch (error) {
      stop({ result: 'error' });
      this.deps.metrics.tierFailures.inc({ tier: range.tier, kind: error instanceof TierTimeoutError ? 'timeout' : 'error' });
      throw error;
    }
  }

  /** Decodes every packed layer of every tier in one call, so a large read can use every worker. */
  private async decode(
    tenant: string,
    ref: SeriesRef,
    plan: ReadPlan,
    tiers: readonly TierWindow[][],
    failures: TierFailure[],
  ): Promise<DecodedWindow[][]> {
    const chunks: Uint8Array[] = [];
    for (const windows of tiers) for (const w of windows) for (const layer of w.layers) if (layer instanceof Uint8Array) chunks.push(layer);
    const outcomes = await this.deps.decoder.decodeAll(chunks);
    let next = 0;
    return tiers.map((windows, t) =>
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
          failures.push({
            tier,
            kind: 'corrupt',
            reason: `the chunk of the window at ${iso(w.start)} is corrupt (${outcome.error})`,
            fromMs: Math.max(plan.fromMs, w.start),
            toMs: Math.min(plan.toMs, w.start + plan.windowMs),
          });
          return EMPTY_COLUMNS;
        }),
      })),
    );
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
