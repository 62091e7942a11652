import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type TransferListItem } from 'node:worker_threads';
import type { Logger } from './logger';

/** Where a worker's code is and how to start it. */
export interface WorkerEntry {
  readonly file: string;
  readonly execArgv: readonly string[];
}

/**
 * Finds `<name>.worker.js` beside a bundle (tools/build/build-app.mjs emits every
 * `src/**\/<name>.worker.ts` of an app next to its main.js), or else `<name>.worker.ts` in
 * the sources, started through tsx's CommonJS hook (jest and `tsx main.ts` run TypeScript
 * that a bare worker could not load). `dir` is the calling app's `__dirname`, which is the
 * bundle's folder in dist and the source folder under tsx.
 */
export function workerEntry(dir: string, name: string): WorkerEntry {
  const bundled = join(dir, `${name}.worker.js`);
  if (existsSync(bundled)) return { file: bundled, execArgv: [] };
  const source = join(dir, `${name}.worker.ts`);
  if (existsSync(source)) return { file: source, execArgv: ['--require', require.resolve('tsx/cjs')] };
  throw new Error(`no ${name}.worker.js or ${name}.worker.ts in ${dir}`);
}

/** What an operator would ask of a pool; every hook is optional. */
export interface WorkerPoolHooks {
  /** Tasks waiting for a worker, after every change. */
  queueDepth?(tasks: number): void;
  /** A task refused because the queue, or its tenant's share of it, was full. */
  refused?(): void;
  /** Seconds from submission to result of a task that completed. */
  completed?(seconds: number): void;
}

export interface WorkerPoolOptions {
  readonly entry: WorkerEntry;
  /** Worker threads. */
  readonly size: number;
  /** Names the workers in logs and errors: "decode" gives "decode worker ...". */
  readonly name: string;
  readonly logger: Logger;
  /**
   * Tasks waiting for a worker before run() refuses new ones.
   * @default Infinity (for callers that bound what they submit themselves)
   */
  readonly maxQueue?: number;
  /**
   * Tasks one tenant may have waiting, so that one tenant is refused on its own share
   * before it could fill the queue for everyone.
   * @default maxQueue
   */
  readonly tenantShare?: number;
  /** The error a refused task rejects with. @default an Error naming both limits */
  readonly refusal?: (limits: { maxQueue: number; tenantShare: number }) => Error;
  readonly hooks?: WorkerPoolHooks;
}

/** One task's message; the buffers in `transfer` move to the worker instead of being copied. */
export interface WorkerTask {
  readonly message: unknown;
  readonly transfer?: readonly TransferListItem[];
}

export interface WorkerTaskOptions {
  /** Whose work it is: a free worker goes to the tenant with the fewest tasks in workers. */
  readonly tenant?: string;
  /**
   * Once it aborts, a task still queued leaves the queue without running and the promise
   * rejects with the signal's reason; a task already in a worker finishes there, unused.
   */
  readonly signal?: AbortSignal;
}

interface Task {
  readonly message: unknown;
  readonly transfer: readonly TransferListItem[];
  readonly tenant: string;
  readonly queuedAt: bigint;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  task?: Task;
  lastError?: Error;
}

