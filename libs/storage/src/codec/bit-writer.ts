const TWO_POW_32 = 4294967296;

/**
 * Appends bits most-significant-bit first into a growing byte buffer: the first bit written
 * is bit 7 (0x80) of byte 0. Whole bytes written while the writer is byte-aligned are
 * therefore plain bytes, which is how chunk headers are laid out.
 *
 * Contract: values are non-negative integers below 2^count; higher bits are ignored by
 * `writeBits` and must not be present for `writeBitsWide`. Not reusable after `finish()`.
 * Hot paths use 32-bit integer operations only (no BigInt).
 */
export class BitWriter {
  private buf: Uint8Array;
  private length = 0;
  /** Pending bits not yet forming a whole byte: the low `pending` bits of `acc` (0..7). */
  private acc = 0;
  private pending = 0;

  constructor(initialCapacityBytes = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacityBytes));
  }

  /** Number of bits written so far. */
  /** Empties the writer for the next stream (its buffer is kept); returns it. */
  reset(): this {
    this.length = 0;
    this.acc = 0;
    this.pending = 0;
    return this;
  }

  get bitLength(): number {
    return this.length * 8 + this.pending;
  }

  /** Writes the low `count` bits of `value`, `count` in 0..32. */
  writeBits(value: number, count: number): void {
    if (count > 24) {
      // Keep the accumulator within 31 bits so it stays a positive int32.
      this.writeBits(value >>> 16, count - 16);
      this.writeBits(value & 0xffff, 16);
      return;
    }
    let acc = (this.acc << count) | (value & ((1 << count) - 1));
    let pending = this.pending + count;
    while (pending >= 8) {
      pending -= 8;
      if (this.length === this.buf.length) this.grow();
      this.buf[this.length++] = (acc >>> pending) & 0xff;
    }
    acc &= (1 << pending) - 1;
    this.acc = acc;
    this.pending = pending;
  }

  /** Writes `value` (an integer in [0, 2^count)) in `count` bits, `count` in 0..54. */
  writeBitsWide(value: number, count: number): void {
    if (count <= 32) {
      this.writeBits(value >>> 0, count);
      return;
    }
    this.writeBits(Math.floor(value / TWO_POW_32), count - 32);
    this.writeBits(value >>> 0, 32);
  }

  writeBit(bit: number): void {
    this.writeBits(bit, 1);
  }

  writeByte(byte: number): void {
    this.writeBits(byte, 8);
  }

  /** Pads with zero bits up to the next byte boundary (no-op when aligned). */
  alignToByte(): void {
    if (this.pending > 0) this.writeBits(0, 8 - this.pending);
  }

  /** Aligns, then returns exactly the bytes written (a view of the writer's buffer). */
  finish(): Uint8Array {
    this.alignToByte();
    return this.buf.subarray(0, this.length);
  }

  private grow(): void {
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }
}
