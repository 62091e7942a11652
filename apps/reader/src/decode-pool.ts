import { WorkerPool, type Logger, type WorkerEntry } from '@strata/runtime';
import { packChunks, unpackResult, type DecodeOutcome, type DecodeTask, type DecodeTaskResult } from './decode-batch';
import { DecodeQueueFullError } from './errors';
import type { ReaderMetrics } from './reader-metrics';

export interface DecodePoolOptions {
  readonly entry: WorkerEntry;
  /** Worker threads. */
  readonly size: number;
  /** Tasks waiting for a worker before decode() refuses new ones. */
  readonly maxQueue: number;
  readonly logger: Logger;
  readonly metrics?: ReaderMetrics;
}

/**
 * Worker threads that decode chunks, with a bounded queue in front: the reader's event
 * loop stays free to serve calls while large reads decode on other cores. A full queue
 * refuses work (DecodeQueueFullError) rather than growing without bound.
 *
 * Shared fairly: one tenant may hold at most a quarter of the queue, so a tenant's heavy
 * reads are refused on their own share before they could fill it for everyone, and a free
 * worker takes the oldest task of the tenant with the fewest tasks in workers.
 */
export class DecodePool {
  private readonly pool: WorkerPool;

  constructor(options: DecodePoolOptions) {
    const { metrics, ...rest } = options;
    this.pool = new WorkerPool({
      ...rest,
      name: 'decode',
      tenantShare: Math.max(1, Math.ceil(options.maxQueue / 4)),
      refusal: ({ maxQueue, tenantShare }) => new DecodeQueueFullError(maxQueue, tenantShare),
      hooks: metrics && {
        refused: () => metrics.decodeRejected.inc(),
        queueDepth: (tasks) => metrics.decodeQueueDepth.set(tasks),
        completed: (seconds) => metrics.decodeTaskSeconds.observe(seconds),
      },
    });
  }

  get size(): number {
    return this.pool.size;
  }

  /** Starts every worker; rejects, naming the file, if one cannot load its code. */
  start(): Promise<void> {
    return this.pool.start();
  }

  /**
   * Decodes chunks in one worker; one outcome per chunk, in order. Once `signal` aborts,
   * a task still queued leaves the queue without being decoded, and the promise rejects
   * with the signal's reason (a task already in a worker finishes there, unused).
   */
  async decode(chunks: readonly Uint8Array[], signal?: AbortSignal, tenant = ''): Promise<DecodeOutcome[]> {
    const make = () => {
      const { bytes, ends } = packChunks(chunks);
      return { message: { bytes, ends } satisfies DecodeTask, transfer: [bytes] };
    };
    return unpackResult(await this.pool.run<DecodeTaskResult>(make, { tenant, signal }));
  }

  /** Refuses new work, fails queued tasks, and terminates the workers. */
  stop(): Promise<void> {
    return this.pool.stop();
  }
}
