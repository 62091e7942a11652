import { allocateRollupStats, EMPTY_ROLLUP_STATS, type RollupStats } from '@strata/model';
import { decodeChunk, encodeChunk } from '../codec/chunk';
import { crc32 } from '../codec/crc32';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../core/time';
import type { PartName } from './block';
import { ByteReader, ByteWriter } from './byte-io';
import { ColdFormatError } from './cold-errors';

// The parts of a series section (docs/cold-format.md, "Series section"): a raw part is a
// run of length-prefixed chunks; a rollup part is a layout byte and length-prefixed
// chunks (min, max, sum as one or two chunks, count, last) over the same bucket starts.
// An empty part has no bytes at all.

/** The parts of a series section that hold rollup rows. */
export type RollupPartName = Exclude<PartName, 'raw'>;

const PART_OF_RESOLUTION: ReadonlyMap<number, RollupPartName> = new Map([
  [5 * MINUTE_MS, 'm5'],
  [HOUR_MS, 'h1'],
  [DAY_MS, 'd1'],
]);

/**
 * The part of a series section that holds the rollup rows of `resolutionMs`; undefined for
 * a resolution that is not stored (ROLLUP_RESOLUTIONS_MS lists those that are).
 */
export function rollupPartOf(resolutionMs: number): RollupPartName | undefined {
  return PART_OF_RESOLUTION.get(resolutionMs);
}

/** Raw chunks, each `uvarint length` then the chunk. */
export function encodeRawPart(chunks: readonly Uint8Array[]): Uint8Array {
  const w = new ByteWriter(chunks.reduce((n, c) => n + c.length + 4, 0));
  for (const chunk of chunks) {
    w.uvarint(chunk.length);
    w.bytes(chunk);
  }
  return w.finish();
}

/** The chunks of a raw part, as views on `bytes`. */
export function splitRawPart(bytes: Uint8Array): Uint8Array[] {
  const r = new ByteReader(bytes, 'raw part');
  const chunks: Uint8Array[] = [];
  while (r.remaining > 0) {
    const length = r.uvarint();
    if (length === 0) throw r.malformed('a raw chunk has length 0');
    chunks.push(r.bytes(length));
  }
  return chunks;
}

/** How a rollup part stores its rows (its first byte). Numbers are part of the format. */
export enum RollupLayout {
  /** One chunk of the sums as they are. */
  Plain = 0,
  /**
   * Two chunks: the sums rounded to a decimal scale (which the chunk codec stores as
   * Decimal, about a byte each), then each sum's distance from its rounded value in units
   * in the last place (small integers, a few bits each). Float sums of decimal values are
   * rarely exact decimals, so a plain chunk of them costs about 7 bytes a bucket.
   */
  DecimalWithUlps = 1,
  /**
   * No chunks: uvarint row count, then per row the bucket start (uvarint; later rows as the
   * uvarint gap from the previous) and min, max, sum, count, last as float64 little-endian;
   * then a CRC-32 (little-endian) of every byte before it, the layout byte included.
   * Chosen when smaller, i.e. for a handful of rows (a day's 1 d row), where five chunk
   * headers and checksums would cost more than the values.
   */
  Rows = 2,
}

/**
 * Added to the layout byte when the part also stores each row's head, restMin and restMax
 * (RollupStats: the value of the point exactly at the bucket start, NaN when none, and the
 * extremes of the other points): three more chunks after `last` in the chunked layouts (the
 * last two sparse: only the rows whose head is the extreme), three more float64 after `last`
 * per row in Rows. Parts
 * written before heads existed lack it; their rows answer everything but PromQL's
 * left-open windows.
 */
export const ROLLUP_HEADS_FLAG = 0x10;

const MAX_ULP_DISTANCE = 1 << 20;
const bits = new DataView(new ArrayBuffer(8));
const SIGN = 1n << 63n;

/** Doubles mapped to integers in their numeric order (±0 both map to 0). */
function ordinal(x: number): bigint {
  bits.setFloat64(0, x);
  const b = bits.getBigInt64(0);
  return b >= 0n ? b : -(b & (SIGN - 1n));
}

function fromOrdinal(o: bigint): number {
  bits.setBigInt64(0, o >= 0n ? o : BigInt.asIntN(64, -o | SIGN));
  return bits.getFloat64(0);
}

/** The sums as rounded decimals plus ulp corrections, or undefined when that does not fit. */
function planDecimalSums(sums: Float64Array): { rounded: Float64Array; ulps: Float64Array } | undefined {
  for (const v of sums) if (!Number.isFinite(v) || Object.is(v, -0) || Math.abs(v) > 2 ** 40) return undefined;
  for (let scale = 0; scale <= 9; scale++) {
    const factor = 10 ** scale;
    const rounded = new Float64Array(sums.length);
    const ulps = new Float64Array(sums.length);
    let fits = true;
    for (let i = 0; i < sums.length && fits; i++) {
      rounded[i] = Math.round(sums[i] * factor) / factor;
      const distance = ordinal(sums[i]) - ordinal(rounded[i]);
      if (distance > BigInt(MAX_ULP_DISTANCE) || distance < -BigInt(MAX_ULP_DISTANCE)) fits = false;
      else ulps[i] = Number(distance);
    }
    if (fits) return { rounded, ulps };
  }
  return undefined;
}

