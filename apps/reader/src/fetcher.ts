import { concatRollupStats, filterRollupStats, bucketStart, type RollupStats } from '@strata/model';
import { EMPTY_COLUMNS, mergeNewestFirst, type SortedColumns } from '@strata/storage';
import { assembleRollupStats, splitRollupPart } from '@strata/storage/cold';
import type { ChunkDecoder } from './chunk-decoder';
import { bucketsOnDays, dirtyBuckets, outsideServed, withoutDirty } from './cold-plan';
import { isDecodeFailure, type DecodeOutcome } from './decode-batch';
import { abortReason, QueryLimitError } from './errors';
import { TierFanout, type Leg, type TierFailure } from './fanout';
import { mergeTiers, mergeTierWindows, type DecodedWindow } from './merge';
import type { ReadPlan, TierRange } from './planner';
import type { PointBudget } from './read-cost';
import type { ReaderMetrics } from './reader-metrics';
import type { SeriesRef } from './read-request';
import type { StoredRollupPart, StoredRollups, TierRequest, TierSource, TierWindow } from './tier-sources';

export interface SeriesResult {
  readonly ref: SeriesRef;
  /**
   * Merged over every tier, within [from, to) of the plan; for a rollup read, without the
   * points of the buckets that `rollups` answers.
   */
  readonly columns: SortedColumns;
  /**
   * Rollup reads only: stored rows at the plan's resolution, exactly those of the buckets
   * a tier (the cold one) answers from stored rollups (see cold-plan.ts); fold them to the step.
   */
  readonly rollups?: RollupStats;
  readonly failures: readonly TierFailure[];
}

