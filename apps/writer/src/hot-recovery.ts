import type { Logger } from '@strata/runtime';
import type { HotTierState, RedisHotStore } from '@strata/storage/hot';
import type { RebuildCheckpoints } from '@strata/storage/warm';
import type { RecoveryMetrics } from './recovery-metrics';

/** What the recovery needs of the log: positions, and moving the consumer. */
export interface RecoveryLog {
  /** Moves the main group's consumption of a partition to `offset`. */
  seek(partition: number, offset: bigint): void;
  partitionCount(): Promise<number>;
  /** Per partition: first retained offset, high watermark, and the main group's committed offset (null: none). */
  positions(): Promise<ReadonlyMap<number, { start: number; end: number; committed: number | null }>>;
}

export interface HotRecoveryDeps {
  readonly hot: Pick<RedisHotStore, 'projectedOffset' | 'rebuildStart'>;
  readonly state: Pick<HotTierState, 'status' | 'takeStock' | 'isMarked' | 'markRebuilding' | 'markRebuilt'>;
  readonly checkpoints: Pick<RebuildCheckpoints, 'read' | 'write'>;
  readonly log: RecoveryLog;
  /** Partitions this writer owns now. */
  readonly partitions: () => readonly number[];
  /** Told when Redis was found to have lost data (e.g. to forget which series were indexed). */
  readonly onLoss?: (partition: number) => void;
  readonly metrics: RecoveryMetrics;
  readonly logger: Logger;
  readonly now: () => number;
}

type Reason = 'emptied' | 'rolled_back' | 'unchecked';

interface PartitionState {
  /** What this writer last made Redis's projected offset (null: absent). */
  expected: number | null;
  phase: 'ready' | 'rebuilding';
  /** Rebuilding until the projected offset reaches this (the log end when the loss was found). */
  target?: number;
  since?: number;
  /** Last checkpoint written (or read) for the partition. */
  checkpoint?: number | null;
}

/**
 * Keeps the hot tier whole without an operator (docs/write-path.md, "Rebuilding the hot
 * tier"). Redis holds, per partition, the offset after the last record it has entirely (the
 * projected offset); the writer advances it with each batch, only from the value it left.
 * When it is missing or behind, Redis lost data (a restart without persistence, a flush,
 * a failover to a stale replica): the writer moves its consumer back and re-projects the
 * log from the last point that is certainly durable in DynamoDB, the rebuild checkpoint,
 * which it keeps up to date from Redis while Redis is whole. Re-projecting is idempotent
 * (every point carries its record offset; seals merge by offset), so starting early is
 * only slower, never wrong.
 *
 * Serialised per partition: a batch and a check of the same partition never interleave.
 */
export class HotRecovery {
  private readonly states = new Map<number, PartitionState>();
  private readonly locks = new Map<number, Promise<unknown>>();
  /** The topic's partition count, fixed for its life. */
  private partitionCount: number | undefined;

  constructor(private readonly deps: HotRecoveryDeps) {}

  /**
   * Projects one batch of a partition through `project`, which must append it with the
   * given projected advance and say whether Redis took the advance. Before the first batch
   * of a partition it takes stock of Redis, which may move the consumer; the batch is then
   * skipped (not projected, not committed) and fetched again from the new position.
   */
  project(partition: number, lastOffset: number, project: (projected: { expect: number | null; next: number }) => Promise<boolean | undefined>): Promise<void> {
    return this.locked(partition, async () => {
      let state = this.states.get(partition);
      if (!state) {
        const taken = await this.takeStock(partition);
        // The consumer was moved: this batch is not projected (nor committed) and its records
        // come again from the new position.
        if (taken.seeked) return;
        state = taken.state;
      }
      const next = lastOffset + 1;
      const advanced = await project({ expect: state.expected, next });
      if (advanced === false) {
        this.deps.logger.warn({ partition, expected: state.expected }, 'Redis no longer holds what this writer projected into it; rebuilding the partition from the log');
        this.states.delete(partition);
        this.deps.onLoss?.(partition);
        await this.takeStock(partition);
        return;
      }
      state.expected = next;
      if (state.phase === 'rebuilding') this.progress(partition, state);
    });
  }

