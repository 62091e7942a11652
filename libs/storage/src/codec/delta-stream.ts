import type { BitReader } from './bit-reader';
import type { BitWriter } from './bit-writer';
import { selectKth } from './select';
import { readSvarint, readUvarint, svarintLength, uvarintLength, writeSvarint, writeUvarint } from './varint';

// A column of integer deltas, stored as Rice codes of their distance from a per-chunk bias
// (the median delta). The bias absorbs the regular part — the scrape interval, a counter's
// rate — so what remains is small noise around zero, which Rice codes store within a
// fraction of a bit of its entropy. See docs/chunk-format.md, "Delta stream".
//
// Per-stream parameters (byte fields, in the header area):
//   mode    u8: 0..MAX_RICE_K = Rice parameter k; CONSTANT_MODE = every delta equals bias
//   escW    u8, only when mode != CONSTANT_MODE: width of escaped raw values, 0..MAX_ESCAPE_WIDTH
//   bias    uvarint (unsigned streams) / svarint (signed streams); left out when the reader
//           can derive it (a constant timestamp stream: bias = span / (count - 1))
// Per delta (bitstream), unless mode is CONSTANT_MODE (then nothing at all):
//   u = zigzag(delta - bias); q = floor(u / 2^k)
//   q < ESCAPE_QUOTIENT:  q one-bits, a zero bit, then the low k bits of u
//   otherwise (escape):   ESCAPE_QUOTIENT one-bits, then raw in escW bits, where raw is the
//                         delta itself (unsigned streams) or zigzag(delta) (signed streams)

/** Unary run length that means "escape": a raw value follows. */
export const ESCAPE_QUOTIENT = 16;
/** Mode byte meaning "all deltas equal the bias; no bits stored". */
export const CONSTANT_MODE = 0xff;
/** Largest Rice parameter. */
export const MAX_RICE_K = 52;
/** Largest escape width: zigzag of a delta of magnitude up to 2^52 needs 54 bits. */
export const MAX_ESCAPE_WIDTH = 54;
/** Residuals at least this large always escape, so zigzag stays exact in float64. */
const RICE_RESIDUAL_LIMIT = 2 ** 50;
const TWO_POW_32 = 4294967296;

export interface DeltaParams {
  readonly bias: number;
  /** Rice parameter k, or CONSTANT_MODE. */
  readonly mode: number;
  readonly escapeWidth: number;
}

export interface DeltaPlan {
  readonly deltas: Float64Array;
  readonly params: DeltaParams;
  /** Exact size of the bitstream part, in bits. */
  readonly bits: number;
  /** Signed streams allow negative deltas (values); unsigned ones do not (timestamps). */
  readonly signed: boolean;
}

/** zigzag(v) = 2v for v >= 0, -2v - 1 for v < 0; exact for |v| <= 2^52. */
export function zigzag(v: number): number {
  return v >= 0 ? 2 * v : -2 * v - 1;
}

