import { STALE_NAN_HIGH, STALE_NAN_LOW } from './remote-write';

/**
 * Prometheus's XOR chunk (its TSDB's float chunk encoding, `Chunk.Encoding.XOR` in remote
 * read's STREAMED_XOR_CHUNKS answers), written from the format as Prometheus reads it:
 *
 * - 2 bytes: the sample count, big-endian;
 * - the first timestamp as a zig-zag varint, the first value as its 64 bits;
 * - the second timestamp as an unsigned varint delta, then its value XOR-encoded;
 * - each later timestamp as a delta of deltas: `0` for none, else a prefix `10`, `110`,
 *   `1110` with 14, 17 or 20 bits of two's complement, or `1111` with 64 bits;
 * - each later value XOR-encoded against the previous one: `0` when equal; else `1`, then
 *   `0` and the significant bits inside the previous window of leading and trailing zeros,
 *   or `1`, 5 bits of leading zeros (at most 31), 6 bits of significant bits (64 as 0) and
 *   those bits.
 *
 * Bits fill each byte from its most significant bit. Staleness (NaN) is written as
 * Prometheus's staleness marker.
 */

/** Samples per chunk, as Prometheus cuts them. */
export const XOR_CHUNK_SAMPLES = 120;

class BitWriter {
  private buf = new Uint8Array(256);
  private bit = 0; // bits written

  get bytes(): Uint8Array {
    return this.buf.subarray(0, Math.ceil(this.bit / 8));
  }

  /** The low `n` (≤ 32) bits of `value`, most significant first. */
  bits32(value: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) this.one((value >>> i) & 1);
  }

  /** The low `n` (≤ 64) bits of the 64-bit value hi:lo. */
  bits64(hi: number, lo: number, n: number): void {
    if (n > 32) {
      this.bits32(hi, n - 32);
      this.bits32(lo, 32);
    } else {
      this.bits32(lo, n);
    }
  }

  byte(value: number): void {
    this.bits32(value, 8);
  }

  one(bit: number): void {
    const at = this.bit >>> 3;
    if (at >= this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    if (bit) this.buf[at] |= 0x80 >>> (this.bit & 7);
    this.bit++;
  }
}

const view = new DataView(new ArrayBuffer(8));

function valueBits(value: number): [number, number] {
  if (Number.isNaN(value)) return [STALE_NAN_HIGH, STALE_NAN_LOW];
  view.setFloat64(0, value);
  return [view.getUint32(0), view.getUint32(4)];
}

function writeUvarint(w: BitWriter, value: number): void {
  while (value >= 0x80) {
    w.byte((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  w.byte(value);
}

function clz64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

function ctz64(hi: number, lo: number): number {
  return lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
}

/** hi:lo shifted right by `n` (< 64) bits. */
function shr64(hi: number, lo: number, n: number): [number, number] {
  if (n === 0) return [hi, lo];
  if (n >= 32) return [0, hi >>> (n - 32)];
  return [hi >>> n, ((lo >>> n) | (hi << (32 - n))) >>> 0];
}

/** Whether `x` fits the delta-of-delta bucket of `n` bits (Prometheus's bitRange). */
function fits(x: number, n: number): boolean {
  return -(2 ** (n - 1) - 1) <= x && x <= 2 ** (n - 1);
}

/**
 * One XOR chunk of at most 65,535 samples (timestamps strictly increasing integers of
 * milliseconds, exact as doubles).
 */
export function encodeXorChunk(timestamps: ArrayLike<number>, values: ArrayLike<number>, from = 0, to = timestamps.length): Uint8Array {
  const count = to - from;
  if (count > 0xffff) throw new RangeError(`an XOR chunk holds at most 65535 samples, not ${count}`);
  const w = new BitWriter();
  w.bits32(count, 16);
  let prevT = 0;
  let prevDelta = 0;
  let [prevHi, prevLo] = [0, 0];
  let leading = 0xff;
  let trailing = 0;
  for (let i = from; i < to; i++) {
    const t = timestamps[i];
    const [hi, lo] = valueBits(values[i]);
    const n = i - from;
    if (n === 0) {
      // Zig-zag, as Go's PutVarint: 2t for t >= 0, -2t - 1 below.
      writeUvarint(w, t >= 0 ? 2 * t : -2 * t - 1);
      w.bits64(hi, lo, 64);
    } else {
      const delta = t - prevT;
      if (n === 1) {
        writeUvarint(w, delta);
      } else {
        const dod = delta - prevDelta;
        if (dod === 0) {
          w.one(0);
        } else if (fits(dod, 14)) {
          w.bits32(0b10, 2);
          w.bits32(dod, 14);
        } else if (fits(dod, 17)) {
          w.bits32(0b110, 3);
          w.bits32(dod, 17);
        } else if (fits(dod, 20)) {
          w.bits32(0b1110, 4);
          w.bits32(dod, 20);
        } else {
          w.bits32(0b1111, 4);
          const big = BigInt.asUintN(64, BigInt(dod));
          w.bits64(Number(big >> 32n), Number(big & 0xffffffffn), 64);
        }
      }
      // The value, XOR against the previous one.
      const xHi = (hi ^ prevHi) >>> 0;
      const xLo = (lo ^ prevLo) >>> 0;
      if (xHi === 0 && xLo === 0) {
        w.one(0);
      } else {
        w.one(1);
        let lead = clz64(xHi, xLo);
        const trail = ctz64(xHi, xLo);
        if (lead >= 32) lead = 31;
        if (leading !== 0xff && lead >= leading && trail >= trailing) {
          w.one(0);
          const [sHi, sLo] = shr64(xHi, xLo, trailing);
          w.bits64(sHi, sLo, 64 - leading - trailing);
        } else {
          leading = lead;
          trailing = trail;
          w.one(1);
          w.bits32(lead, 5);
          const significant = 64 - lead - trail;
          w.bits32(significant === 64 ? 0 : significant, 6);
          const [sHi, sLo] = shr64(xHi, xLo, trail);
          w.bits64(sHi, sLo, significant);
        }
      }
      prevDelta = delta;
    }
    prevT = t;
    prevHi = hi;
    prevLo = lo;
  }
  return w.bytes.slice();
}

const CASTAGNOLI = buildCastagnoli();

function buildCastagnoli(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** CRC-32C (Castagnoli), the checksum of each frame of a streamed remote-read answer. Check value: "123456789" → 0xE3069283. */
export function crc32c(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = CASTAGNOLI[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * One frame of a STREAMED_XOR_CHUNKS answer: the message's length as an unsigned varint,
 * its CRC-32C as 4 big-endian bytes, then the message (a `prometheus.ChunkedReadResponse`).
 */
export function frame(message: Uint8Array): Buffer {
  const head: number[] = [];
  let n = message.length;
  while (n >= 0x80) {
    head.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  head.push(n);
  const out = Buffer.allocUnsafe(head.length + 4 + message.length);
  out.set(head, 0);
  out.writeUInt32BE(crc32c(message), head.length);
  out.set(message, head.length + 4);
  return out;
}
