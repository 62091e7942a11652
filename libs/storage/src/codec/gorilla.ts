import type { BitReader } from './bit-reader';
import type { BitWriter } from './bit-writer';
import { HI, LO } from './float-bits';

// Gorilla XOR value coding, bit for bit as Prometheus `chunkenc.XORChunk` writes values:
//   first value: 64 raw bits
//   then per value, x = bits(v[i]) XOR bits(v[i-1]):
//     '0'                         x == 0
//     '10' + m bits               x fits the previous window (leading >= L, trailing >= T):
//                                 m = 64 - L - T bits of x >> T
//     '11' + L:5 + m:6 + m bits   new window: L = leading zeros (capped at 31), T = trailing
//                                 zeros, m = 64 - L - T (m = 64 stored as 0), x >> T
// All on uint32 word pairs: no BigInt, no float arithmetic, so every bit pattern survives.

/** Writes `count` values given as uint32 word pairs (see float-bits.ts). */
export function writeXorValues(w: BitWriter, words: Uint32Array, count: number): void {
  let prevHi = words[HI];
  let prevLo = words[LO];
  w.writeBits(prevHi, 32);
  w.writeBits(prevLo, 32);
  let windowL = -1; // -1: no window yet, the next non-zero XOR must open one
  let windowT = 0;
  for (let i = 1; i < count; i++) {
    const hi = words[2 * i + HI];
    const lo = words[2 * i + LO];
    const xHi = (hi ^ prevHi) >>> 0;
    const xLo = (lo ^ prevLo) >>> 0;
    prevHi = hi;
    prevLo = lo;
    if (xHi === 0 && xLo === 0) {
      w.writeBits(0, 1);
      continue;
    }
    let leading = xHi !== 0 ? Math.clz32(xHi) : 32 + Math.clz32(xLo);
    const trailing = xLo !== 0 ? ctz32(xLo) : 32 + ctz32(xHi);
    if (leading > 31) leading = 31;
    if (windowL >= 0 && leading >= windowL && trailing >= windowT) {
      w.writeBits(0b10, 2);
      writeShifted(w, xHi, xLo, windowT, 64 - windowL - windowT);
    } else {
      const m = 64 - leading - trailing;
      // '11', 5 bits of leading, 6 bits of m: 13 bits in one write.
      w.writeBits((0b11 << 11) | (leading << 6) | (m & 63), 13);
      writeShifted(w, xHi, xLo, trailing, m);
      windowL = leading;
      windowT = trailing;
    }
  }
}

/** Bits `writeXorValues` would write for these values, without writing them. */
export function xorValueBits(words: Uint32Array, count: number): number {
  let bits = 64;
  let windowL = -1;
  let windowT = 0;
  for (let i = 1; i < count; i++) {
    const xHi = (words[2 * i + HI] ^ words[2 * i - 2 + HI]) >>> 0;
    const xLo = (words[2 * i + LO] ^ words[2 * i - 2 + LO]) >>> 0;
    if (xHi === 0 && xLo === 0) {
      bits += 1;
      continue;
    }
    let leading = xHi !== 0 ? Math.clz32(xHi) : 32 + Math.clz32(xLo);
    const trailing = xLo !== 0 ? ctz32(xLo) : 32 + ctz32(xHi);
    if (leading > 31) leading = 31;
    if (windowL >= 0 && leading >= windowL && trailing >= windowT) {
      bits += 2 + 64 - windowL - windowT;
    } else {
      bits += 13 + 64 - leading - trailing;
      windowL = leading;
      windowT = trailing;
    }
  }
  return bits;
}

/** Reads `count` values into uint32 word pairs. */
export function readXorValues(r: BitReader, out: Uint32Array, count: number): void {
  let hi = r.readBits(32);
  let lo = r.readBits(32);
  out[HI] = hi;
  out[LO] = lo;
  let windowL = -1;
  let windowT = 0;
  for (let i = 1; i < count; i++) {
    // The control bits and a new window's fields fit in one peeked word.
    const word = r.peek32();
    if (word >>> 31 === 0) {
      r.skip(1);
    } else {
      if (word >>> 30 === 3) {
        r.skip(13);
        const leading = (word >>> 25) & 31;
        const m = (word >>> 19) & 63 || 64;
        if (leading + m > 64) throw r.malformed(`XOR window of ${leading} leading zeros and ${m} bits exceeds 64`);
        windowL = leading;
        windowT = 64 - leading - m;
      } else {
        r.skip(2);
        if (windowL < 0) throw r.malformed(`value ${i} reuses an XOR window before any was set`);
      }
      const m = 64 - windowL - windowT;
      let sHi = 0;
      let sLo: number;
      if (m > 32) {
        sHi = r.readBits(m - 32);
        sLo = r.readBits(32);
      } else {
        sLo = r.readBits(m);
      }
      const t = windowT;
      if (t === 0) {
        hi ^= sHi;
        lo ^= sLo;
      } else if (t >= 32) {
        hi ^= sLo << (t - 32);
      } else {
        hi ^= (sHi << t) | (sLo >>> (32 - t));
        lo ^= sLo << t;
      }
    }
    out[2 * i + HI] = hi;
    out[2 * i + LO] = lo;
  }
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Writes the `m` bits of the 64-bit (hi, lo) shifted right by `t`. */
function writeShifted(w: BitWriter, hi: number, lo: number, t: number, m: number): void {
  let sHi: number;
  let sLo: number;
  if (t === 0) {
    sHi = hi;
    sLo = lo;
  } else if (t >= 32) {
    sHi = 0;
    sLo = hi >>> (t - 32);
  } else {
    sHi = hi >>> t;
    sLo = ((lo >>> t) | (hi << (32 - t))) >>> 0;
  }
  if (m > 32) {
    w.writeBits(sHi, m - 32);
    w.writeBits(sLo, 32);
  } else {
    w.writeBits(sLo, m);
  }
}
