import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BlockRef } from '@strata/storage';
import type { Logger } from '@strata/runtime';
import type { ArchiverMetrics } from './archiver-metrics';
import { isBlockFailure, runBlockTask, type BlockFailure, type BlockResult, type BlockTask } from './block-task';

/** Builds blocks; `build` rejects with the builder's error message. */
export interface BlockBuilder {
  build(task: BlockTask): Promise<BlockResult>;
}

/** Builds one block of `shard`, timed under `kind`: its bytes and how a manifest refers to it. */
export async function buildBlock(
  builder: BlockBuilder,
  metrics: ArchiverMetrics,
  kind: 'day' | 'month',
  shard: number,
  task: BlockTask,
): Promise<{ bytes: Uint8Array; ref: BlockRef }> {
  const stop = metrics.blockBuildSeconds.startTimer({ kind });
  const result = await builder.build(task);
  stop();
  const { series, points, indexOffset, indexLength, hash } = result;
  return { bytes: new Uint8Array(result.bytes), ref: { shard, series, points, size: result.bytes.byteLength, indexOffset, indexLength, hash } };
}

/** Builds on the calling thread (STRATA_ARCHIVE_WORKERS=0, and unit tests). */
export class InlineBlockBuilder implements BlockBuilder {
  async build(task: BlockTask): Promise<BlockResult> {
    const result = runBlockTask(task);
    if (isBlockFailure(result)) throw new Error(`building a block failed: ${result.error}`);
    return result;
  }
}

/** Where a worker's code is and how to start it. */
export interface WorkerEntry {
  readonly file: string;
  readonly execArgv: readonly string[];
}

/**
 * `<name>.worker.js` beside the bundle (tools/build/build-app.mjs emits it next to
 * main.js), or else `<name>.worker.ts` in the sources started through tsx (jest, tsx).
 */
export function workerEntry(dir: string, name: string): WorkerEntry {
  const bundled = join(dir, `${name}.worker.js`);
  if (existsSync(bundled)) return { file: bundled, execArgv: [] };
  const source = join(dir, `${name}.worker.ts`);
  if (existsSync(source)) return { file: source, execArgv: ['--require', require.resolve('tsx/cjs')] };
  throw new Error(`no ${name}.worker.js or ${name}.worker.ts in ${dir}`);
}

interface Job {
  readonly task: BlockTask;
  resolve(result: BlockResult): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job?: Job;
  lastError?: Error;
}

/**
 * A fixed set of worker threads building blocks. Tasks queue without bound: the archiver
 * itself limits how many it submits (its concurrency), so the queue is at most that long.
 * A worker that dies fails its current task and is replaced.
 */
export class BlockPool implements BlockBuilder {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private stopping = false;

  constructor(private readonly options: { entry: WorkerEntry; size: number; logger: Logger }) {
    if (options.size < 1) throw new RangeError('a block pool needs at least one worker');
  }

  get size(): number {
    return this.options.size;
  }

  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.size }, () => this.spawn()));
    this.options.logger.info({ workers: this.options.size, file: this.options.entry.file }, 'block workers started');
  }

  build(task: BlockTask): Promise<BlockResult> {
    if (this.stopping) return Promise.reject(new Error('the block pool is stopping'));
    return new Promise<BlockResult>((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the block pool stopped'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Promise<void> {
    const { file, execArgv } = this.options.entry;
    const worker = new Worker(file, { execArgv: [...execArgv] });
    const slot: Slot = { worker, ready: false };
    this.slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: BlockResult | BlockFailure | { ready: true }) => {
        if ('ready' in message) {
          slot.ready = true;
          resolve();
        } else {
          const job = slot.job;
          slot.job = undefined;
          if (job) {
            if (isBlockFailure(message)) job.reject(new Error(`building a block failed: ${message.error}`));
            else job.resolve(message);
          }
        }
        this.dispatch();
      });
      worker.on('error', (error) => {
        slot.lastError = error;
        this.options.logger.error({ err: error, file }, 'block worker failed');
      });
      worker.on('exit', (code) => {
        this.slots.splice(this.slots.indexOf(slot), 1);
        const reason = slot.lastError ?? new Error(`block worker exited with code ${code}`);
        slot.job?.reject(new Error(`a block worker died while building: ${reason.message}`));
        if (!slot.ready) {
          reject(new Error(`block worker ${file} failed to start: ${reason.message}`));
          return;
        }
        if (!this.stopping) {
          this.options.logger.warn({ code }, 'replacing a block worker that exited');
          this.spawn().catch((error: unknown) => this.options.logger.error({ err: error }, 'could not replace a block worker'));
        }
      });
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (!slot.ready || slot.job) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.postMessage(job.task, [job.task.buffer]);
    }
  }
}
