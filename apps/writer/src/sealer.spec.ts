import { Registry } from 'prom-client';
import { createLogger } from '@strata/runtime';
import { StorageError } from '@strata/storage';
import type { SealInput, WindowRef } from '@strata/storage/hot';
import type { WarmChunk } from '@strata/storage/warm';
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
    dueCounts: async (partitions) => partitions.map(() => ({ due: 1, waiting: 1 })),
    backlog: async () => 1,
    beginSeal: async (w): Promise<SealInput> => ({ window: w, points: [{ timestampMs: 60_000, value: 1, offset: 5 }], packed: null, replayed: false }),
    finishSeal: async (w) => void finished.push(w),
    settleDue: async () => undefined,
  };
}

/** A sealer of partition 7 with a short lease over the given tiers. */
function sealerOver(hot: SealerDeps['hot'], warm: Pick<SealerDeps['warm'], 'putChunks' | 'getSealedChunk'> & Partial<Pick<SealerDeps['warm'], 'getSealedChunks'>>, owner: string): Sealer {
  return new Sealer({
    hot,
    warm: { quarantineWindow: () => Promise.reject(new Error('no quarantine here')), countQuarantined: async () => 0, getSealedChunks: async (keys) => keys.map(() => undefined), ...warm },
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
        getSealedChunks: async (keys: readonly WindowRef[]) => keys.map(() => undefined),
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

  it('neither leases nor reads a partition with nothing due, and counts its waiting windows in the backlog', async () => {
    let leases = 0;
    let reads = 0;
    const hot: SealerDeps['hot'] = {
      ...fakeHot(async () => {
        leases++;
        return true;
      }, []),
      dueCounts: async (partitions) => partitions.map(() => ({ due: 0, waiting: 3 })),
      dueWindows: async () => {
        reads++;
        return [];
      },
      backlog: async () => {
        reads++;
        return 0;
      },
    };
    const metrics = new WriterMetrics(new Registry());
    const sealer = new Sealer({
      hot,
      warm: { quarantineWindow: () => Promise.reject(new Error('no quarantine here')), countQuarantined: async () => 0, getSealedChunks: async () => [], getSealedChunk: async () => undefined, putChunks: async () => undefined },
      ledger: { recordWrites: async () => undefined },
      partitions: () => [7, 8],
      owner: 'idle-writer',
      metrics,
      logger: createLogger({ service: 'spec', level: 'silent' }),
      now: () => 20_000_000,
      intervalMs: 1_000,
      batchSize: 10,
      leaseMs: LEASE_MS,
    });
    expect(await sealer.sealRound()).toBe(0);
    expect([leases, reads]).toEqual([0, 0]);
    expect((await metrics.sealBacklog.get()).values[0].value).toBe(6);
    expect(await sealer.reportBacklog()).toBe(6);
  });
});

describe('Sealer isolation: a window DynamoDB refuses for good', () => {
  const windows = Array.from({ length: 60 }, (_, i): WindowRef => ({ tenant: 'acme', seriesKey: `s${i}`, start: 0 }));
  const refusal = new StorageError('dynamodb BatchWriteItem refused (ValidationException): key too long', false);

  /** Hot tier with `windows` due in each of the given partitions. */
  function hotWith(finished: Array<[number, string]>): SealerDeps['hot'] {
    return {
      ...fakeHot(async () => true, []),
      dueWindows: async () => windows,
      beginSeal: async (w): Promise<SealInput> => ({ window: w, points: [{ timestampMs: 60_000, value: 1, offset: 5 }], packed: null, replayed: false }),
      finishSeal: async (w, partition) => void finished.push([partition, w.seriesKey]),
    };
  }

  function sealer(hot: SealerDeps['hot'], warm: SealerDeps['warm'], partitions = [7]): Sealer {
    return new Sealer({
      hot,
      warm,
      ledger: { recordWrites: async () => undefined },
      partitions: () => partitions,
      owner: 'spec',
      metrics: new WriterMetrics(new Registry()),
      logger: createLogger({ service: 'spec', level: 'silent' }),
      now: () => 20_000_000,
      intervalMs: 1_000,
      batchSize: 100,
    });
  }

  it('quarantines only the refused window; the 59 others of its round are written and settled', async () => {
    const finished: Array<[number, string]> = [];
    const written: string[] = [];
    const quarantined: string[] = [];
    let calls = 0;
    const warm: SealerDeps['warm'] = {
      getSealedChunk: async () => undefined,
      getSealedChunks: async (keys: readonly WindowRef[]) => keys.map(() => undefined),
      // Like BatchWriteItem: one bad item fails the whole call.
      putChunks: async (chunks) => {
        calls++;
        if (chunks.some((c) => c.seriesKey === 's17')) throw refusal;
        written.push(...chunks.map((c) => c.seriesKey));
      },
      quarantineWindow: async (chunk, error) => {
        expect(error).toBe(refusal);
        quarantined.push(chunk.seriesKey);
        return { tenant: chunk.tenant, seriesKey: chunk.seriesKey, start: chunk.start, error: String(error), at: 0 };
      },
      countQuarantined: async () => quarantined.length,
    };
    expect(await sealer(hotWith(finished), warm).sealRound()).toBe(59);
    expect(quarantined).toEqual(['s17']);
    expect(written.sort()).toEqual(windows.map((w) => w.seriesKey).filter((k) => k !== 's17').sort());
    expect(finished).toHaveLength(60); // the quarantined one too: durable in the quarantine
    expect(calls).toBeLessThanOrEqual(3 + 2 * Math.ceil(Math.log2(25))); // bisected, not one call per window
  });

  it.each<[string, unknown]>([
    ['a retriable error (DynamoDB unreachable past the lease)', new StorageError('dynamodb BatchWriteItem failed (ECONNREFUSED)', true)],
    ['an error outside the error tree (nobody classified it)', new Error('table is gone')],
  ])('%s quarantines nothing and leaves the partition due', async (_, error) => {
    const finished: Array<[number, string]> = [];
    let quarantines = 0;
    const warm: SealerDeps['warm'] = {
      getSealedChunk: async () => undefined,
      getSealedChunks: async (keys: readonly WindowRef[]) => keys.map(() => undefined),
      putChunks: async () => Promise.reject(error),
      quarantineWindow: async () => {
        quarantines++;
        throw new Error('not expected');
      },
      countQuarantined: async () => 0,
    };
    await expect(sealer(hotWith(finished), warm).sealRound()).rejects.toBe(error);
    expect(quarantines).toBe(0);
    expect(finished).toEqual([]);
  });

  it('a refused window whose quarantine fails too stays due; the others are settled', async () => {
    const finished: Array<[number, string]> = [];
    const warm: SealerDeps['warm'] = {
      getSealedChunk: async () => undefined,
      getSealedChunks: async (keys: readonly WindowRef[]) => keys.map(() => undefined),
      putChunks: async (chunks) => {
        if (chunks.some((c) => c.seriesKey === 's3')) throw refusal;
      },
      quarantineWindow: async () => Promise.reject(new StorageError('dynamodb PutItem refused (AccessDeniedException)', false)),
      countQuarantined: async () => 0,
    };
    expect(await sealer(hotWith(finished), warm).sealRound()).toBe(59);
    expect(finished.map(([, k]) => k)).not.toContain('s3');
    expect(finished).toHaveLength(59);
  });

  it('reads the previous seals of a round in one batch; a read refused for good keeps only its window due', async () => {
    const finished: Array<[number, string]> = [];
    const batches: number[] = [];
    const written: string[] = [];
    const readRefusal = new StorageError('dynamodb Query refused (ValidationException)', false);
    const warm: SealerDeps['warm'] = {
      // The batch fails for good (one of its keys is refused): the windows are read one by one.
      getSealedChunks: async (keys: readonly WindowRef[]) => {
        batches.push(keys.length);
        throw readRefusal;
      },
      getSealedChunk: async (_tenant, seriesKey) => {
        if (seriesKey === 's9') throw readRefusal;
        return undefined;
      },
      putChunks: async (chunks) => void written.push(...chunks.map((c) => c.seriesKey)),
      quarantineWindow: async () => Promise.reject(new Error('not expected')),
      countQuarantined: async () => 0,
    };
    expect(await sealer(hotWith(finished), warm).sealRound()).toBe(59);
    expect(batches).toEqual([60]);
    expect(written).not.toContain('s9');
    expect(finished.map(([, k]) => k)).not.toContain('s9');
    expect(finished).toHaveLength(59);
  });

  it('a retriable failure of the batched read fails the round and leaves every window due', async () => {
    const finished: Array<[number, string]> = [];
    const unreachable = new StorageError('dynamodb BatchGetItem failed (ECONNREFUSED)', true);
    const warm: SealerDeps['warm'] = {
      getSealedChunks: async () => Promise.reject(unreachable),
      getSealedChunk: async () => Promise.reject(new Error('not expected')),
      putChunks: async () => Promise.reject(new Error('not expected')),
      quarantineWindow: async () => Promise.reject(new Error('not expected')),
      countQuarantined: async () => 0,
    };
    await expect(sealer(hotWith(finished), warm).sealRound()).rejects.toBe(unreachable);
    expect(finished).toEqual([]);
  });

  it('a partition whose round fails does not stop the next partition', async () => {
    const finished: Array<[number, string]> = [];
    const failing = new StorageError('dynamodb BatchWriteItem failed (InternalServerError)', true);
    let round = 0;
    const warm: SealerDeps['warm'] = {
      getSealedChunk: async () => undefined,
      getSealedChunks: async (keys: readonly WindowRef[]) => keys.map(() => undefined),
      putChunks: async () => {
        if (round++ === 0) throw failing; // partition 1's first call
      },
      quarantineWindow: async () => Promise.reject(new Error('not expected')),
      countQuarantined: async () => 0,
    };
    await expect(sealer(hotWith(finished), warm, [1, 2]).sealRound()).rejects.toBe(failing);
    expect(new Set(finished.map(([p]) => p))).toEqual(new Set([2]));
    expect(finished).toHaveLength(60);
  });
});