  /**
   * Looks for a loss that no batch would reveal (an idle partition, a tier emptied between
   * batches), and for partitions marked by another writer's stock-taking. Run every second.
   */
  async check(): Promise<void> {
    const owned = this.deps.partitions();
    for (const partition of [...this.states.keys()]) if (!owned.includes(partition)) this.forget(partition);
    if (owned.length === 0) return;
    let status = await this.deps.state.status();
    if (!status.initialised) {
      this.partitionCount ??= await this.deps.log.partitionCount();
      await this.deps.state.takeStock(this.partitionCount, this.deps.now());
      status = await this.deps.state.status();
    }
    for (const partition of owned) {
      await this.locked(partition, async () => {
        const state = this.states.get(partition);
        // Not taken stock of yet: an idle partition may never see a batch that would do it,
        // and its mark must not stay for ever.
        if (!state) {
          await this.takeStock(partition);
          return;
        }
        const marked = status.rebuildingPartitions.includes(partition);
        if (state.phase === 'rebuilding' && marked) return;
        const projected = await this.deps.hot.projectedOffset(partition);
        const behind = state.expected !== null && (projected === null || projected < state.expected);
        if (!behind && !marked) return;
        this.deps.logger.warn({ partition, expected: state.expected, projected, marked }, 'hot tier lost data of this partition; rebuilding it from the log');
        this.states.delete(partition);
        this.deps.onLoss?.(partition);
        await this.takeStock(partition);
      });
    }
  }

  /**
   * Writes each ready partition's rebuild checkpoint when it moved, and reports how much of
   * the log a rebuild needs that retention already deleted. Run every few seconds.
   */
  async checkpoint(): Promise<void> {
    const owned = this.deps.partitions();
    if (owned.length === 0) return;
    const positions = await this.deps.log.positions();
    for (const partition of owned) {
      const state = this.states.get(partition);
      if (!state || state.phase !== 'ready') continue;
      const snapshot = await this.deps.hot.rebuildStart(partition);
      if (!snapshot) continue;
      const { metrics } = this.deps;
      metrics.checkpointOffset.set({ partition: String(partition) }, snapshot.start);
      const logStart = positions.get(partition)?.start ?? 0;
      const gap = Math.max(0, logStart - snapshot.start);
      metrics.logGap.set({ partition: String(partition) }, gap);
      if (gap > 0) {
        this.deps.logger.error(
          { partition, checkpoint: snapshot.start, logStart, records: gap },
          'the log no longer holds records that are not yet durable in DynamoDB: a loss of Redis now would lose them (raise the topic retention, see docs/write-path.md)',
        );
      }
      if (state.checkpoint === snapshot.start) continue;
      try {
        await this.deps.checkpoints.write(partition, snapshot.start, this.deps.now());
        state.checkpoint = snapshot.start;
        metrics.checkpointWrites.inc({ result: 'ok' });
      } catch (error) {
        metrics.checkpointWrites.inc({ result: 'error' });
        this.deps.logger.warn({ partition, err: error }, 'could not write the rebuild checkpoint; an older one stands');
      }
    }
  }

  /** Partitions this writer is rebuilding, for readiness and the dashboard. */
  rebuilding(): number[] {
    return [...this.states].filter(([, s]) => s.phase === 'rebuilding').map(([p]) => p).sort((a, b) => a - b);
  }

  /** Drops what this writer knows of a partition it no longer owns. */
  forget(partition: number): void {
    this.states.delete(partition);
    const labels = { partition: String(partition) };
    this.deps.metrics.rebuilding.remove(labels);
    this.deps.metrics.rebuildRemaining.remove(labels);
  }

