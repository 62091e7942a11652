import { Registry } from 'prom-client';
import { createLogger } from '@strata/runtime';
import { HotRecovery } from './hot-recovery';
import { RecoveryMetrics } from './recovery-metrics';

/**
 * Redis, the checkpoint table and the log as plain values, so each case states what Redis
 * holds, what was checkpointed and where the log stands, and checks where the writer
 * resumes and what it reports.
 */
class World {
  projected = new Map<number, number>();
  lowestUnsealed = new Map<number, number>();
  initialised = true;
  marked = new Set<number>();
  checkpoints = new Map<number, number>();
  checkpointWrites: Array<[number, number]> = [];
  positions = new Map<number, { start: number; end: number; committed: number | null }>();
  seeks: Array<[number, bigint]> = [];
  losses: number[] = [];
  owned = [0];
  readonly metrics = new RecoveryMetrics(new Registry());

  recovery(): HotRecovery {
    return new HotRecovery({
      hot: {
        projectedOffset: async (p) => this.projected.get(p) ?? null,
        rebuildStart: async (p) => {
          const projected = this.projected.get(p);
          if (projected === undefined) return null;
          return { projected, start: Math.min(projected, this.lowestUnsealed.get(p) ?? projected) };
        },
      },
      state: {
        status: async () => ({ initialised: this.initialised, rebuildingPartitions: [...this.marked].sort(), complete: this.initialised && this.marked.size === 0 }),
        takeStock: async (count) => {
          if (this.initialised) return false;
          this.initialised = true;
          for (let p = 0; p < count; p++) this.marked.add(p);
          return true;
        },
        isMarked: async (p) => this.marked.has(p),
        markRebuilding: async (p) => void this.marked.add(p),
        markRebuilt: async (p) => void this.marked.delete(p),
      },
      checkpoints: {
        read: async (p) => this.checkpoints.get(p) ?? null,
        write: async (p, offset) => {
          this.checkpoints.set(p, offset);
          this.checkpointWrites.push([p, offset]);
        },
      },
      log: {
        seek: (p, offset) => void this.seeks.push([p, offset]),
        partitionCount: async () => 2,
        positions: async () => this.positions,
      },
      partitions: () => this.owned,
      onLoss: (p) => void this.losses.push(p),
      metrics: this.metrics,
      logger: createLogger({ service: 'writer', level: 'silent' }),
      now: () => 1_000,
    });
  }

  /** A batch projected into this Redis: advances the projected offset only from `expect`. */
  batch(recovery: HotRecovery, partition: number, lastOffset: number): Promise<{ expect: number | null; next: number } | 'skipped'> {
    let seen: { expect: number | null; next: number } | 'skipped' = 'skipped';
    return recovery
      .project(partition, lastOffset, async (projected) => {
        seen = projected;
        const current = this.projected.get(partition) ?? null;
        if (current !== projected.expect) return false;
        this.projected.set(partition, projected.next);
        return true;
      })
      .then(() => seen);
  }

  async gauge(name: 'rebuilding' | 'rebuildRemaining' | 'logGap', partition = 0): Promise<number | undefined> {
    const { values } = await this.metrics[name].get();
    return values.find((v) => v.labels['partition'] === String(partition))?.value;
  }
}

