import { decodeInline, type DecodeOutcome } from './decode-batch';
import type { DecodePool } from './decode-pool';
import type { ReaderMetrics } from './reader-metrics';

/**
 * Decodes the chunks of one series read; one outcome per chunk, in order. Once `signal`
 * aborts, no further decoding starts and the promise rejects with its reason.
 */
export interface ChunkDecoder {
  /** `tenant`: whose read it is, for the pool's fair share. */
  decodeAll(chunks: readonly Uint8Array[], signal?: AbortSignal, tenant?: string): Promise<DecodeOutcome[]>;
}

/** Fewest chunks worth a trip to a worker: below this, posting costs more than decoding. */
const MIN_CHUNKS_PER_TASK = 16;

/**
 * Chunks that add up to at most this many bytes decode inline however many they are (a day
 * of one-minute windows is 1,440 chunks of a point or two): about 25,000 points of a
 * two-decimal gauge, a fraction of a millisecond, less than posting them to a worker.
 */
export const DEFAULT_INLINE_MAX_BYTES = 32 * 1024;

/**
 * Decodes small reads inline (a few 2-hour chunks take microseconds, less than a
 * message to a worker) and large ones in the worker pool, split across its workers so
 * one long series uses every core. A read is small with at most `inlineMaxChunks` chunks
 * or at most `inlineMaxBytes` bytes of them; without a pool everything decodes inline.
 */
export class ChunkDecoderSwitch implements ChunkDecoder {
  constructor(
    private readonly pool: Pick<DecodePool, 'decode' | 'size'> | undefined,
    private readonly inlineMaxChunks: number,
    private readonly metrics?: ReaderMetrics,
    private readonly inlineMaxBytes = DEFAULT_INLINE_MAX_BYTES,
  ) {}

  async decodeAll(chunks: readonly Uint8Array[], signal?: AbortSignal, tenant?: string): Promise<DecodeOutcome[]> {
    if (chunks.length === 0) return [];
    signal?.throwIfAborted();
    if (!this.pool || chunks.length <= this.inlineMaxChunks || totalBytes(chunks, this.inlineMaxBytes) <= this.inlineMaxBytes) {
      this.metrics?.chunksDecoded.inc({ where: 'inline' }, chunks.length);
      return decodeInline(chunks);
    }
    const perTask = Math.max(MIN_CHUNKS_PER_TASK, Math.ceil(chunks.length / this.pool.size));
    const tasks: Array<Promise<DecodeOutcome[]>> = [];
    for (let i = 0; i < chunks.length; i += perTask) tasks.push(this.pool.decode(chunks.slice(i, i + perTask), signal, tenant));
    const outcomes = (await Promise.all(tasks)).flat();
    this.metrics?.chunksDecoded.inc({ where: 'worker' }, chunks.length);
    return outcomes;
  }
}

/** The chunks' bytes, counted only until past `limit`. */
function totalBytes(chunks: readonly Uint8Array[], limit: number): number {
  let total = 0;
  for (let i = 0; i < chunks.length && total <= limit; i++) total += chunks[i].length;
  return total;
}
