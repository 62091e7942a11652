import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '@strata/runtime';
import { packChunks, unpackResult, type DecodeOutcome, type DecodeTaskResult } from './decode-batch';
import { DecodeQueueFullError } from './errors';
import type { ReaderMetrics } from './reader-metrics';

/** Where a worker's code is and how to start it. */
export interface WorkerEntry {
  readonly file: string;
  readonly execArgv: readonly string[];
}

/**
 * Finds `<name>.worker.js` beside a bundle (tools/build/build-app.mjs emits it next to
 * main.js), or else `<name>.worker.ts` in the sources, started through tsx's CommonJS
 * hook (jest and `tsx main.ts` run TypeScript that a bare worker could not load).
 */
export function workerEntry(dir: string, name: string): WorkerEntry {
  const bundled = join(dir, `${name}.worker.js`);
  if (existsSync(bundled)) return { file: bundled, execArgv: [] };
  const source = join(dir, `${name}.worker.ts`);
  if (existsSync(source)) return { file: source, execArgv: ['--require', require.resolve('tsx/cjs')] };
  throw new Error(`no ${name}.worker.js or ${name}.worker.ts in ${dir}`);
}

export interface DecodePoolOptions {
  readonly entry: WorkerEntry;
  /** Worker threads. */
  readonly size: number;
  /** Tasks waiting for a worker before decode() refuses new ones. */
  readonly maxQueue: number;
  readonly logger: Logger;
  readonly metrics?: ReaderMetrics;
}

interface Task {
  readonly id: number;
  /** Whose read it serves: the queue is shared fairly between tenants. */
  readonly tenant: string;
  readonly bytes: ArrayBuffer;
  readonly ends: number[];
  readonly queuedAt: bigint;
  resolve(outcomes: DecodeOutcome[]): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  task?: Task;
  lastError?: Error;
}

/**
 * A fixed set of worker threads that decode chunks, with a bounded queue in front: the
 * reader's event loop stays free to serve calls while large reads decode on other cores.
 * A full queue refuses work (DecodeQueueFullError) rather than growing without bound.
 * A worker that dies fails only its current task and is replaced.
 *
 * Shared fairly: one tenant may hold at most a quarter of the queue, so a tenant's heavy
 * reads are refused on their own share before they could fill it for everyone, and a free
 * worker takes the oldest task of the tenant with the fewest tasks in workers.
 */
