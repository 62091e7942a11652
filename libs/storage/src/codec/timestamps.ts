import type { BitReader } from './bit-reader';
import type { BitWriter } from './bit-writer';
import {
  type DeltaParams,
  type DeltaPlan,
  planDeltas,
  readDeltaBits,
  readDeltaParams,
  writeDeltaBits,
  writeDeltaParams,
} from './delta-stream';
import type { ChunkInfo } from './header';

// Timestamps, under every encoding: the header holds the first timestamp and the span; the
// n - 1 gaps between consecutive points form an unsigned delta stream. For a regular
// scrape every gap equals the bias, so the stream costs zero bits, where Gorilla's
// delta-of-delta spends one bit per point. Jitter of a few ms costs a few bits per point
// (Gorilla's smallest non-zero bucket costs 9 to 16), and a gap is one escape.

/** Plans the gap stream; undefined for a single point, which has no gaps. */
export function planTimestamps(timestamps: ArrayLike<number>): DeltaPlan | undefined {
  const n = timestamps.length;
  if (n < 2) return undefined;
  const deltas = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) deltas[i - 1] = timestamps[i] - timestamps[i - 1];
  return planDeltas(deltas, false);
}

/** Stream parameters; a constant stream's bias is implied by the header's span. */
export function writeTimestampParams(w: BitWriter, plan: DeltaPlan): void {
  writeDeltaParams(w, plan, true);
}

export function writeTimestampBits(w: BitWriter, plan: DeltaPlan): void {
  writeDeltaBits(w, plan);
}

/** Reads the stream parameters; undefined for a single point. */
export function readTimestampParams(r: BitReader, info: ChunkInfo): DeltaParams | undefined {
  if (info.count < 2) return undefined;
  const params = readDeltaParams(r, false, (info.maxTimestampMs - info.minTimestampMs) / (info.count - 1));
  // A fractional implied bias cannot be a constant gap; the span check in readTimestamps
  // would also catch it, but say what is wrong.
  if (!Number.isInteger(params.bias)) throw r.malformed(`span does not divide into ${info.count - 1} equal gaps`);
  return params;
}

/** Decodes the gap stream into timestamps, checking it lands exactly on the header's span. */
export function readTimestamps(r: BitReader, params: DeltaParams | undefined, info: ChunkInfo): Float64Array {
  const n = info.count;
  const out = new Float64Array(n);
  out[0] = info.minTimestampMs;
  if (params === undefined) return out;
  readDeltaBits(r, params, false, out, 1, n - 1);
  let t = info.minTimestampMs;
  const last = info.maxTimestampMs;
  for (let i = 1; i < n; i++) {
    const delta = out[i];
    if (delta < 1) throw r.malformed(`timestamp delta ${delta} at point ${i} is not positive`);
    t += delta;
    if (t > last) throw r.malformed(`timestamp at point ${i} passes the header's last timestamp ${last}`);
    out[i] = t;
  }
  if (t !== last) throw r.malformed(`timestamps end at ${t}, header says ${last}`);
  return out;
}
