import type { BitReader } from './bit-reader';
import type { BitWriter } from './bit-writer';
import { ChunkEncoding, MAX_POINTS_PER_CHUNK, isChunkEncoding } from './encoding';
import { CodecError } from './errors';
import { readSvarint, readUvarint, writeSvarint, writeUvarint } from './varint';

/** What a chunk's first bytes say about it; readable without decoding the points. */
export interface ChunkInfo {
  readonly encoding: ChunkEncoding;
  /** Number of points, at least 1. */
  readonly count: number;
  /** Timestamp of the first (earliest) point, ms since the epoch. */
  readonly minTimestampMs: number;
  /** Timestamp of the last (latest) point; equal to `minTimestampMs` when `count` is 1. */
  readonly maxTimestampMs: number;
  /** Size of the whole chunk, checksum included. */
  readonly byteLength: number;
}

/** Common header: encoding u8, count uvarint, first timestamp svarint, span uvarint. */
export function writeHeader(
  w: BitWriter,
  encoding: ChunkEncoding,
  count: number,
  firstMs: number,
  lastMs: number,
): void {
  w.writeByte(encoding);
  writeUvarint(w, count);
  writeSvarint(w, firstMs);
  writeUvarint(w, lastMs - firstMs);
}

export function readHeader(r: BitReader, byteLength: number): ChunkInfo {
  const encoding = r.readByte();
  if (!isChunkEncoding(encoding)) {
    throw new CodecError('unknown-encoding', `encoding byte ${encoding}`, { byteLength, bitOffset: 0 });
  }
  const count = readUvarint(r);
  if (count < 1 || count > MAX_POINTS_PER_CHUNK) {
    throw r.malformed(`point count ${count} outside 1..${MAX_POINTS_PER_CHUNK}`);
  }
  const minTimestampMs = readSvarint(r);
  const span = readUvarint(r);
  const maxTimestampMs = minTimestampMs + span;
  if (!Number.isSafeInteger(maxTimestampMs)) {
    throw r.malformed(`last timestamp ${maxTimestampMs} is not a safe integer`);
  }
  if (count === 1 && span !== 0) throw r.malformed(`one point but a span of ${span} ms`);
  if (span < count - 1) throw r.malformed(`${count} distinct timestamps cannot fit in a span of ${span} ms`);
  return { encoding, count, minTimestampMs, maxTimestampMs, byteLength };
}