export function unzigzag(u: number): number {
  if (u < 2147483648) return (u >>> 1) ^ -(u & 1);
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

/** Number of bits needed for a non-negative integer below 2^64: 0 for 0. */
export function bitLength(v: number): number {
  if (v < TWO_POW_32) return 32 - Math.clz32(v);
  return 64 - Math.clz32(Math.floor(v / TWO_POW_32));
}

/**
 * Working arrays of planDeltas, kept between calls: a chunk of an open window's packed field
 * has a handful of points, and allocating these for each one cost more than the planning.
 * Grown to the largest stream planned; planning is synchronous, so one set serves all calls.
 */
let scratch = { select: new Float64Array(256), codes: new Float64Array(256), lengths: new Int32Array(MAX_ESCAPE_WIDTH + 2) };

function planScratch(n: number): typeof scratch {
  if (scratch.select.length < n) {
    const size = Math.max(n, 2 * scratch.select.length);
    scratch = { select: new Float64Array(size), codes: new Float64Array(size), lengths: scratch.lengths };
  }
  return scratch;
}

/** Chooses bias, Rice parameter and escape width for `deltas` (integers, at least one). */
export function planDeltas(deltas: Float64Array, signed: boolean): DeltaPlan {
  const n = deltas.length;
  const first = deltas[0];
  let allEqual = true;
  for (let i = 1; i < n; i++) {
    if (deltas[i] !== first) {
      allEqual = false;
      break;
    }
  }
  if (allEqual) return { deltas, params: { bias: first, mode: CONSTANT_MODE, escapeWidth: 0 }, bits: 0, signed };

  const scratch = planScratch(n);
  scratch.select.set(deltas);
  const bias = selectKth(scratch.select, (n - 1) >>> 1, n);
  const codes = scratch.codes; // residualCode of each delta, in its first n elements
  // Histogram of code lengths: its median bucket locates the Rice optimum while ignoring
  // outliers (gaps, spikes) that escapes carry anyway.
  const lengths = scratch.lengths.fill(0);
  let maxRaw = 0;
  for (let i = 0; i < n; i++) {
    const code = residualCode(deltas[i] - bias);
    codes[i] = code;
    lengths[code === Infinity ? MAX_ESCAPE_WIDTH + 1 : bitLength(code)]++;
    const raw = signed ? zigzag(deltas[i]) : deltas[i];
    if (raw > maxRaw) maxRaw = raw;
  }
  const rawWidth = bitLength(maxRaw);
  let medianLength = 0;
  for (let seen = lengths[0]; seen <= (n - 1) >>> 1; seen += lengths[medianLength]) medianLength++;
  const guess = Math.min(MAX_RICE_K, Math.max(0, medianLength - 1));

  // Exact cost around the guess, walking downhill (the cost is close to convex in k).
  let bestK = guess;
  let bestBits = riceBits(codes, n, guess, rawWidth);
  for (let k = guess - 1; k >= 0; k--) {
    const bits = riceBits(codes, n, k, rawWidth);
    if (bits >= bestBits) break;
    bestBits = bits;
    bestK = k;
  }
  if (bestK === guess) {
    for (let k = guess + 1; k <= MAX_RICE_K; k++) {
      const bits = riceBits(codes, n, k, rawWidth);
      if (bits >= bestBits) break;
      bestBits = bits;
      bestK = k;
    }
  }

  // Escapes only need to be as wide as the largest value that actually escapes.
  const limit = ESCAPE_QUOTIENT * 2 ** bestK;
  let maxEscaped = -1;
  for (let i = 0; i < n; i++) {
    if (codes[i] >= limit) {
      const raw = signed ? zigzag(deltas[i]) : deltas[i];
      if (raw > maxEscaped) maxEscaped = raw;
    }
  }
  const escapeWidth = maxEscaped < 0 ? 0 : bitLength(maxEscaped);
  const params = { bias, mode: bestK, escapeWidth };
  const bits = escapeWidth === rawWidth ? bestBits : riceBits(codes, n, bestK, escapeWidth);
  return { deltas, params, bits, signed };
}

/** zigzag(residual), or Infinity when the residual is too large for the Rice path. */
function residualCode(residual: number): number {
  return residual < RICE_RESIDUAL_LIMIT && residual > -RICE_RESIDUAL_LIMIT ? zigzag(residual) : Infinity;
}

/** Bits of the first `n` codes as Rice codes with parameter k. */
function riceBits(codes: Float64Array, n: number, k: number, escapeWidth: number): number {
  const scale = 2 ** -k;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    const q = Math.floor(codes[i] * scale);
    bits += q < ESCAPE_QUOTIENT ? q + 1 + k : ESCAPE_QUOTIENT + escapeWidth;
  }
  return bits;
}

/**
 * Writes the parameters. `constantBiasImplied`: the reader knows the bias of a constant
 * stream without being told (it passes it to `readDeltaParams`), so it is left out.
 */
export function writeDeltaParams(w: BitWriter, plan: DeltaPlan, constantBiasImplied = false): void {
  const { bias, mode, escapeWidth } = plan.params;
  w.writeByte(mode);
  if (mode !== CONSTANT_MODE) w.writeByte(escapeWidth);
  else if (constantBiasImplied) return;
  if (plan.signed) writeSvarint(w, bias);
  else writeUvarint(w, bias);
}

