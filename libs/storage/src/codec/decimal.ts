import type { BitReader } from './bit-reader';
import type { BitWriter } from './bit-writer';
import {
  deltaParamBytes,
  type DeltaParams,
  type DeltaPlan,
  planDeltas,
  readDeltaBits,
  readDeltaParams,
  writeDeltaBits,
  writeDeltaParams,
} from './delta-stream';
import { readSvarint, svarintLength, writeSvarint } from './varint';

// Decimal encoding: most monitoring values are integers or have a couple of decimals
// (37.42 %, 1532 processes, 0.25 s). Such a value v is m / 10^s for a small integer m, and
// the float64 is recovered exactly by one correctly rounded division m / 10^s — the same
// operation the decoder performs, which the encoder runs on every value before choosing
// this encoding. The integers m then form a signed delta stream: a random walk's steps or a
// counter's increments, far smaller than the mantissa bits Gorilla would XOR.
//
// Parameters (byte fields): scale s u8 (0..MAX_DECIMAL_SCALE), m[0] svarint, and for two or
// more points the delta stream parameters. Bitstream: the delta stream.

export const MAX_DECIMAL_SCALE = 15;
/** |m| bound: keeps deltas within ±2^52 so their zigzag is exact in float64. */
export const MAX_SCALED_MAGNITUDE = 2 ** 51;

const POW10: readonly number[] = Array.from({ length: MAX_DECIMAL_SCALE + 1 }, (_, s) => 10 ** s);

export interface DecimalPlan {
  readonly scale: number;
  readonly first: number;
  readonly deltas: DeltaPlan | undefined;
}

export interface DecimalParams {
  readonly scale: number;
  readonly first: number;
  readonly deltas: DeltaParams | undefined;
}

/**
 * The smallest scale at which every value is an exact decimal, and the deltas of the
 * scaled integers; undefined when some value is not one (NaN, ±Inf, -0, too many digits).
 */
export function planDecimal(values: Float64Array): DecimalPlan | undefined {
  const n = values.length;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || (v === 0 && 1 / v < 0)) return undefined;
    while (!isExactAt(v, scale)) {
      if (++scale > MAX_DECIMAL_SCALE) return undefined;
    }
  }
  // A value found exact at a smaller scale can outgrow MAX_SCALED_MAGNITUDE at the final
  // one, so check again while computing the integers.
  const p = POW10[scale];
  // The deltas between the scaled integers, computed as they are checked (no array of them).
  const d = n > 1 ? new Float64Array(n - 1) : undefined;
  let first = 0;
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const m = Math.round(values[i] * p);
    if (Math.abs(m) > MAX_SCALED_MAGNITUDE || m / p !== values[i]) return undefined;
    if (i === 0) first = m;
    else d![i - 1] = m - previous;
    previous = m;
  }
  return { scale, first, deltas: d ? planDeltas(d, true) : undefined };
}

function isExactAt(v: number, scale: number): boolean {
  const p = POW10[scale];
  const m = Math.round(v * p);
  return Math.abs(m) <= MAX_SCALED_MAGNITUDE && m / p === v;
}

/** Size of everything this encoding adds to a chunk (parameters and bits), in bits. */
export function decimalValueBits(plan: DecimalPlan): number {
  const paramBytes = 1 + svarintLength(plan.first) + (plan.deltas ? deltaParamBytes(plan.deltas) : 0);
  return paramBytes * 8 + (plan.deltas?.bits ?? 0);
}

export function writeDecimalParams(w: BitWriter, plan: DecimalPlan): void {
  w.writeByte(plan.scale);
  writeSvarint(w, plan.first);
  if (plan.deltas) writeDeltaParams(w, plan.deltas);
}

export function writeDecimalBits(w: BitWriter, plan: DecimalPlan): void {
  if (plan.deltas) writeDeltaBits(w, plan.deltas);
}

export function readDecimalParams(r: BitReader, count: number): DecimalParams {
  const scale = r.readByte();
  if (scale > MAX_DECIMAL_SCALE) throw r.malformed(`decimal scale ${scale} above ${MAX_DECIMAL_SCALE}`);
  const first = readSvarint(r);
  if (Math.abs(first) > MAX_SCALED_MAGNITUDE) throw r.malformed(`scaled value ${first} out of range`);
  return { scale, first, deltas: count > 1 ? readDeltaParams(r, true) : undefined };
}

export function readDecimalValues(r: BitReader, params: DecimalParams, count: number): Float64Array {
  const out = new Float64Array(count);
  out[0] = params.first;
  if (params.deltas) readDeltaBits(r, params.deltas, true, out, 1, count - 1);
  const p = POW10[params.scale];
  let m = params.first;
  out[0] = m / p;
  for (let i = 1; i < count; i++) {
    m += out[i];
    if (m > MAX_SCALED_MAGNITUDE || m < -MAX_SCALED_MAGNITUDE) {
      throw r.malformed(`scaled value at point ${i} out of range`);
    }
    out[i] = m / p;
  }
  return out;
}