export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  /** Tasks queued and in workers, per tenant. */
  private readonly queuedBy = new Map<string, number>();
  private readonly runningBy = new Map<string, number>();
  private nextId = 1;
  private stopping = false;

  constructor(private readonly options: DecodePoolOptions) {
    if (options.size < 1) throw new RangeError('a decode pool needs at least one worker');
  }

  get size(): number {
    return this.options.size;
  }

  /** Starts every worker; rejects, naming the file, if one cannot load its code. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.size }, () => this.spawn()));
    this.options.logger.info({ workers: this.options.size, file: this.options.entry.file }, 'decode workers started');
  }

  /**
   * Decodes chunks in one worker; one outcome per chunk, in order. Once `signal` aborts,
   * a task still queued leaves the queue without being decoded, and the promise rejects
   * with the signal's reason (a task already in a worker finishes there, unused).
   */
  decode(chunks: readonly Uint8Array[], signal?: AbortSignal, tenant = ''): Promise<DecodeOutcome[]> {
    if (this.stopping) return Promise.reject(new Error('the decode pool is stopping'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const idle = this.slots.some((s) => s.ready && !s.task);
    const share = Math.max(1, Math.ceil(this.options.maxQueue / 4));
    if (!idle && (this.queue.length >= this.options.maxQueue || (this.queuedBy.get(tenant) ?? 0) >= share)) {
      this.options.metrics?.decodeRejected.inc();
      return Promise.reject(new DecodeQueueFullError(this.options.maxQueue, share));
    }
    const { bytes, ends } = packChunks(chunks);
    return new Promise<DecodeOutcome[]>((resolve, reject) => {
      const onAbort = () => {
        const at = this.queue.indexOf(task);
        if (at >= 0) {
          this.queue.splice(at, 1);
          bump(this.queuedBy, task.tenant, -1);
          this.options.metrics?.decodeQueueDepth.set(this.queue.length);
        }
        reject(signal!.reason);
      };
      const settle = () => signal?.removeEventListener('abort', onAbort);
      const task: Task = {
        id: this.nextId++,
        tenant,
        bytes,
        ends,
        queuedAt: process.hrtime.bigint(),
        resolve: (outcomes) => {
          settle();
          resolve(outcomes);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(task);
      bump(this.queuedBy, tenant, 1);
      this.dispatch();
    });
  }

  /** Refuses new work, fails queued tasks, and terminates the workers. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('the decode pool stopped'));
    this.queuedBy.clear();
    this.options.metrics?.decodeQueueDepth.set(0);
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Promise<void> {
    const { file, execArgv } = this.options.entry;
    const worker = new Worker(file, { execArgv: [...execArgv] });
    const slot: Slot = { worker, ready: false };
    this.slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: DecodeTaskResult | { ready: true }) => {
        if ('ready' in message) {
          slot.ready = true;
          resolve();
          this.dispatch();
        } else {
          this.finish(slot, message);
        }
      });
      worker.on('error', (error) => {
        slot.lastError = error;
        this.options.logger.error({ err: error, file }, 'decode worker failed');
      });
      worker.on('exit', (code) => {
        this.slots.splice(this.slots.indexOf(slot), 1);
        const reason = slot.lastError ?? new Error(`decode worker exited with code ${code}`);
        if (slot.task) bump(this.runningBy, slot.task.tenant, -1);
        slot.task?.reject(new Error(`a decode worker died while decoding: ${reason.message}`));
        if (!slot.ready) {
          reject(new Error(`decode worker ${file} failed to start: ${reason.message}`));
          return;
        }
        if (!this.stopping) {
          this.options.logger.warn({ code }, 'replacing a decode worker that exited');
          this.spawn().catch((error: unknown) => this.options.logger.error({ err: error }, 'could not replace a decode worker'));
        }
      });
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (!slot.ready || slot.task) continue;
      const task = this.queue.splice(this.fairest(), 1)[0];
      bump(this.queuedBy, task.tenant, -1);
      bump(this.runningBy, task.tenant, 1);
      slot.task = task;
      slot.worker.postMessage({ id: task.id, bytes: task.bytes, ends: task.ends }, [task.bytes]);
    }
    this.options.metrics?.decodeQueueDepth.set(this.queue.length);
  }

  /** Index of the oldest queued task of the tenant with the fewest tasks in workers. */
  private fairest(): number {
    let best = 0;
    let fewest = Infinity;
    const seen = new Set<string>();
    for (let i = 0; i < this.queue.length && fewest > 0; i++) {
      const { tenant } = this.queue[i];
      if (seen.has(tenant)) continue;
      seen.add(tenant);
      const running = this.runningBy.get(tenant) ?? 0;
      if (running < fewest) {
        fewest = running;
        best = i;
      }
    }
    return best;
  }

  private finish(slot: Slot, result: DecodeTaskResult): void {
    const task = slot.task;
    slot.task = undefined;
    if (task) bump(this.runningBy, task.tenant, -1);
    if (task && task.id === result.id) {
      this.options.metrics?.decodeTaskSeconds.observe(Number(process.hrtime.bigint() - task.queuedAt) / 1e9);
      task.resolve(unpackResult(result));
    }
    this.dispatch();
  }
}

function bump(counts: Map<string, number>, tenant: string, by: number): void {
  const next = (counts.get(tenant) ?? 0) + by;
  if (next > 0) counts.set(tenant, next);
  else counts.delete(tenant);
}
