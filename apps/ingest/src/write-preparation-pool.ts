import { WorkerPool, type Logger, type WorkerEntry } from '@strata/runtime';
import type { IngestMetrics } from './ingest-metrics';
import { unpackPreparation, type PackedPreparation, type Preparation, type PreparationSettings, type PreparationTask } from './write-preparation';

export interface WritePreparationPoolOptions {
  readonly entry: WorkerEntry;
  /** Worker threads. */
  readonly size: number;
  /** Bodies of at least this many bytes are prepared in a worker; smaller ones inline. */
  readonly minBytes: number;
  readonly logger: Logger;
  readonly metrics: IngestMetrics;
}

/**
 * Worker threads that prepare large Write bodies (write-preparation.ts), so that a tenant
 * sending 100,000-point bodies does not hold the event loop that answers everyone else.
 *
 * A free worker takes the oldest body of the tenant with the fewest bodies in workers, so
 * a tenant's burst queues behind its own bodies. The queue needs no bound of its own: a
 * queued body still holds its bytes in the front door's bytes-in-flight budget, so the
 * budget (and each tenant's share of it) refuses new bodies before the queue could grow.
 */
export class WritePreparationPool {
  private readonly pool: WorkerPool;

  constructor(private readonly options: WritePreparationPoolOptions) {
    const { metrics } = options;
    this.pool = new WorkerPool({
      ...options,
      name: 'write-preparation',
      hooks: {
        queueDepth: (tasks) => metrics.preparationQueueDepth.set(tasks),
        completed: (seconds) => metrics.preparationSeconds.observe(seconds),
      },
    });
  }

  /** True when a body of `bytes` is worth its trip to a worker. */
  takes(bytes: number): boolean {
    return bytes >= this.options.minBytes;
  }

  start(): Promise<void> {
    return this.pool.start();
  }

  /** Prepares `body` in a worker; `body` itself is left as it is (a copy travels). */
  async prepare(body: Buffer, settings: PreparationSettings): Promise<Preparation> {
    const make = () => {
      // The body may be a view on a larger buffer that grpc-js still uses, so its bytes
      // are copied into a buffer of their own that can be moved to the worker.
      const own = new Uint8Array(body.byteLength);
      own.set(body);
      return { message: { body: own.buffer, settings } satisfies PreparationTask, transfer: [own.buffer] };
    };
    return unpackPreparation(await this.pool.run<PackedPreparation>(make, { tenant: settings.tenant }));
  }

  stop(): Promise<void> {
    return this.pool.stop();
  }
}
