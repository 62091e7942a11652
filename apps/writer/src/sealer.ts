import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { DAY_MS, EMPTY_COLUMNS } from '@strata/storage';
import { decodeChunk, encodeChunk } from '@strata/storage/codec';
import { mergeOverSealed, unsealedColumns, type LateWriteLedger, type RedisHotStore, type SealInput, type SealOffsets, type WindowRef } from '@strata/storage/hot';
import { warmBatches, warmItemCount, type DynamoWarmStore, type SealedChunk, type WarmChunk, type WarmWriteEvents } from '@strata/storage/warm';
import type { Tracer } from '@opentelemetry/api';
import { inSpan, isPermanent, isRetriable, mapConcurrently, StrataError, type Logger } from '@strata/runtime';
import { QUARANTINE_GAUGE_REFRESH_MS, quarantineRefused, writeIsolated, type Refused } from './quarantine';
import type { WriterMetrics } from './writer-metrics';

export interface SealerDeps {
  readonly hot: Pick<RedisHotStore, 'dueWindows' | 'dueCounts' | 'beginSeal' | 'finishSeal' | 'settleDue' | 'acquireLease' | 'releaseLease' | 'backlog' | 'options'>;
  readonly warm: Pick<DynamoWarmStore, 'putChunks' | 'getSealedChunk' | 'getSealedChunks' | 'quarantineWindow' | 'countQuarantined'>;
  /** Told of every day chunks were written into: the archiver may have archived it, readers may have cached its chunks. */
  readonly ledger: Pick<LateWriteLedger, 'recordWrites'>;
  /** Partitions whose windows this instance seals (its consumer assignment). */
  readonly partitions: () => readonly number[];
  /** Unique per process; names the lease holder. */
  readonly owner: string;
  readonly metrics: WriterMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  readonly intervalMs: number;
  readonly batchSize: number;
  /** @default 30000 */
  readonly leaseMs?: number;
  /** Each partition's seal (when windows are due) is a span when set. */
  readonly tracer?: Tracer;
}

/**
 * This instance's sealing lease on a partition expired and another writer took it.
 * Retriable: the windows stay due and their next round (here or at the new owner) seals them.
 */
export class LeaseLostError extends StrataError {
  constructor(readonly partition: number) {
    super(`sealing lease of partition ${partition} lost mid-round; its windows stay due for the new owner`, {
      retriable: true,
      context: { partition },
    });
  }
}

/** Windows of one partition moved through Redis at once; each costs a few round trips. */
const SEAL_CONCURRENCY = 32;
/** The longest a seal round prepares windows without letting other work run. */
const PREPARE_SLICE_MS = 2;
/** BatchWriteItem calls in flight per partition. */
const WARM_WRITE_CONCURRENCY = 4;

interface Prepared {
  readonly partition: number;
  readonly window: WindowRef;
  readonly chunk?: WarmChunk;
  readonly reseal: boolean;
  /** The chunk equals the warm item already (every unsealed point was older): Redis only. */
  readonly unchanged?: boolean;
  readonly seal?: SealOffsets;
  /** The window could not become a chunk (a permanent error): it stays due, the others go on. */
  readonly failed?: boolean;
}

/**
 * Seals due windows: moves their points out of the open hash, merges them with the
 * previous seal (from Redis, or from DynamoDB for windows already gone from Redis),
 * writes the chunk to DynamoDB, and only then lets Redis drop the raw points. A round
 * that fails leaves everything due; the next round repeats it.
 */