/** Bytes `writeDeltaParams` uses for this plan. */
export function deltaParamBytes(plan: DeltaPlan, constantBiasImplied = false): number {
  const { bias, mode } = plan.params;
  if (mode === CONSTANT_MODE && constantBiasImplied) return 1;
  return (mode === CONSTANT_MODE ? 1 : 2) + (plan.signed ? svarintLength(bias) : uvarintLength(bias));
}

/** Reads the parameters; `impliedConstantBias` mirrors `constantBiasImplied` above. */
export function readDeltaParams(r: BitReader, signed: boolean, impliedConstantBias?: number): DeltaParams {
  const mode = r.readByte();
  let escapeWidth = 0;
  if (mode === CONSTANT_MODE) {
    if (impliedConstantBias !== undefined) return { bias: impliedConstantBias, mode, escapeWidth };
  } else {
    if (mode > MAX_RICE_K) throw r.malformed(`Rice parameter ${mode} above ${MAX_RICE_K}`);
    escapeWidth = r.readByte();
    if (escapeWidth > MAX_ESCAPE_WIDTH) throw r.malformed(`escape width ${escapeWidth} above ${MAX_ESCAPE_WIDTH}`);
  }
  const bias = signed ? readSvarint(r) : readUvarint(r);
  return { bias, mode, escapeWidth };
}

export function writeDeltaBits(w: BitWriter, plan: DeltaPlan): void {
  const { deltas, signed } = plan;
  const { bias, mode: k, escapeWidth } = plan.params;
  if (k === CONSTANT_MODE) return;
  const divisor = 2 ** k;
  const limit = ESCAPE_QUOTIENT * divisor;
  const escapePrefix = (1 << ESCAPE_QUOTIENT) - 1;
  for (let i = 0; i < deltas.length; i++) {
    const u = residualCode(deltas[i] - bias);
    if (u < limit) {
      const q = Math.floor(u / divisor);
      const rem = u - q * divisor;
      if (q + 1 + k <= 32) {
        // q ones, a zero, k remainder bits: one write. (2^(q+1) - 2) * 2^k + rem < 2^32.
        w.writeBits(((2 ** (q + 1) - 2) * divisor + rem) >>> 0, q + 1 + k);
      } else {
        w.writeBits((2 ** (q + 1) - 2) >>> 0, q + 1);
        w.writeBitsWide(rem, k);
      }
    } else {
      w.writeBits(escapePrefix, ESCAPE_QUOTIENT);
      w.writeBitsWide(signed ? zigzag(deltas[i]) : deltas[i], escapeWidth);
    }
  }
}

/** Reads `count` deltas into `out[offset ..]`. Values are not range-checked here. */
export function readDeltaBits(
  r: BitReader,
  params: DeltaParams,
  signed: boolean,
  out: Float64Array,
  offset: number,
  count: number,
): void {
  const { bias, mode: k, escapeWidth } = params;
  const end = offset + count;
  if (k === CONSTANT_MODE) {
    out.fill(bias, offset, end);
    return;
  }
  const divisor = 2 ** k;
  for (let i = offset; i < end; i++) {
    // Fast path: the whole code (q ones, a zero, k bits) lies within the next 32 bits.
    const word = r.peek32();
    const ones = Math.clz32(~word);
    if (ones < ESCAPE_QUOTIENT && ones + 1 + k <= 32) {
      r.skip(ones + 1 + k);
      const rem = k === 0 ? 0 : (word << (ones + 1)) >>> (32 - k);
      out[i] = bias + unzigzag(ones * divisor + rem);
      continue;
    }
    const q = r.readUnary(ESCAPE_QUOTIENT);
    if (q < ESCAPE_QUOTIENT) {
      out[i] = bias + unzigzag(q * divisor + r.readBitsWide(k));
    } else {
      const raw = r.readBitsWide(escapeWidth);
      out[i] = signed ? unzigzag(raw) : raw;
    }
  }
}
