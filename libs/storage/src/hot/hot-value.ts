import { decodePointOffsets, encodePointOffsets, NO_POINT_OFFSETS } from './seal-offsets';

/**
 * Byte formats of the hot tier's values, and the one rule that orders two writes of a
 * point (docs/write-path.md, "Log order in the hot tier"). Pure: no I/O.
 *
 * A point's identity is (series, timestamp) and the last write in log order wins. A series
 * lives in one Kafka partition, so the record offset orders its writes. Redis therefore
 * keeps, next to each unsealed value, the offset of the record that wrote it, and next to
 * each sealed window the highest record offset its points came from.
 */

/**
 * Open/sealing hash value: float64 big-endian, then the record offset as an unsigned
 * big-endian integer in as few bytes as it needs (1 to 7). A value of exactly 8 bytes was
 * written before offsets were kept (offset unknown).
 */
export function encodeHotValue(value: number, offset: number | undefined): Buffer {
  if (offset === undefined) {
    const legacy = Buffer.allocUnsafe(8);
    legacy.writeDoubleBE(value, 0);
    return legacy;
  }
  const width = offsetWidth(offset);
  const buffer = Buffer.allocUnsafe(8 + width);
  buffer.writeDoubleBE(value, 0);
  writeOffset(buffer, 8, width, offset);
  return buffer;
}

export interface HotValue {
  readonly value: number;
  /** Offset of the record that wrote the value; undefined for values written before offsets were kept. */
  readonly offset: number | undefined;
}

export function decodeHotValue(bytes: Buffer): HotValue {
  if (bytes.length < 8 || bytes.length > 15) {
    throw new RangeError(`hot value of ${bytes.length} bytes; expected 8 (float64) or 9..15 (float64 + offset)`);
  }
  return { value: bytes.readDoubleBE(0), offset: bytes.length === 8 ? undefined : readOffset(bytes, 8, bytes.length - 8) };
}

// Buffer's readUIntBE/writeUIntBE stop at 6 bytes; safe integers need 7.
function writeOffset(out: Uint8Array, at: number, width: number, offset: number): void {
  let rest = offset;
  for (let i = width - 1; i >= 0; i--) {
    out[at + i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
}

function readOffset(bytes: Uint8Array, at: number, width: number): number {
  let offset = 0;
  for (let i = 0; i < width; i++) offset = offset * 256 + bytes[at + i];
  return offset;
}

/** Bytes a record offset takes in a hash value; Kafka offsets are non-negative. */
function offsetWidth(offset: number): number {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`record offset ${offset} is not a non-negative safe integer`);
  let width = 1;
  while (width < 7 && offset >= 2 ** (8 * width)) width++;
  return width;
}

/**
 * First byte of a packed copy (`c`) that carries a seal offset, and of one that also
 * carries per-point offsets. Chunk-codec bytes start with their encoding (1 or 2,
 * docs/chunk-format.md), so a packed copy written before seal offsets were kept is told
 * apart by its first byte.
 */
const PACKED_WITH_OFFSET = 0xf0;
const PACKED_WITH_POINT_OFFSETS = 0xf1;

export interface PackedHot {
  /** Chunk-codec bytes of the sealed window. */
  readonly chunk: Uint8Array;
  /** The seal's base offset; undefined for legacy copies. */
  readonly sealOffset: number | undefined;
  /** Sealed points with an offset of their own (seal-offsets.ts); empty for most seals. */
  readonly pointOffsets: ReadonlyMap<number, number>;
}

/**
 * Packed copy: 0xF0, width u8 (1..7), seal offset big-endian in `width` bytes, chunk bytes;
 * or, with per-point offsets, 0xF1, the same width and offset, the per-point offsets
 * (seal-offsets.ts), chunk bytes.
 */
export function encodePackedHot(chunk: Uint8Array, sealOffset: number | undefined, pointOffsets: ReadonlyMap<number, number> = NO_POINT_OFFSETS): Buffer {
  if (sealOffset === undefined) {
    if (pointOffsets.size > 0) throw new RangeError('per-point seal offsets need a base seal offset');
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  const width = offsetWidth(sealOffset);
  const points = pointOffsets.size > 0 ? encodePointOffsets(pointOffsets, sealOffset) : new Uint8Array(0);
  const out = Buffer.allocUnsafe(2 + width + points.length + chunk.byteLength);
  out[0] = points.length > 0 ? PACKED_WITH_POINT_OFFSETS : PACKED_WITH_OFFSET;
  out[1] = width;
  writeOffset(out, 2, width, sealOffset);
  out.set(points, 2 + width);
  out.set(chunk, 2 + width + points.length);
  return out;
}

export function decodePackedHot(bytes: Uint8Array): PackedHot {
  const kind = bytes[0];
  if (bytes.length === 0 || (kind !== PACKED_WITH_OFFSET && kind !== PACKED_WITH_POINT_OFFSETS)) {
    return { chunk: bytes, sealOffset: undefined, pointOffsets: NO_POINT_OFFSETS };
  }
  const width = bytes[1];
  if (bytes.length < 2 + (width ?? 0) || width < 1 || width > 7) {
    throw new RangeError(`packed hot copy of ${bytes.length} bytes has a malformed seal offset header`);
  }
  const sealOffset = readOffset(bytes, 2, width);
  if (kind === PACKED_WITH_OFFSET) return { chunk: bytes.subarray(2 + width), sealOffset, pointOffsets: NO_POINT_OFFSETS };
  const { points, end } = decodePointOffsets(bytes, sealOffset, 2 + width);
  return { chunk: bytes.subarray(end), sealOffset, pointOffsets: points };
}

/**
 * Whether an unsealed value of a point replaces the sealed one. `sealOffset` is the offset
 * behind the sealed value of that timestamp (`sealedPointOffset`, seal-offsets.ts); a value from a
 * record at or below it is one the seal already saw or superseded (a replayed or
 * re-delivered record), unless the sealed window has no value for that timestamp at all. Where an offset is unknown (data written before
 * offsets were kept), the unsealed value wins, as it always did.
 */
export function unsealedWins(fieldOffset: number | undefined, sealOffset: number | undefined, sealedHasPoint: boolean): boolean {
  if (!sealedHasPoint || fieldOffset === undefined || sealOffset === undefined) return true;
  return fieldOffset > sealOffset;
}

/** The newer of two offsets, where undefined is "unknown" and loses to any known one. */
export function laterOffset(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}