describe('HotRecovery: where the writer resumes after taking stock of Redis', () => {
  const cases: Array<{
    name: string;
    projected?: number;
    checkpoint?: number;
    marked?: boolean;
    committed: number | null;
    end: number;
    logStart?: number;
    seek?: number;
    rebuilding: boolean;
  }> = [
    { name: 'a new install: nothing in Redis, no checkpoint', committed: null, end: 0, rebuilding: false },
    { name: 'a restarted writer, Redis whole and committed up to its projected offset', projected: 100, committed: 100, end: 130, rebuilding: false },
    { name: 'Redis ahead of the committed offset (the commit lagged): resume at Redis', projected: 120, committed: 100, end: 130, seek: 120, rebuilding: false },
    { name: 'Redis emptied: rebuild from the checkpoint', checkpoint: 50, committed: 100, end: 130, seek: 50, rebuilding: true },
    { name: 'Redis emptied before any checkpoint was taken: rebuild from the log start', committed: 100, end: 130, seek: 0, rebuilding: true },
    { name: 'the checkpoint is older than the log start (retention): rebuild from the log start', checkpoint: 20, committed: 100, end: 130, logStart: 50, seek: 50, rebuilding: true },
    { name: 'Redis rolled back behind the committed offset: rebuild from what it holds', projected: 80, checkpoint: 50, committed: 100, end: 130, seek: 80, rebuilding: true },
    { name: 'a rebuild left half-way (still marked): resume it at Redis', projected: 90, checkpoint: 50, marked: true, committed: 60, end: 130, seek: 90, rebuilding: true },
    { name: 'marked by a stock-taking, but Redis is whole and caught up', projected: 130, marked: true, committed: 130, end: 130, rebuilding: false },
  ];

  it.each(cases)('$name', async (c) => {
    const world = new World();
    if (c.projected !== undefined) world.projected.set(0, c.projected);
    if (c.checkpoint !== undefined) world.checkpoints.set(0, c.checkpoint);
    if (c.marked) world.marked.add(0);
    world.positions.set(0, { start: c.logStart ?? 0, end: c.end, committed: c.committed });
    const recovery = world.recovery();

    const first = await world.batch(recovery, 0, (c.committed ?? 0) + 9);
    expect(world.seeks).toEqual(c.seek === undefined ? [] : [[0, BigInt(c.seek)]]);
    // A batch fetched before the consumer moved is neither projected nor committed.
    expect(first).toEqual(c.seek === undefined ? { expect: c.projected ?? null, next: (c.committed ?? 0) + 10 } : 'skipped');
    expect(recovery.rebuilding()).toEqual(c.rebuilding ? [0] : []);
    expect(world.marked.has(0)).toBe(c.rebuilding);
  });

  it('reports a rebuild until the projected offset reaches the log end it found, then clears the mark', async () => {
    const world = new World();
    world.checkpoints.set(0, 50);
    world.positions.set(0, { start: 0, end: 130, committed: 100 });
    const recovery = world.recovery();
    expect(await world.batch(recovery, 0, 109)).toBe('skipped');
    expect(await world.gauge('rebuildRemaining')).toBe(80);
    expect(await world.batch(recovery, 0, 99)).toEqual({ expect: null, next: 100 });
    expect(await world.gauge('rebuildRemaining')).toBe(30);
    expect(recovery.rebuilding()).toEqual([0]);
    expect(await world.batch(recovery, 0, 129)).toEqual({ expect: 100, next: 130 });
    expect(recovery.rebuilding()).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(world.marked.has(0)).toBe(false);
    expect(await world.gauge('rebuilding')).toBe(0);
  });

  it('notices a loss through the batch whose advance Redis refused, and moves back to the checkpoint', async () => {
    const world = new World();
    world.projected.set(0, 100);
    world.checkpoints.set(0, 70);
    world.positions.set(0, { start: 0, end: 100, committed: 100 });
    const recovery = world.recovery();
    expect(await world.batch(recovery, 0, 109)).toEqual({ expect: 100, next: 110 });
    world.projected.clear(); // Redis restarted empty
    world.positions.set(0, { start: 0, end: 120, committed: 110 });
    expect(await world.batch(recovery, 0, 119)).toEqual({ expect: 110, next: 120 });
    expect(world.seeks).toEqual([[0, 70n]]);
    expect(world.losses).toEqual([0]);
    expect(recovery.rebuilding()).toEqual([0]);
    // The re-projection starts from an absent projected offset.
    expect(await world.batch(recovery, 0, 79)).toEqual({ expect: null, next: 80 });
  });

  it('finds a loss of an idle partition, and an emptied tier, by its periodic check', async () => {
    const world = new World();
    world.owned = [0, 1];
    for (const p of [0, 1]) {
      world.projected.set(p, 10);
      world.checkpoints.set(p, 5);
      world.positions.set(p, { start: 0, end: 10, committed: 10 });
    }
    const recovery = world.recovery();
    await world.batch(recovery, 0, 9);
    await world.batch(recovery, 1, 9);
    await recovery.check();
    expect(world.seeks).toEqual([]);

    // A flush: no projected offsets, no state hash. The check takes stock of the whole tier.
    world.projected.clear();
    world.initialised = false;
    await recovery.check();
    expect(world.initialised).toBe(true);
    expect(world.seeks).toEqual([[0, 5n], [1, 5n]]);
    expect(recovery.rebuilding()).toEqual([0, 1]);
    expect([...world.marked].sort()).toEqual([0, 1]);
  });

  it('takes stock of an owned partition that gets no batch, so its mark does not stay for ever', async () => {
    const world = new World();
    world.owned = [0, 1];
    world.initialised = false; // a new Redis
    world.positions.set(0, { start: 0, end: 0, committed: null });
    world.positions.set(1, { start: 0, end: 0, committed: null });
    const recovery = world.recovery();
    await recovery.check();
    expect(world.marked.size).toBe(0);
    expect(world.seeks).toEqual([]);
    expect(recovery.rebuilding()).toEqual([]);
  });

  it('writes a checkpoint only when it moves, and reports records retention deleted before they were durable', async () => {
    const world = new World();
    world.projected.set(0, 100);
    world.lowestUnsealed.set(0, 40);
    world.positions.set(0, { start: 0, end: 100, committed: 100 });
    const recovery = world.recovery();
    await world.batch(recovery, 0, 109);
    await recovery.checkpoint();
    await recovery.checkpoint();
    expect(world.checkpointWrites).toEqual([[0, 40]]);
    expect(await world.gauge('logGap')).toBe(0);
    world.lowestUnsealed.delete(0); // everything sealed: the projected offset itself
    world.positions.set(0, { start: 0, end: 110, committed: 110 });
    await recovery.checkpoint();
    expect(world.checkpointWrites).toEqual([[0, 40], [0, 110]]);
    world.lowestUnsealed.set(0, 60);
    world.positions.set(0, { start: 75, end: 110, committed: 110 });
    await recovery.checkpoint();
    expect(await world.gauge('logGap')).toBe(15);
  });
});
