import type { BlockRef } from '@strata/storage/cold';
import { WorkerPool, type Logger, type WorkerEntry } from '@strata/runtime';
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
    return builtOrThrow(runBlockTask(task));
  }
}

/**
 * Worker threads building blocks. The queue is unbounded: the archiver itself limits how
 * many tasks it submits (its concurrency), so it is at most that long.
 */
export class BlockPool implements BlockBuilder {
  private readonly pool: WorkerPool;

  constructor(options: { entry: WorkerEntry; size: number; logger: Logger }) {
    this.pool = new WorkerPool({ ...options, name: 'block' });
  }

  get size(): number {
    return this.pool.size;
  }

  start(): Promise<void> {
    return this.pool.start();
  }

  async build(task: BlockTask): Promise<BlockResult> {
    return builtOrThrow(await this.pool.run<BlockResult | BlockFailure>(() => ({ message: task, transfer: [task.buffer] })));
  }

  stop(): Promise<void> {
    return this.pool.stop();
  }
}

function builtOrThrow(result: BlockResult | BlockFailure): BlockResult {
  if (isBlockFailure(result)) throw new Error(`building a block failed: ${result.error}`);
  return result;
}
