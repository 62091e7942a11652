import { CodecError } from './errors';

const TWO_POW_32 = 4294967296;

/**
 * Reads bits most-significant-bit first, the mirror of `BitWriter`, from the byte range
 * it was given. Every read is bounds-checked against that range and throws
 * `CodecError('truncated')` instead of inventing bits, so a decoder built on it cannot run
 * past the end of a chunk, and every loop over it terminates.
 *
 * The range is copied once into a buffer with zero padding so the hot paths can load four
 * bytes at a time without per-byte bounds checks; 32-bit integer operations only.
 */
export class BitReader {
  private readonly buf: Uint8Array;
  private pos = 0;
  private readonly limit: number;
  /** Length of the whole chunk, for error context. */
  private readonly chunkBytes: number;
  /** Bit offset of this reader's range in the chunk, for error context. */
  private readonly baseBit: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.buf = new Uint8Array(end - start + 8);
    this.buf.set(bytes.subarray(start, end));
    this.limit = (end - start) * 8;
    this.chunkBytes = bytes.length;
    this.baseBit = start * 8;
  }

  /** Bits consumed so far. */
  get bitPosition(): number {
    return this.pos;
  }

  /** Bits left in the range. */
  get bitsRemaining(): number {
    return this.limit - this.pos;
  }

  /** Reads `count` bits (0..32) as an unsigned integer. */
  readBits(count: number): number {
    if (count === 0) return 0;
    const pos = this.pos;
    if (pos + count > this.limit) throw this.truncated(count);
    this.pos = pos + count;
    return this.peekAt(pos) >>> (32 - count);
  }

  /**
   * Reads `count` bits (0..54) as an unsigned integer. Exact up to 2^53; callers range-check
   * the result, so a corrupt wider value is rejected rather than silently rounded.
   */
  readBitsWide(count: number): number {
    if (count <= 32) return this.readBits(count);
    const hi = this.readBits(count - 32);
    return hi * TWO_POW_32 + this.readBits(32);
  }

  readBit(): number {
    return this.readBits(1);
  }

  readByte(): number {
    return this.readBits(8);
  }

  /**
   * Counts 1 bits up to the first 0 bit, consuming that 0; stops after `max` ones (then no
   * 0 is consumed) and returns `max`. `max` is at most 31.
   */
  readUnary(max: number): number {
    const pos = this.pos;
    const ones = Math.clz32(~this.peekAt(pos));
    const used = ones >= max ? max : ones + 1;
    if (pos + used > this.limit) throw this.truncated(used);
    this.pos = pos + used;
    return ones >= max ? max : ones;
  }

  /**
   * The next 32 bits without consuming them; bits past the range read as 0. For decoders
   * that parse a whole code from one word and then `skip` its length.
   */
  peek32(): number {
    return this.peekAt(this.pos);
  }

  /** Consumes `count` bits (checked against the range like any read). */
  skip(count: number): void {
    if (this.pos + count > this.limit) throw this.truncated(count);
    this.pos += count;
  }

  /** Skips to the next byte boundary; the skipped padding bits must be zero. */
  alignToByte(): void {
    const rest = (8 - (this.pos & 7)) & 7;
    if (this.readBits(rest) !== 0) throw this.malformed('non-zero padding bits');
  }

  /** A `CodecError('malformed')` located at the current position. */
  malformed(detail: string): CodecError {
    return new CodecError('malformed', detail, { byteLength: this.chunkBytes, bitOffset: this.baseBit + this.pos });
  }

  private truncated(wanted: number): CodecError {
    return new CodecError('truncated', `wanted ${wanted} more bits, ${this.limit - this.pos} left`, {
      byteLength: this.chunkBytes,
      bitOffset: this.baseBit + this.pos,
    });
  }

  /** The 32 bits starting at bit `pos`; bits past the range read as 0 (padding). */
  private peekAt(pos: number): number {
    const b = this.buf;
    const i = pos >>> 3;
    const off = pos & 7;
    const w = (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
    return off === 0 ? w : (w << off) | (b[i + 4] >>> (8 - off));
  }
}