/**
 * A fixed set of worker threads, each running one task at a time, with a queue in front.
 *
 * The protocol with a worker script: its first message says it loaded (any value; a worker
 * that cannot load its code fails start() instead of the first task), then it answers each
 * posted task with exactly one message, which run() resolves with as it is. What a result
 * means (a failure reported in it, say) is the caller's to interpret.
 *
 * A worker that dies fails only its current task and is replaced. A full queue refuses
 * work rather than growing without bound, and a free worker takes the oldest task of the
 * tenant with the fewest tasks already in workers, so one tenant's burst waits behind its
 * own tasks, not in front of everyone's.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly queuedBy = new Map<string, number>();
  private readonly runningBy = new Map<string, number>();
  private readonly maxQueue: number;
  private readonly tenantShare: number;
  private stopping = false;

  constructor(private readonly options: WorkerPoolOptions) {
    if (options.size < 1) throw new RangeError(`a ${options.name} worker pool needs at least one worker`);
    this.maxQueue = options.maxQueue ?? Infinity;
    this.tenantShare = options.tenantShare ?? this.maxQueue;
  }

  get size(): number {
    return this.options.size;
  }

  /** Starts every worker; rejects, naming the file, if one cannot load its code. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.size }, () => this.spawn()));
    this.options.logger.info({ workers: this.options.size, file: this.options.entry.file }, `${this.options.name} workers started`);
  }

  /**
   * Posts a task to a free worker (queued until one is) and resolves with its answer. The
   * task is made by `make` only once it is admitted, so a refused one costs no packing.
   */
  run<R>(make: () => WorkerTask, options: WorkerTaskOptions = {}): Promise<R> {
    const { signal, tenant = '' } = options;
    if (this.stopping) return Promise.reject(new Error(`the ${this.options.name} worker pool is stopping`));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const idle = this.slots.some((s) => s.ready && !s.task);
    if (!idle && (this.queue.length >= this.maxQueue || (this.queuedBy.get(tenant) ?? 0) >= this.tenantShare)) {
      this.options.hooks?.refused?.();
      return Promise.reject(this.refusal());
    }
    const { message, transfer = [] } = make();
    return new Promise<R>((resolve, reject) => {
      const onAbort = () => {
        const at = this.queue.indexOf(task);
        if (at >= 0) {
          this.queue.splice(at, 1);
          bump(this.queuedBy, tenant, -1);
          this.options.hooks?.queueDepth?.(this.queue.length);
        }
        reject(signal!.reason);
      };
      const settle = () => signal?.removeEventListener('abort', onAbort);
      const task: Task = {
        message,
        transfer,
        tenant,
        queuedAt: process.hrtime.bigint(),
        resolve: (result) => {
          settle();
          resolve(result as R);
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
    for (const task of this.queue.splice(0)) task.reject(new Error(`the ${this.options.name} worker pool stopped`));
    this.queuedBy.clear();
    this.options.hooks?.queueDepth?.(0);
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private refusal(): Error {
    const limits = { maxQueue: this.maxQueue, tenantShare: this.tenantShare };
    return (
      this.options.refusal?.(limits) ??
      new Error(`the ${this.options.name} worker queue is full (${limits.maxQueue} tasks, at most ${limits.tenantShare} of one tenant's)`)
    );
  }

  private spawn(): Promise<void> {
    const { entry, name, logger } = this.options;
    const worker = new Worker(entry.file, { execArgv: [...entry.execArgv] });
    const slot: Slot = { worker, ready: false };
    this.slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: unknown) => {
        if (slot.ready) {
          this.finish(slot, message);
          return;
        }
        slot.ready = true;
        resolve();
        this.dispatch();
      });
      worker.on('error', (error) => {
        slot.lastError = error;
        logger.error({ err: error, file: entry.file }, `${name} worker failed`);
      });
      worker.on('exit', (code) => {
        this.slots.splice(this.slots.indexOf(slot), 1);
        const reason = slot.lastError ?? new Error(`${name} worker exited with code ${code}`);
        if (slot.task) {
          bump(this.runningBy, slot.task.tenant, -1);
          slot.task.reject(new Error(`a ${name} worker died during its task: ${reason.message}`));
        }
        if (!slot.ready) {
          reject(new Error(`${name} worker ${entry.file} failed to start: ${reason.message}`));
          return;
        }
        if (!this.stopping) {
          logger.warn({ code }, `replacing a ${name} worker that exited`);
          this.spawn().catch((error: unknown) => logger.error({ err: error }, `could not replace a ${name} worker`));
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
      slot.worker.postMessage(task.message, task.transfer);
    }
    this.options.hooks?.queueDepth?.(this.queue.length);
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

  private finish(slot: Slot, result: unknown): void {
    const task = slot.task;
    slot.task = undefined;
    if (task) {
      bump(this.runningBy, task.tenant, -1);
      this.options.hooks?.completed?.(Number(process.hrtime.bigint() - task.queuedAt) / 1e9);
      task.resolve(result);
    }
    this.dispatch();
  }
}

function bump(counts: Map<string, number>, tenant: string, by: number): void {
  const next = (counts.get(tenant) ?? 0) + by;
  if (next > 0) counts.set(tenant, next);
  else counts.delete(tenant);
}
