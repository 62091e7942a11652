import { MAX_POINTS_PER_CHUNK } from './encoding';
import { InvalidChunkInputError } from './errors';

/** One sample. */
export interface ChunkPoint {
  /** Milliseconds since the epoch; a safe integer. */
  readonly timestampMs: number;
  readonly value: number;
}

/**
 * Points as two parallel columns. Prefer a Float64Array for `values`: its NaN payloads
 * reach the codec untouched, whereas a NaN kept in a plain array may already have been
 * canonicalised by the JavaScript engine.
 */
export interface ChunkColumns {
  readonly timestamps: Float64Array | readonly number[];
  readonly values: Float64Array | readonly number[];
}

export type ChunkInput = readonly ChunkPoint[] | ChunkColumns;

export interface NormalizedInput {
  readonly timestamps: Float64Array | readonly number[];
  readonly values: Float64Array;
}

/** Columns from either input shape, after checking the encoder's contract on timestamps. */
export function normalizeInput(input: ChunkInput): NormalizedInput {
  let timestamps: Float64Array | readonly number[];
  let values: Float64Array;
  if (isColumns(input)) {
    if (input.timestamps.length !== input.values.length) {
      throw new InvalidChunkInputError(
        'length-mismatch',
        `${input.timestamps.length} timestamps but ${input.values.length} values`,
      );
    }
    timestamps = input.timestamps;
    values = input.values instanceof Float64Array ? input.values : Float64Array.from(input.values);
  } else {
    const n = input.length;
    const ts = new Float64Array(n);
    values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      ts[i] = input[i].timestampMs;
      values[i] = input[i].value;
    }
    timestamps = ts;
  }
  checkTimestamps(timestamps);
  return { timestamps, values };
}

function isColumns(input: ChunkInput): input is ChunkColumns {
  return !Array.isArray(input);
}

function checkTimestamps(timestamps: ArrayLike<number>): void {
  const n = timestamps.length;
  if (n === 0) throw new InvalidChunkInputError('empty', 'a chunk holds at least one point');
  if (n > MAX_POINTS_PER_CHUNK) {
    throw new InvalidChunkInputError('too-many-points', `${n} points, at most ${MAX_POINTS_PER_CHUNK} per chunk`);
  }
  let prev = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = timestamps[i];
    if (!Number.isSafeInteger(t)) {
      throw new InvalidChunkInputError('timestamp-not-integer', `timestamp ${t} at index ${i} is not a safe integer`, {
        pointIndex: i,
        timestampMs: t,
      });
    }
    if (t <= prev) {
      const what = t === prev ? 'duplicates' : 'is before';
      throw new InvalidChunkInputError(
        'timestamps-not-increasing',
        `timestamp ${t} at index ${i} ${what} the previous one (${prev}); sort and dedupe before encoding`,
        { pointIndex: i, timestampMs: t },
      );
    }
    prev = t;
  }
  const span = timestamps[n - 1] - timestamps[0];
  if (span > Number.MAX_SAFE_INTEGER) {
    throw new InvalidChunkInputError(
      'span-too-large',
      `first and last timestamps are ${span} ms apart, above 2^53 - 1`,
    );
  }
}