  /**
   * Compares Redis with the log for one partition and moves the consumer to where Redis
   * stops holding the log. Cases (R = Redis's projected offset, C = committed, K = checkpoint):
   * - R present, partition not marked: Redis is whole up to R. Consume from R; if R < C
   *   Redis went back in time (an older snapshot, a stale replica): a rebuild up to the end.
   * - R present, marked: a rebuild left half-way (this or another writer stopped); resume at R.
   * - R absent, K present: Redis lost the partition; rebuild from K.
   * - R and K absent, C present: lost before any checkpoint; rebuild from the log start.
   * - R, K and C absent: a new install: consume from the beginning.
   */
  private async takeStock(partition: number): Promise<{ state: PartitionState; seeked: boolean; from: number | null }> {
    const { hot, state: tier, checkpoints, log, logger, metrics } = this.deps;
    // An emptied Redis is marked whole first (a no-op when initialised), so this partition's
    // own mark below cannot be taken for the whole tier's and trigger a second round.
    this.partitionCount ??= await log.partitionCount();
    await tier.takeStock(this.partitionCount, this.deps.now());
    const [projected, marked, positions] = await Promise.all([hot.projectedOffset(partition), tier.isMarked(partition), log.positions()]);
    const position = positions.get(partition) ?? { start: 0, end: 0, committed: null };
    let start: number | null;
    let reason: Reason | undefined;
    if (projected !== null) {
      start = projected;
      if (marked) reason = 'unchecked';
      else if (position.committed !== null && projected < position.committed) reason = 'rolled_back';
    } else {
      // Without a checkpoint (lost before the first was taken, or written by a version that
      // kept none) but with records consumed before: everything the log still holds.
      start = (await checkpoints.read(partition)) ?? (position.committed !== null ? position.start : null);
      if (start !== null) reason = 'emptied';
    }
    const state: PartitionState = { expected: projected, phase: 'ready', checkpoint: projected === null ? start : undefined };
    this.states.set(partition, state);
    if (start === null) {
      if (marked) await tier.markRebuilt(partition);
      logger.info({ partition, committed: position.committed }, 'no projected offset, rebuild checkpoint or committed offset: a new hot tier');
      return { state, seeked: false, from: null };
    }
    if (start < position.start) {
      metrics.logGap.set({ partition: String(partition) }, position.start - start);
      logger.error(
        { partition, from: start, logStart: position.start, records: position.start - start },
        'rebuilding the hot tier needs records the log no longer holds: points of those records that were not yet in DynamoDB are lost',
      );
      start = position.start; // the consumer can only be moved to where the log begins
    }
    const seeked = start !== position.committed;
    if (seeked) log.seek(partition, BigInt(start));
    if (reason === undefined || start >= position.end) {
      if (marked) await tier.markRebuilt(partition);
      return { state, seeked, from: start };
    }
    state.phase = 'rebuilding';
    state.target = position.end;
    state.since = this.deps.now();
    await tier.markRebuilding(partition, this.deps.now());
    metrics.rebuilds.inc({ reason });
    metrics.rebuilding.set({ partition: String(partition) }, 1);
    metrics.rebuildRemaining.set({ partition: String(partition) }, position.end - start);
    logger.warn({ partition, reason, from: start, to: position.end, records: position.end - start }, 'rebuilding the hot tier from the log');
    return { state, seeked, from: start };
  }

  private progress(partition: number, state: PartitionState): void {
    const { metrics } = this.deps;
    const labels = { partition: String(partition) };
    const remaining = Math.max(0, (state.target ?? 0) - (state.expected ?? 0));
    metrics.rebuildRemaining.set(labels, remaining);
    if (remaining > 0) return;
    const seconds = (this.deps.now() - (state.since ?? this.deps.now())) / 1_000;
    state.phase = 'ready';
    metrics.rebuilding.set(labels, 0);
    metrics.rebuildSeconds.set(labels, seconds);
    this.deps.logger.info({ partition, seconds }, 'hot tier rebuilt: the partition is whole in Redis again');
    // Not awaited under the batch: a failure leaves the mark, and the next check retries.
    this.deps.state.markRebuilt(partition).catch((error: unknown) => this.deps.logger.warn({ partition, err: error }, 'could not clear the rebuild mark'));
  }

  private locked<T>(partition: number, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(partition) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(partition, tail);
    void tail.then(() => {
      if (this.locks.get(partition) === tail) this.locks.delete(partition);
    });
    return run;
  }
}
