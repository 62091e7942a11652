import { BitReader } from './bit-reader';
import { BitWriter } from './bit-writer';
import { crc32 } from './crc32';
import {
  type DecimalPlan,
  decimalValueBits,
  planDecimal,
  readDecimalParams,
  readDecimalValues,
  writeDecimalBits,
  writeDecimalParams,
} from './decimal';
import type { DeltaPlan } from './delta-stream';
import { CHECKSUM_BYTES, ChunkEncoding } from './encoding';
import { CodecError, InvalidChunkInputError } from './errors';
import { float64Words } from './float-bits';
import { readXorValues, writeXorValues, xorValueBits } from './gorilla';
import { type ChunkInfo, readHeader, writeHeader } from './header';
import { type ChunkInput, type ChunkPoint, normalizeInput } from './chunk-input';
import { svarintLength, uvarintLength, writeSvarint } from './varint';
import {
  planTimestamps,
  readTimestampParams,
  readTimestamps,
  writeTimestampBits,
  writeTimestampParams,
} from './timestamps';

// Layout (docs/chunk-format.md): header bytes (common header, timestamp stream parameters,
// value parameters), then one bitstream (timestamp gaps, then values), zero-padded to a
// byte, then CRC32 of everything before it, little-endian.

export interface EncodeOptions {
  /**
   * Force an encoding. `ChunkEncoding.Decimal` throws `InvalidChunkInputError` when a value is
   * not an exact short decimal.
   * @default the smaller of the applicable encodings: Decimal when every value is an exact
   * decimal (at most 15 fractional digits) and that is no larger than Xor, else Xor
   */
  readonly encoding?: ChunkEncoding;
}

/** A decoded chunk, columnar: point i is (timestamps[i], values[i]). Arrays are the caller's. */
export interface DecodedChunk {
  readonly encoding: ChunkEncoding;
  /** Strictly increasing safe integers, ms since the epoch. */
  readonly timestamps: Float64Array;
  /** Bit-identical to the values encoded (including -0 and NaN payloads). */
  readonly values: Float64Array;
}

export interface ChunkInfoOptions {
  /**
   * Check the CRC32 before trusting the header. Costs one pass over the bytes (about a
   * microsecond for a 2-hour chunk).
   * @default true
   */
  readonly verifyChecksum?: boolean;
}

/**
 * Encodes one series' points for one window. Pure; the returned bytes are the caller's.
 *
 * Contract: 1..MAX_POINTS_PER_CHUNK points; timestamps are safe integers, strictly
 * increasing (sorted, no duplicates); any float64 values. Breaking it throws
 * `InvalidChunkInputError` naming the point.
 */
export function encodeChunk(input: ChunkInput, options: EncodeOptions = {}): Uint8Array {
  const { timestamps, values } = normalizeInput(input);
  const n = values.length;
  const timePlan = planTimestamps(timestamps);
  const forced = options.encoding;

  const decimal = forced === ChunkEncoding.Xor ? undefined : planDecimal(values);
  if (forced === ChunkEncoding.Decimal && decimal === undefined) {
    throw new InvalidChunkInputError(
      'encoding-not-applicable',
      'a value is not an exact decimal; use ChunkEncoding.Xor',
    );
  }
  // Both encodings share the header and the timestamps, so comparing what each adds for
  // the values (exactly, in bits) picks the smaller chunk; a tie goes to Decimal.
  const words = float64Words(values);
  const useDecimal = decimal !== undefined && (forced === ChunkEncoding.Decimal || decimalValueBits(decimal) <= xorValueBits(words, n));
  return useDecimal
    ? writeChunk(ChunkEncoding.Decimal, timestamps, values, timePlan, decimal)
    : writeChunk(ChunkEncoding.Xor, timestamps, values, timePlan, undefined, words);
}

function writeChunk(
  encoding: ChunkEncoding,
  timestamps: ArrayLike<number>,
  values: Float64Array,
  timePlan: DeltaPlan | undefined,
  decimal: DecimalPlan | undefined,
  words?: Uint32Array,
): Uint8Array {
  const n = values.length;
  // Small chunks (an open window's packed field of a few points: one per series per record)
  // share one writer; only the result is allocated. Large ones get their own.
  const w = n <= SHARED_WRITER_POINTS ? sharedWriter.reset() : new BitWriter(32 + n * (encoding === ChunkEncoding.Xor ? 4 : 2));
  writeHeader(w, encoding, n, timestamps[0], timestamps[n - 1]);
  if (timePlan) writeTimestampParams(w, timePlan);
  if (decimal) writeDecimalParams(w, decimal);
  if (timePlan) writeTimestampBits(w, timePlan);
  if (decimal) writeDecimalBits(w, decimal);
  else writeXorValues(w, words ?? float64Words(values), n);
  const body = w.finish();
  const out = new Uint8Array(body.length + CHECKSUM_BYTES);
  out.set(body);
  const crc = crc32(body);
  // Little-endian, without a DataView per chunk.
  out[body.length] = crc & 0xff;
  out[body.length + 1] = (crc >>> 8) & 0xff;
  out[body.length + 2] = (crc >>> 16) & 0xff;
  out[body.length + 3] = crc >>> 24;
  return out;
}

/** Points up to which a chunk is written with the shared writer. */
const SHARED_WRITER_POINTS = 256;
const sharedWriter = new BitWriter(32 + SHARED_WRITER_POINTS * 4);

