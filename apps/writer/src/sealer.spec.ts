import { Registry } from 'prom-client';
import { createLogger } from '@strata/runtime';
import type { SealInput, WarmChunk, WindowRef } from '@strata/storage';
import { LeaseLostError, Sealer, type SealerDeps } from './sealer';
import { WriterMetrics } from './writer-metrics';

const LEASE_MS = 600;
const window: WindowRef = { tenant: 'acme', seriesKey: 'cpu{host="a"}', start: 0 };

/** A hot tier whose lease calls answer `lease()` in turn; one due window with one point. */
function fakeHot(lease: () => Promise<boolean>, finished: WindowRef[]): SealerDeps['hot'] {
  return {
    options: { windowMs: 14_400_000, sealGraceMs: 60_000, retentionMs: 26 * 3_600_000 },
    acquireLease: lease,
    releaseLease: async () => undefined,
    dueWindows: async () => [window],
    backlog: async () => 1,
    beginSeal: async (w): Promise<SealInput> => ({ window: w, points: [{ timestampMs: 60_000, value: 1, offset: 5 }], packed: null, replayed: false }),
    finishSeal: async (w) => void finished.push(w),
    settleDue: async () => undefined,
  };
}

/** A sealer of partition 7 with a short lease over the given tiers. */
function sealerOver(hot: SealerDeps['hot'], warm: SealerDeps['warm'], owner: string): Sealer {
  return new Sealer({
    hot,
    warm,
    ledger: { recordWrites: async () => undefined },
    partitions: () => [7],
    owner,
    metrics: new WriterMetrics(new Registry()),
    logger: createLogger({ service: 'spec', level: 'silent' }),
    now: () => 20_000_000,
    intervalMs: 1_000,
    batchSize: 10,
    leaseMs: LEASE_MS,
  });
}

// The fence of a stale writer: once its lease can no longer be renewed, its DynamoDB writes
// must stop well before the lease's TTL lets another writer take the partition.
describe('Sealer lease fencing', () => {
  it.each<[string, () => Promise<boolean>]>([
    ['Redis unreachable: renewals fail', () => Promise.reject(new Error('connect ECONNREFUSED'))],
    ['another writer holds the lease', async () => false],
  ])('%s: the write is aborted within two thirds of the lease and the windows stay due', async (_, renewal) => {
    let calls = 0;
    const finished: WindowRef[] = [];
    let abortedAfterMs: number | undefined;
    const began = performance.now();
    const sealer = sealerOver(
      // The round takes the lease and renews it before writing; then renewals go wrong.
      fakeHot(() => (calls++ < 2 ? Promise.resolve(true) : renewal()), finished),
      {
        getSealedChunk: async () => undefined,
        // A BatchWriteItem that never completes by itself (DynamoDB slow or unreachable).
        putChunks: (_: WarmChunk[], __: unknown, signal?: AbortSignal) =>
          new Promise<void>((_, reject) =>
            signal?.addEventListener('abort', () => {
              abortedAfterMs = performance.now() - began;
              reject(new Error('aborted'));
            }),
          ),
      },
      'stale-writer',
    );
    await expect(sealer.sealRound()).rejects.toBeInstanceOf(LeaseLostError);
    expect(abortedAfterMs).toBeDefined();
    expect(abortedAfterMs!).toBeLessThan(LEASE_MS);
    expect(finished).toEqual([]); // nothing settled: the window is sealed by the lease's next holder
  });

  it('stops before writing when the lease went to another writer while the windows were prepared', async () => {
    let calls = 0;
    let wrote = false;
    const finished: WindowRef[] = [];
    const sealer = sealerOver(fakeHot(async () => calls++ === 0, finished), { getSealedChunk: async () => undefined, putChunks: async () => void (wrote = true) }, 'slow-writer');
    await expect(sealer.sealRound()).rejects.toBeInstanceOf(LeaseLostError);
    expect(wrote).toBe(false);
    expect(finished).toEqual([]);
  });

  it('keeps writing while renewals succeed, past the lease length', async () => {
    const finished: WindowRef[] = [];
    const sealer = sealerOver(
      fakeHot(async () => true, finished),
      { getSealedChunk: async () => undefined, putChunks: () => new Promise<void>((resolve) => setTimeout(resolve, 2 * LEASE_MS)) },
      'healthy-writer',
    );
    expect(await sealer.sealRound()).toBe(1);
    expect(finished).toEqual([window]);
  });
});