export interface FetcherDeps {
  /**
   * One per tier the planner may name, the primary (hot) first: its failure fails the read,
   * any other's becomes a warning (fanout.ts).
   */
  readonly sources: readonly TierSource[];
  readonly decoder: ChunkDecoder;
  readonly tierTimeoutMs: number;
  readonly metrics: ReaderMetrics;
}

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
  private readonly fanout: TierFanout;

  constructor(private readonly deps: FetcherDeps) {
    this.fanout = new TierFanout(deps.sources, { tierTimeoutMs: deps.tierTimeoutMs, metrics: deps.metrics });
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
    const legs = this.fanout.legs(plan);
    const rollup = plan.rollup && { window: { fromMs: plan.fromMs, toMs: plan.toMs, stepMs: plan.rollup.stepMs }, resolutionMs: plan.rollup.resolutionMs };
    const request = (range: TierRange): TierRequest => ({ range, windowMs: plan.windowMs, ...(rollup && { rollup }), ...(signal && { signal }) });
    const { answers, failures } = await this.fanout.fetch(tenant, ref, plan, legs, request, signal);
    // At most one tier answers with stored rows: the planner asks for rollups where the cold tier is.
    const rowsLeg = answers.findIndex((a) => a.rollups !== undefined);
    const stored = rowsLeg < 0 ? undefined : { leg: rowsLeg, parts: answers[rowsLeg].rollups!.parts };
    const { windows: decoded, rollups } = await this.decode(tenant, ref, plan, legs, withoutCopies(legs, answers.map((a) => a.windows)), stored, failures, context);
    const columns = decoded.map((windows) => mergeTierWindows(windows));
    if (rowsLeg < 0) {
      columns.forEach((c, i) => this.deps.metrics.pointsRead.inc({ tier: legs[i].range.tier }, c.timestamps.length));
      return { ref, columns: mergeTiers(columns, plan.fromMs, plan.toMs), failures };
    }
    return this.withStoredRollups(tenant, ref, plan, legs, columns, rowsLeg, answers[rowsLeg].rollups!, rollups, failures, context);
  }

  /**
   * Completes a rollup read that one tier (the cold one) answered in part from stored
   * rollups: buckets in which another tier holds points (late points not archived yet), or
   * on a day stored without rows of the resolution, fall back to raw, so their days' raw
   * points are read from that tier in a second round (unless it sent them already); the
   * rest keep their rows.
   */
  private async withStoredRollups(
    tenant: string,
    ref: SeriesRef,
    plan: ReadPlan,
    legs: readonly Leg[],
    columns: SortedColumns[],
    rowsLeg: number,
    stored: StoredRollups,
    rollups: RollupStats,
    failures: TierFailure[],
    context: FetchContext,
  ): Promise<SeriesResult> {
    const stepMs = plan.rollup!.stepMs;
    const window = { fromMs: plan.fromMs, toMs: plan.toMs, stepMs };
    const hotter = columns.filter((_, i) => i !== rowsLeg).map((c) => clip(c, plan));
    // Buckets that hotter tiers touched, or that lie on a day stored without rows of this
    // resolution, are rolled up from raw points.
    const dirty = dirtyBuckets(stored.plan.served, stepMs, hotter);
    for (const b of bucketsOnDays(stored.plan.served, stepMs, stored.unrolledDays)) dirty.add(b);
    const final = withoutDirty(window, stored.archivedDays, stored.plan, dirty);
    const fetchedRaw = new Set([...stored.plan.rawDays, ...stored.unrolledDays]);
    const missing = final.rawDays.filter((d) => !fetchedRaw.has(d));
    if (missing.length > 0) {
      const leg = legs[rowsLeg];
      try {
        const second = await this.fanout.ask(tenant, ref.key, leg, { range: leg.range, windowMs: plan.windowMs, rawDays: missing, ...(context.signal && { signal: context.signal }) });
        const { windows } = await this.decode(tenant, ref, plan, legs, legs.map((_, i) => (i === rowsLeg ? second.windows : [])), undefined, failures, context);
        columns[rowsLeg] = mergeNewestFirst([columns[rowsLeg], mergeTierWindows(windows[rowsLeg])]);
      } catch (error) {
        // Past the budget or cancelled: the read stops, this is no failure of the tier.
        if (context.signal?.aborted || error instanceof QueryLimitError) throw error;
        failures.push(this.fanout.failed(ref, plan, leg, error));
      }
    }
    // Rows whose part failed to decode are gone; their buckets have no answer (a warning says so).
    const served = new Set(final.served);
    const rows = filterRollupStats(rollups, (t) => served.has(bucketStart(t, stepMs)));
    columns.forEach((c, i) => this.deps.metrics.pointsRead.inc({ tier: legs[i].range.tier }, c.timestamps.length + (i === rowsLeg ? rows.timestamps.length : 0)));
    const merged = outsideServed(mergeTiers(columns, plan.fromMs, plan.toMs), final.served, stepMs);
    return { ref, columns: merged, rollups: rows, failures };
  }

  /**
   * Decodes every packed layer of every leg, and the chunks of stored rollup parts (of leg
   * `stored.leg`), in one call, so a large read can use every worker.
   */
  private async decode(
    tenant: string,
    ref: SeriesRef,
    plan: ReadPlan,
    legs: readonly Leg[],
    tiers: ReadonlyArray<readonly TierWindow[]>,
    stored: { readonly leg: number; readonly parts: readonly StoredRollupPart[] } | undefined,
    failures: TierFailure[],
    context: FetchContext,
  ): Promise<{ windows: DecodedWindow[][]; rollups: RollupStats }> {
    const chunks: Uint8Array[] = [];
    for (const windows of tiers) for (const w of windows) for (const layer of w.layers) if (layer instanceof Uint8Array) chunks.push(layer);
    const split = (stored?.parts ?? []).map((part) => {
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
          failures.push(this.fanout.corruptChunk(tenant, ref, plan, legs[t], w.start, outcome.error));
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
        rows.push(s.rows ?? assembleRollupStats(s.layout, decoded as SortedColumns[], s.heads));
      } catch (error) {
        failures.push(this.fanout.corruptRollups(ref, plan, legs[stored!.leg], part.fromMs, part.toMs, error));
      }
    }
    return { windows, rollups: concatRollupStats(rows) };
  }
}

/**
 * Leaves out each warm window whose chunk is, byte for byte, the packed chunk the hot tier
 * answered for the same window. A seal writes the same bytes to both, so for every sealed
 * window still in Redis the copy would be decoded a second time only to lose every point to
 * the hotter layer; where Redis lost its copy, or the chunks differ in any byte, both stay.
 */
export function withoutCopies(legs: readonly Leg[], tiers: ReadonlyArray<readonly TierWindow[]>): ReadonlyArray<readonly TierWindow[]> {
  const hot = legs.findIndex((l) => l.range.tier === 'hot');
  const warm = legs.findIndex((l) => l.range.tier === 'warm');
  if (hot < 0 || warm < 0 || tiers[hot].length === 0 || tiers[warm].length === 0) return tiers;
  const packed = new Map<number, Uint8Array>();
  for (const w of tiers[hot]) {
    const last = w.layers[w.layers.length - 1];
    if (last instanceof Uint8Array) packed.set(w.start, last);
  }
  const kept = tiers[warm].filter((w) => {
    const copy = packed.get(w.start);
    return !(copy && w.layers.length === 1 && w.layers[0] instanceof Uint8Array && sameBytes(copy, w.layers[0]));
  });
  return kept.length === tiers[warm].length ? tiers : tiers.map((t, i) => (i === warm ? kept : t));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

function clip(columns: SortedColumns, plan: ReadPlan): SortedColumns {
  return mergeTiers([columns], plan.fromMs, plan.toMs);
}