export class Sealer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private stopped = false;
  /** Partitions whose lease this instance took, so it can hand them back promptly. */
  private readonly held = new Set<number>();
  /** When each partition's lease was last taken or renewed (performance.now(), real time like the lease's TTL). */
  private readonly leaseSince = new Map<number, number>();
  /** When the quarantine gauge was last read from DynamoDB (performance.now()). */
  private quarantineCountedAt: number | undefined;

  constructor(private readonly deps: SealerDeps) {}

  private get leaseMs(): number {
    return this.deps.leaseMs ?? 30_000;
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.sealRound()
        .then(() => undefined)
        .catch((error: unknown) => {
          this.deps.logger.error({ err: error }, 'sealing round failed; due windows stay in Redis and are retried');
        })
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.deps.intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.deps.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.running;
    for (const partition of [...this.held]) await this.release(partition);
  }

  /** Hands back the leases of partitions this instance no longer owns (after a rebalance). */
  async releaseUnowned(): Promise<void> {
    const owned = new Set(this.deps.partitions());
    for (const partition of [...this.held]) if (!owned.has(partition)) await this.release(partition);
  }

  private async release(partition: number): Promise<void> {
    this.held.delete(partition);
    await this.deps.hot.releaseLease(partition, this.deps.owner).catch(() => undefined);
  }

  /**
   * Sets the backlog gauge from Redis. Called on a timer as well as after each round, so the
   * gauge keeps moving while a round is stuck waiting for DynamoDB.
   */
  async reportBacklog(): Promise<number> {
    let backlog = 0;
    for (const { waiting } of await this.deps.hot.dueCounts(this.deps.partitions(), this.deps.now())) backlog += waiting;
    this.deps.metrics.sealBacklog.set(backlog);
    return backlog;
  }

  /**
   * One pass over the owned partitions; returns the number of windows sealed. A partition
   * whose round fails (DynamoDB or Redis unreachable, a lost lease) leaves its windows due
   * and the pass goes on with the next partition; the first failure is rethrown at the end.
   */
  async sealRound(): Promise<number> {
    const { metrics } = this.deps;
    const began = this.deps.now();
    let sealed = 0;
    let backlog = 0;
    let failure: { error: unknown } | undefined;
    // One read says which partitions have windows due: a partition without any is not
    // leased or read again this round (an idle writer made three round trips per partition a second).
    const partitions = this.deps.partitions();
    const counts = await this.deps.hot.dueCounts(partitions, began).catch((error: unknown) => {
      metrics.errors.inc({ tier: 'redis' });
      throw error;
    });
    for (const [i, partition] of partitions.entries()) {
      if (this.abort.signal.aborted) break;
      if (counts[i].due === 0) {
        backlog += counts[i].waiting;
        continue;
      }
      try {
        sealed += await this.sealPartition(partition);
      } catch (error) {
        failure ??= { error };
        if (!(error instanceof LeaseLostError)) metrics.errors.inc({ tier: isRetriable(error) ? 'dynamodb' : 'seal' });
        this.deps.logger.warn({ err: error, partition }, 'sealing of a partition failed this round; its windows stay due, the other partitions go on');
      }
      backlog += await this.deps.hot.backlog(partition).catch(() => 0);
    }
    await this.refreshQuarantineGauge(false);
    metrics.sealBacklog.set(backlog);
    metrics.sealRounds.inc();
    metrics.sealSeconds.observe((this.deps.now() - began) / 1_000);
    if (failure) throw failure.error;
    return sealed;
  }

  private async sealPartition(partition: number): Promise<number> {
    const { hot } = this.deps;
    const asked = performance.now();
    if (!(await hot.acquireLease(partition, this.deps.owner, this.leaseMs))) return 0;
    this.leaseSince.set(partition, asked);
    this.held.add(partition);
    const due = await hot.dueWindows(partition, this.deps.now(), this.deps.batchSize);
    if (due.length === 0) return 0;
    const attributes = { 'strata.partition': partition, 'strata.windows': due.length };
    return inSpan(this.deps.tracer, 'seal windows', { attributes }, () => this.sealWindows(partition, due));
  }

  /**
   * Sets the gauge of windows in quarantine from the warm table's listing, at most once a
   * minute unless `force` (a window was just quarantined). A failed read keeps the last value.
   */
  private async refreshQuarantineGauge(force: boolean): Promise<void> {
    const at = performance.now();
    if (!force && this.quarantineCountedAt !== undefined && at - this.quarantineCountedAt < QUARANTINE_GAUGE_REFRESH_MS) return;
    this.quarantineCountedAt = at;
    try {
      this.deps.metrics.quarantineWindows.set(await this.deps.warm.countQuarantined());
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not count the quarantined windows; the gauge keeps its last value');
    }
  }

  private async sealWindows(partition: number, windows: readonly WindowRef[]): Promise<number> {
    const { hot, warm, metrics } = this.deps;
    const inputs = await mapConcurrently(windows, SEAL_CONCURRENCY, (window) => hot.beginSeal(window));
    const previous = await this.previousSeals(inputs);
    // Merging and encoding hundreds of windows takes tens of milliseconds: the event loop is
    // given back every PREPARE_SLICE_MS so that fresh points are projected meanwhile.
    const prepared: Prepared[] = [];
    let slice = performance.now();
    for (let i = 0; i < inputs.length; i++) {
      prepared.push(this.prepareIsolated(partition, inputs[i], previous[i]));
      if (performance.now() - slice >= PREPARE_SLICE_MS) {
        await yieldToEventLoop();
        slice = performance.now();
      }
    }
    const chunks = prepared.flatMap((p) => (p.chunk && !p.unchanged ? [p.chunk] : []));
    const events: WarmWriteEvents = {
      onRetry: ({ reason, items, delayMs, error }) => {
        metrics.dynamoRetries.inc({ reason });
        if (reason !== 'unprocessed') metrics.errors.inc({ tier: 'dynamodb' });
        this.deps.logger.warn({ reason, items, delayMs, err: error }, 'DynamoDB write retried; sealing slows down');
      },
      onConsumedCapacity: (units: number) => metrics.dynamoWriteUnits.inc(units),
    };
    // BatchWriteItem calls of 25 items, a few in flight: one call at a time leaves most of
    // the table's (and DynamoDB Local's) capacity unused. A call DynamoDB refuses for good
    // is narrowed down to the windows it refuses (quarantine.ts); the rest are written.
    const batches = warmBatches(chunks);
    const refused: Refused[] = [];
    const quarantined = await this.whileLeased(partition, async (signal) => {
      await mapConcurrently(batches, WARM_WRITE_CONCURRENCY, async (batch) => refused.push(...(await writeIsolated(batch, (b) => warm.putChunks(b, events, signal)))));
      return quarantineRefused(refused, { warm, events, signal, logger: this.deps.logger, metrics, partition });
    });
    // Another writer may own the partition now (this round outlived the lease); then it
    // seals these windows itself, and this round must not touch their Redis state.
    if (!(await hot.acquireLease(partition, this.deps.owner, this.leaseMs))) {
      throw new LeaseLostError(partition);
    }
    const notWritten = new Set(refused.map((r) => r.chunk));
    const kept = new Set(quarantined);
    const now = this.deps.now();
    // Before the seals finish: a crash in between leaves the windows due, and their next
    // seal records them again, so no durable chunk goes unrecorded. Every day, today's too:
    // the archiver needs the old days' counts, and readers check any day's count before
    // they trust the chunks they cached from DynamoDB (docs/cold-format.md).
    // Quarantined ones too: a reader must not skip DynamoDB for an archived day they belong to.
    const days = chunks.filter((c) => !notWritten.has(c) || kept.has(c)).map((c) => ({ tenant: c.tenant, day: Math.floor(c.start / DAY_MS) }));
    if (days.length > 0) await this.deps.ledger.recordWrites(days);
    await mapConcurrently(prepared, SEAL_CONCURRENCY, async (p) => {
      if (p.failed) return; // stays due; logged when it failed
      if (p.chunk && notWritten.has(p.chunk) && !kept.has(p.chunk)) return; // refused, and its quarantine failed: stays due
      if (p.chunk) {
        // A quarantined window is durable in the quarantine; its packed copy keeps the hot
        // tier's reads whole as for any sealed window.
        await hot.finishSeal(p.window, partition, p.chunk.chunk, now, p.seal);
        if (!notWritten.has(p.chunk)) metrics.windowsSealed.inc({ kind: p.reseal ? 'reseal' : 'first' });
      } else {
        await hot.settleDue(p.window, partition);
      }
    });
    if (quarantined.length > 0) await this.refreshQuarantineGauge(true);
    return chunks.length - refused.length;
  }

  /**
   * The previous seal in DynamoDB of each window that has points to seal and no packed copy
   * in Redis (its first seal, mostly; see `prepare`), read in one batch for the round
   * (getSealedChunks: 100 windows a call). A permanent failure of the batch is narrowed
   * down by reading those windows one by one: a window whose read fails for good gets its
   * error, and the others their chunks. Retriable failures fail the round.
   */
  private async previousSeals(inputs: readonly SealInput[]): Promise<Array<SealedChunk | undefined | Error>> {
    const out = new Array<SealedChunk | undefined | Error>(inputs.length).fill(undefined);
    const wanted = inputs.flatMap((input, i) => (!input.packed && (input.columns?.timestamps.length ?? input.points.length) > 0 ? [i] : []));
    if (wanted.length === 0) return out;
    const { warm } = this.deps;
    try {
      const found = await warm.getSealedChunks(wanted.map((i) => inputs[i].window));
      wanted.forEach((i, k) => (out[i] = found[k]));
    } catch (error) {
      if (!isPermanent(error)) throw error;
      for (const i of wanted) {
        const { tenant, seriesKey, start } = inputs[i].window;
        out[i] = await warm.getSealedChunk(tenant, seriesKey, start).catch((e: unknown) => {
          if (!isPermanent(e)) throw e;
          return e as StrataError; // isPermanent holds only for StrataErrors
        });
      }
    }
    return out;
  }

  /**
   * `prepare`, with a permanent failure kept to its window (its DynamoDB read failed for
   * good: `previous` is that error): it is logged and stays due, and the partition's other
   * windows are sealed.
   */
  private prepareIsolated(partition: number, input: SealInput, previous: SealedChunk | undefined | Error): Prepared {
    try {
      if (previous instanceof Error) throw previous;
      return this.prepare(partition, input, previous);
    } catch (error) {
      if (!isPermanent(error)) throw error;
      const { window } = input;
      this.deps.metrics.errors.inc({ tier: 'seal' });
      this.deps.logger.error(
        { err: error, tenant: window.tenant, seriesKey: window.seriesKey.slice(0, 512), start: window.start, points: input.columns?.timestamps.length ?? input.points.length },
        'window cannot be made into a chunk; it stays due in Redis and the other windows are sealed',
      );
      return { partition, window, reseal: false, failed: true };
    }
  }

  /**
   * Runs `work` while renewing the partition's lease every third of its length; if renewal
   * fails, `work`'s signal aborts (DynamoDB retries stop) and this rejects with LeaseLostError.
   *
   * Fencing: the lease is only known to be ours until its TTL runs out after the last
   * renewal that succeeded. Writes therefore stop (the signal aborts) two thirds of a lease
   * after it, also when renewals fail only because Redis is unreachable, so a write still in
   * flight has a third of a lease (10 s by default) to land before another writer can take
   * the partition and seal newer chunks that the stale write would overwrite.
   */
  private async whileLeased<T>(partition: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    // Renewed right before writing: preparing the windows (DynamoDB reads) may have taken a
    // good part of the lease. Unreachable Redis: the last renewal's validity decides.
    const renewedAt = performance.now();
    const held = await this.deps.hot.acquireLease(partition, this.deps.owner, this.leaseMs).catch(() => undefined);
    if (held === false) throw new LeaseLostError(partition);
    if (held) this.leaseSince.set(partition, renewedAt);
    const controller = new AbortController();
    const onStop = () => controller.abort();
    this.abort.signal.addEventListener('abort', onStop, { once: true });
    let lost = false;
    let expiry: NodeJS.Timeout | undefined;
    const validFor = (since: number) => since + Math.floor((this.leaseMs * 2) / 3) - performance.now();
    const armExpiry = (since: number) => {
      clearTimeout(expiry);
      expiry = setTimeout(() => {
        lost = true;
        this.deps.logger.warn({ partition, leaseMs: this.leaseMs }, 'sealing lease not renewed in time; DynamoDB writes stop, the windows stay due');
        controller.abort();
      }, Math.max(0, validFor(since)));
    };
    armExpiry(this.leaseSince.get(partition) ?? performance.now());
    const renew = setInterval(() => {
      const asked = performance.now();
      this.deps.hot.acquireLease(partition, this.deps.owner, this.leaseMs).then(
        (held) => {
          if (!held) {
            lost = true;
            controller.abort();
            return;
          }
          this.leaseSince.set(partition, asked);
          if (!controller.signal.aborted) armExpiry(asked);
        },
        () => undefined, // Redis unreachable: the expiry timer stops the writes in time
      );
    }, Math.max(10, Math.floor(this.leaseMs / 3)));
    try {
      const result = await work(controller.signal);
      if (lost) throw new LeaseLostError(partition);
      return result;
    } catch (error) {
      throw lost ? new LeaseLostError(partition) : error;
    } finally {
      clearInterval(renew);
      clearTimeout(expiry);
      this.abort.signal.removeEventListener('abort', onStop);
    }
  }

  /**
   * Merges new points over the previous seal of the window. A point replaces a sealed value
   * only if its record is newer than the one behind that value (the seal's offsets), so a
   * replayed old record cannot undo a newer sealed write (docs/write-path.md).
   */
  private prepare(partition: number, input: SealInput, warmSeal: SealedChunk | undefined): Prepared {
    const { window } = input;
    // Nothing unsealed (e.g. a replayed record whose points Redis already held newer): the
    // previous seal stands, no warm write.
    const unsealed = input.columns ?? unsealedColumns(input.points);
    if (unsealed.timestamps.length === 0) return { partition, window, reseal: false };
    // Without a packed copy in Redis the warm tier may still hold earlier points of this
    // window: its packed copy expired (a very late point), or Redis lost its state since the
    // window was sealed. Either way the new chunk must include them: `warmSeal` is the item
    // as read (previousSeals; one read unit per first seal of a window, a missing item
    // costs the same).
    const previous: SealedChunk | undefined = input.packed ? { chunk: input.packed.chunk, seal: { base: input.packed.sealOffset, points: input.packed.pointOffsets } } : warmSeal;
    // A previous seal over several items: its head is replaced so its stale parts can be found.
    const mayHaveParts = previous !== undefined && warmItemCount({ chunk: previous.chunk, sealOffset: previous.seal.base, pointOffsets: previous.seal.points }) > 1;
    const sealed = previous ? decodeChunk(previous.chunk) : EMPTY_COLUMNS;
    const merged = mergeOverSealed(unsealed, sealed, previous?.seal, { replayed: input.replayed });
    const count = merged.timestamps.length;
    const chunk = encodeChunk({ timestamps: merged.timestamps, values: merged.values });
    const { base, points } = merged.seal;
    return {
      partition,
      window,
      reseal: previous !== undefined,
      unchanged: previous !== undefined && merged.taken === 0,
      chunk: {
        tenant: window.tenant,
        seriesKey: window.seriesKey,
        start: window.start,
        chunk,
        count,
        ...(base === undefined ? {} : { sealOffset: base, pointOffsets: points }),
        ...(mayHaveParts && { mayHaveParts }),
        ...(previous?.quarantined && { releasesQuarantined: true }),
      },
      seal: merged.seal,
    };
  }
}