/**
 * A rollup part: a layout byte, then length-prefixed chunk-codec chunks over the same
 * bucket starts: min, max, the sum (one chunk, or two; {@link RollupLayout}), count, last.
 * Empty stats give no bytes. Deterministic.
 */
export function encodeRollupPart(stats: RollupStats): Uint8Array {
  if (stats.timestamps.length === 0) return new Uint8Array(0);
  const chunked = encodeChunkedRollup(stats);
  const rows = encodeRows(stats);
  return rows.length < chunked.length ? rows : chunked;
}

function statColumns(stats: RollupStats): Float64Array[] {
  return [stats.min, stats.max, stats.sum, stats.count, stats.last, ...headColumns(stats)];
}

/** head, restMin and restMax, when the stats have them. */
function headColumns(stats: RollupStats): Float64Array[] {
  return stats.head ? [stats.head, stats.restMin!, stats.restMax!] : [];
}

function layoutByte(layout: RollupLayout, stats: RollupStats): number {
  return stats.head ? layout | ROLLUP_HEADS_FLAG : layout;
}

function encodeRows(stats: RollupStats): Uint8Array {
  const w = new ByteWriter(2 + stats.timestamps.length * 72);
  w.u8(layoutByte(RollupLayout.Rows, stats));
  w.uvarint(stats.timestamps.length);
  const f = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < stats.timestamps.length; i++) {
    w.uvarint(i === 0 ? stats.timestamps[0] : stats.timestamps[i] - stats.timestamps[i - 1]);
    for (const column of statColumns(stats)) {
      f.setFloat64(0, column[i], true);
      w.bytes(new Uint8Array(f.buffer));
    }
  }
  const body = w.finish();
  const out = new ByteWriter(body.length + 4);
  out.bytes(body);
  out.u32(crc32(body));
  return out.finish();
}

function decodeRows(bytes: Uint8Array, heads: boolean): RollupStats {
  if (bytes.length < 6) throw new ColdFormatError('truncated', 'rollup rows', `${bytes.length} bytes`);
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 4, true);
  if (crc32(bytes, 0, bytes.length - 4) !== stored) throw new ColdFormatError('checksum-mismatch', 'rollup rows', `stored CRC ${stored.toString(16)} does not match`);
  const r = new ByteReader(bytes, 'rollup rows', 1, bytes.length - 4);
  const n = r.uvarint();
  if (n === 0 || n > 1 << 20) throw r.malformed(`${n} rollup rows`);
  const stats = allocateRollupStats(n, heads);
  const f = new DataView(new ArrayBuffer(8));
  const read = () => {
    new Uint8Array(f.buffer).set(r.bytes(8));
    return f.getFloat64(0, true);
  };
  let t = 0;
  for (let i = 0; i < n; i++) {
    const gap = r.uvarint();
    if (i > 0 && gap === 0) throw r.malformed('rollup rows are not in increasing time order');
    t += gap;
    stats.timestamps[i] = t;
    stats.min[i] = read();
    stats.max[i] = read();
    stats.sum[i] = read();
    stats.count[i] = read();
    stats.last[i] = read();
    if (stats.head) {
      stats.head[i] = read();
      stats.restMin![i] = read();
      stats.restMax![i] = read();
    }
  }
  if (r.remaining !== 0) throw r.malformed(`${r.remaining} byte(s) after the rollup rows`);
  return stats;
}

function encodeChunkedRollup(stats: RollupStats): Uint8Array {
  const decimalSums = planDecimalSums(stats.sum);
  const columns: Float64Array[] = [stats.min, stats.max, ...(decimalSums ? [decimalSums.rounded, decimalSums.ulps] : [stats.sum]), stats.count, stats.last, ...(stats.head ? [stats.head] : [])];
  const chunks = columns.map((values) => encodeChunk({ timestamps: stats.timestamps, values }));
  if (stats.head) chunks.push(encodeChunk(sparseRest(stats, stats.restMin!, stats.min)), encodeChunk(sparseRest(stats, stats.restMax!, stats.max)));
  const w = new ByteWriter(chunks.reduce((n, c) => n + c.length + 4, 1));
  w.u8(layoutByte(decimalSums ? RollupLayout.DecimalWithUlps : RollupLayout.Plain, stats));
  for (const chunk of chunks) {
    w.uvarint(chunk.length);
    w.bytes(chunk);
  }
  return w.finish();
}

/**
 * restMin or restMax as the chunked layouts store it: only the rows where it can differ from
 * the row's min or max, i.e. whose head is that extreme among several points (a tenth of a
 * random walk's rows, every row of a counter's restMin), over their own bucket starts; and
 * always the first row, so that the chunk is never empty. Every other row's value follows
 * from the row ({@link denseRest}).
 */
