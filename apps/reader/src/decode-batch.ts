import type { SortedColumns } from '@strata/storage';
import { decodeChunk } from '@strata/storage/codec';

/**
 * The message format between the reader and its decode workers, and the decoding both
 * sides share. Chunks travel packed into one ArrayBuffer that is transferred, not copied
 * (a Uint8Array from a socket is often a view on a larger pooled buffer, which structured
 * cloning would copy whole); decoded points come back as two transferred Float64Arrays.
 */

/** A chunk that did not decode; the message says why (checksum, truncation...). */
export interface DecodeFailure {
  readonly error: string;
}

export type DecodeOutcome = SortedColumns | DecodeFailure;

export function isDecodeFailure(outcome: DecodeOutcome): outcome is DecodeFailure {
  return 'error' in outcome;
}

export interface DecodeTask {
  readonly bytes: ArrayBuffer;
  /** End offset of each chunk in `bytes`; chunk i is [ends[i-1] ?? 0, ends[i]). */
  readonly ends: readonly number[];
}

export interface DecodeTaskResult {
  /** Points of each chunk, or -1 when it failed (its message is in `errors`). */
  readonly counts: readonly number[];
  readonly errors: ReadonlyArray<string | null>;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

export function packChunks(chunks: readonly Uint8Array[]): { bytes: ArrayBuffer; ends: number[] } {
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const bytes = new ArrayBuffer(total);
  const view = new Uint8Array(bytes);
  const ends: number[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    view.set(chunk, offset);
    offset += chunk.byteLength;
    ends.push(offset);
  }
  return { bytes, ends };
}

/** Decodes every chunk of a task; a chunk that fails does not stop the others. */
export function decodeTask(task: DecodeTask): DecodeTaskResult {
  const decoded = decodeInline(task.ends.map((end, i) => new Uint8Array(task.bytes, task.ends[i - 1] ?? 0, end - (task.ends[i - 1] ?? 0))));
  const total = decoded.reduce((n, d) => n + (isDecodeFailure(d) ? 0 : d.timestamps.length), 0);
  const timestamps = new Float64Array(total);
  const values = new Float64Array(total);
  let offset = 0;
  const counts: number[] = [];
  const errors: Array<string | null> = [];
  for (const d of decoded) {
    if (isDecodeFailure(d)) {
      counts.push(-1);
      errors.push(d.error);
      continue;
    }
    timestamps.set(d.timestamps, offset);
    values.set(d.values, offset);
    offset += d.timestamps.length;
    counts.push(d.timestamps.length);
    errors.push(null);
  }
  return { counts, errors, timestamps, values };
}

/** Splits a task result back into one outcome per chunk (views on the transferred arrays). */
export function unpackResult(result: DecodeTaskResult): DecodeOutcome[] {
  let offset = 0;
  return result.counts.map((count, i) => {
    if (count < 0) return { error: result.errors[i] ?? 'decode failed' };
    const outcome = { timestamps: result.timestamps.subarray(offset, offset + count), values: result.values.subarray(offset, offset + count) };
    offset += count;
    return outcome;
  });
}

export function decodeInline(chunks: readonly Uint8Array[]): DecodeOutcome[] {
  return chunks.map((chunk) => {
    try {
      const { timestamps, values } = decodeChunk(chunk);
      return { timestamps, values };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  });
}