/**
 * Decodes a chunk written by `encodeChunk`. Throws `CodecError` for anything else —
 * truncated, bit-flipped, forged or unknown-encoding bytes — and never returns points the
 * checksum and the structure do not both vouch for.
 */
export function decodeChunk(bytes: Uint8Array): DecodedChunk {
  verifyChecksum(bytes);
  const r = new BitReader(bytes, 0, bytes.length - CHECKSUM_BYTES);
  const info = readHeader(r, bytes.length);
  const n = info.count;
  const timeParams = readTimestampParams(r, info);
  const decimalParams = info.encoding === ChunkEncoding.Decimal ? readDecimalParams(r, n) : undefined;
  const timestamps = readTimestamps(r, timeParams, info);
  let values: Float64Array;
  if (decimalParams) {
    values = readDecimalValues(r, decimalParams, n);
  } else {
    values = new Float64Array(n);
    readXorValues(r, float64Words(values), n);
  }
  r.alignToByte();
  if (r.bitsRemaining !== 0) throw r.malformed(`${r.bitsRemaining / 8} bytes after the last point`);
  return { encoding: info.encoding, timestamps, values };
}

/** The header of a chunk — encoding, count, first and last timestamp — without decoding points. */
export function chunkInfo(bytes: Uint8Array, options: ChunkInfoOptions = {}): ChunkInfo {
  if (options.verifyChecksum ?? true) verifyChecksum(bytes);
  else if (bytes.length <= CHECKSUM_BYTES) throw tooShort(bytes);
  return readHeader(new BitReader(bytes, 0, bytes.length - CHECKSUM_BYTES), bytes.length);
}

/**
 * The chunk `bytes` with every timestamp counted from `originMs` (each one minus
 * `originMs`), after `reserve` bytes left for the caller's own prefix. Only the header's
 * first timestamp and the checksum change: the header is whole bytes and the bitstream
 * after it holds gaps, not timestamps, so it is copied as it is. Checks the header, and the
 * checksum unless `verifyChecksum` is false (the caller checked it, as chunkInfo does);
 * bytes that are not a chunk throw CodecError.
 */
export function rebaseChunk(bytes: Uint8Array, originMs: number, reserve = 0, options: ChunkInfoOptions = {}): Uint8Array {
  if (options.verifyChecksum ?? true) verifyChecksum(bytes);
  else if (bytes.length <= CHECKSUM_BYTES) throw tooShort(bytes);
  const end = bytes.length - CHECKSUM_BYTES;
  // The common header is at most 25 bytes (a byte and three 8-byte varints).
  const info = readHeader(new BitReader(bytes, 0, Math.min(end, 25)), bytes.length);
  const firstAt = 1 + uvarintLength(info.count);
  const firstEnd = firstAt + svarintLength(info.minTimestampMs);
  const first = info.minTimestampMs - originMs;
  if (!Number.isSafeInteger(first)) throw new InvalidChunkInputError('timestamp-not-integer', `origin ${originMs} is not a safe integer distance from ${info.minTimestampMs}`);
  const firstBytes = svarintLength(first);
  const bodyEnd = reserve + firstAt + firstBytes + (end - firstEnd);
  const out = new Uint8Array(bodyEnd + CHECKSUM_BYTES);
  out.set(bytes.subarray(0, firstAt), reserve);
  const w = sharedWriter.reset();
  writeSvarint(w, first);
  out.set(w.finish(), reserve + firstAt);
  out.set(bytes.subarray(firstEnd, end), reserve + firstAt + firstBytes);
  const crc = crc32(out, reserve, bodyEnd);
  out[bodyEnd] = crc & 0xff;
  out[bodyEnd + 1] = (crc >>> 8) & 0xff;
  out[bodyEnd + 2] = (crc >>> 16) & 0xff;
  out[bodyEnd + 3] = crc >>> 24;
  return out;
}

/** A chunk's points as objects, in time order (decodeChunk's columns, zipped). */
export function decodeChunkPoints(bytes: Uint8Array): ChunkPoint[] {
  const { timestamps, values } = decodeChunk(bytes);
  const points: ChunkPoint[] = new Array(timestamps.length);
  for (let i = 0; i < timestamps.length; i++) points[i] = { timestampMs: timestamps[i], value: values[i] };
  return points;
}

/** Decodes a chunk and yields its points in time order. */
export function* iterateChunk(bytes: Uint8Array): Generator<ChunkPoint, void, undefined> {
  const { timestamps, values } = decodeChunk(bytes);
  for (let i = 0; i < timestamps.length; i++) yield { timestampMs: timestamps[i], value: values[i] };
}

function verifyChecksum(bytes: Uint8Array): void {
  if (bytes.length <= CHECKSUM_BYTES) throw tooShort(bytes);
  const end = bytes.length - CHECKSUM_BYTES;
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(end, true);
  const actual = crc32(bytes, 0, end);
  if (stored !== actual) {
    throw new CodecError(
      'checksum-mismatch',
      `stored CRC32 ${hex32(stored)}, computed ${hex32(actual)} (corrupt or truncated)`,
      { byteLength: bytes.length },
    );
  }
}

function tooShort(bytes: Uint8Array): CodecError {
  return new CodecError('truncated', 'too short to hold a header and checksum', { byteLength: bytes.length });
}

function hex32(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}