function sparseRest(stats: RollupStats, rest: Float64Array, extreme: Float64Array): { timestamps: Float64Array; values: Float64Array } {
  const rows: number[] = [];
  for (let i = 0; i < rest.length; i++) if (i === 0 || (stats.count[i] > 1 && Object.is(stats.head![i], extreme[i]))) rows.push(i);
  return { timestamps: Float64Array.from(rows, (i) => stats.timestamps[i]), values: Float64Array.from(rows, (i) => rest[i]) };
}

/** restMin or restMax of every row from its sparse chunk: stored where stored, else NaN for a head alone, else the extreme. */
function denseRest(timestamps: Float64Array, count: Float64Array, head: Float64Array, extreme: Float64Array, sparse: { timestamps: Float64Array; values: Float64Array }): Float64Array {
  const out = new Float64Array(timestamps.length);
  let j = 0;
  for (let i = 0; i < timestamps.length; i++) {
    if (j < sparse.timestamps.length && sparse.timestamps[j] === timestamps[i]) out[i] = sparse.values[j++];
    else out[i] = count[i] === 1 && !Number.isNaN(head[i]) ? NaN : extreme[i];
  }
  if (j !== sparse.timestamps.length) throw new ColdFormatError('malformed', 'rollup part', 'a sparse rest column names a bucket start the rows lack');
  return out;
}

/**
 * A rollup part taken apart: the chunks to decode (views, in stored order) and the layout to
 * assemble them with, or, in the Rows layout, the rows themselves. An empty part gives
 * no chunks.
 */
export function splitRollupPart(bytes: Uint8Array): { layout: RollupLayout; heads: boolean; chunks: Uint8Array[]; rows?: RollupStats } {
  if (bytes.length === 0) return { layout: RollupLayout.Plain, heads: false, chunks: [] };
  const r = new ByteReader(bytes, 'rollup part');
  const byte = r.u8();
  const heads = (byte & ROLLUP_HEADS_FLAG) !== 0;
  const layout = byte & ~ROLLUP_HEADS_FLAG;
  if (layout === RollupLayout.Rows) return { layout, heads, chunks: [], rows: decodeRows(bytes, heads) };
  if (layout !== RollupLayout.Plain && layout !== RollupLayout.DecimalWithUlps) throw r.malformed(`unknown rollup layout ${byte}`);
  const count = chunkCount(layout, heads);
  const chunks = Array.from({ length: count }, () => r.bytes(r.uvarint()));
  if (r.remaining !== 0) throw r.malformed(`${r.remaining} byte(s) after the ${count} rollup chunks`);
  return { layout, heads, chunks };
}

function chunkCount(layout: RollupLayout, heads: boolean): number {
  return (layout === RollupLayout.Plain ? 5 : 6) + (heads ? 3 : 0);
}

/**
 * Rollup stats from the decoded columns of a part's five chunks (as {@link splitRollupPart}
 * gives them, decoded in order). Checks that all five share their bucket starts.
 */
export function assembleRollupStats(layout: RollupLayout, columns: ReadonlyArray<{ timestamps: Float64Array; values: Float64Array }>, heads = false): RollupStats {
  if (columns.length === 0) return EMPTY_ROLLUP_STATS;
  const expected = chunkCount(layout, heads);
  if (columns.length !== expected) throw new ColdFormatError('malformed', 'rollup part', `${columns.length} columns, expected ${expected}`);
  const timestamps = columns[0].timestamps;
  // With heads, the last two columns (restMin, restMax) are sparse: their own bucket starts.
  const dense = heads ? columns.slice(0, -2) : columns;
  for (const c of dense) {
    if (c.timestamps.length !== timestamps.length || c.timestamps.some((t, i) => t !== timestamps[i])) {
      throw new ColdFormatError('malformed', 'rollup part', 'the rollup columns do not share their bucket starts');
    }
  }
  const values = dense.map((c) => c.values);
  const stored = heads ? values.splice(values.length - 1, 1) : [];
  const [min, max] = values;
  const count = values[values.length - 2];
  const last = values[values.length - 1];
  const sum = layout === RollupLayout.Plain ? values[2] : Float64Array.from(values[2], (r, i) => fromOrdinal(ordinal(r) + BigInt(values[3][i])));
  if (!heads) return { timestamps, min, max, sum, count, last };
  const [head] = stored;
  const [sparseMin, sparseMax] = columns.slice(-2);
  return { timestamps, min, max, sum, count, last, head, restMin: denseRest(timestamps, count, head, min, sparseMin), restMax: denseRest(timestamps, count, head, max, sparseMax) };
}

/** Decodes a rollup part in place (the archiver's path; the reader decodes through its workers). */
export function decodeRollupPart(bytes: Uint8Array): RollupStats {
  const { layout, heads, chunks, rows } = splitRollupPart(bytes);
  return rows ?? assembleRollupStats(layout, chunks.map((chunk) => decodeChunk(chunk)), heads);
}
