import { decodeChunk, encodeChunk, rebaseChunk } from '../codec/chunk';
import { EMPTY_COLUMNS } from '../core/columns';
import { decodeHotValue } from './hot-value';
import type { UnsealedColumns } from './seal-merge';
import { pushUvarint, readUvarint } from './seal-offsets';
import { MAX_WINDOW_MS } from './window-env';

/**
 * The fields of an unsealed window hash (`o` open, `f` sealing; docs/write-path.md, "Packed
 * records in open windows"). Pure: no I/O.
 *
 * Two kinds of field share a hash:
 * - a **point field**: name = ms offset from the window start in decimal, value = hot-value.ts
 *   bytes (float64 and the offset of the record that wrote it). One per timestamp; a later
 *   record's HSET replaces it.
 * - a **packed field**: name = `k` and the highest record offset of its points in decimal.
 *   Its value is one of two kinds:
 *   - a **record** (`0xF3`): chunk-codec bytes of one record's points, timestamps counted in
 *     ms from the window start; every point's record offset is the name's. The projector
 *     writes one for each record that brings at least {@link PACKED_FIELD_MIN_POINTS} points
 *     to a window: one field and one value instead of a field per point, and a chunk to
 *     decode instead of a field per point to parse.
 *   - **runs** (`0xF2`): the record offsets of its points as runs (uvarint count, then per run
 *     in time order a uvarint point count and a uvarint offset), then chunk-codec bytes with
 *     timestamps in ms since the epoch. Merged packed fields (hot-store.ts) hold several
 *     runs; versions before the record kind wrote every packed field this way.
 *
 * A packed field is never overwritten by a later record, so a timestamp may be held by
 * several fields. Whoever reads the hash resolves each timestamp to the value of the highest
 * record offset (log order: the last write wins); a value without an offset (written before
 * offsets were kept) loses to any with one.
 */

/** Points one record must bring to one window before they are stored as one packed field. */
export const PACKED_FIELD_MIN_POINTS = 8;

const PACKED_FIELD_PREFIX = 0x6b; // 'k'

/** First byte of a packed field's value holding runs of record offsets. */
const PACKED_RUNS_KIND = 0xf2;

/**
 * First byte of a packed field's value holding one record's points. Against the runs kind it
 * leaves out the run header (the offset is the name's, 7 bytes for offsets past 2^28) and
 * two of the first timestamp's six bytes: 9 of about 66 bytes a field of 8 points.
 */
const PACKED_RECORD_KIND = 0xf3;

/** Name of the packed field whose newest point comes from the record at `offset`. */
export function packedFieldName(offset: number): string {
  return `k${offset}`;
}

/**
 * The value of a packed field holding one record's points in the window at `start`, sorted
 * by time with distinct timestamps (the chunk codec's contract); the field's name carries the
 * record offset.
 */
export function encodePackedRecord(start: number, timestamps: Float64Array, values: Float64Array): Buffer {
  const fromStart = new Float64Array(timestamps.length);
  for (let i = 0; i < timestamps.length; i++) fromStart[i] = timestamps[i] - start;
  const chunk = encodeChunk({ timestamps: fromStart, values });
  const out = Buffer.allocUnsafe(1 + chunk.length);
  out[0] = PACKED_RECORD_KIND;
  out.set(chunk, 1);
  return out;
}

/**
 * The value of a packed field holding one record's points in the window at `start`, from a
 * chunk of them with timestamps since the epoch (a packed log record's): the same bytes as
 * encodePackedRecord of its points, made without decoding them. Throws CodecError for bytes
 * that are not a chunk; `verifyChecksum: false` where the caller checked the checksum.
 */
export function packedRecordOfChunk(start: number, chunk: Uint8Array, options: { verifyChecksum?: boolean } = {}): Buffer {
  const out = rebaseChunk(chunk, start, 1, options);
  out[0] = PACKED_RECORD_KIND;
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * The value of a packed field of the runs kind: points sorted by time with distinct
 * timestamps (the chunk codec's contract), and the record offset of each, as one number for
 * all or one per point.
 */
export function encodePackedField(timestamps: Float64Array, values: Float64Array, offsets: number | ArrayLike<number>): Buffer {
  const header: number[] = [PACKED_RUNS_KIND];
  if (typeof offsets === 'number') {
    pushUvarint(header, 1);
    pushUvarint(header, timestamps.length);
    pushUvarint(header, offsets);
  } else {
    const runs: number[] = [];
    for (let i = 0; i < offsets.length; ) {
      let j = i + 1;
      while (j < offsets.length && offsets[j] === offsets[i]) j++;
      runs.push(j - i, offsets[i]);
      i = j;
    }
    pushUvarint(header, runs.length / 2);
    for (const n of runs) pushUvarint(header, n);
  }
  const chunk = encodeChunk({ timestamps, values });
  const out = Buffer.allocUnsafe(header.length + chunk.length);
  out.set(header, 0);
  out.set(chunk, header.length);
  return out;
}

/** The highest record offset a packed field's value names (its field name's number). */
export function packedFieldNewest(offsets: number | ArrayLike<number>): number {
  if (typeof offsets === 'number') return offsets;
  let newest = -1;
  for (let i = 0; i < offsets.length; i++) newest = Math.max(newest, offsets[i]);
  return newest;
}

/**
 * Points of a window hash from HGETALL's flat reply [field, value, field, value, ...], sorted
 * by time, one per timestamp (the highest record offset's). `corrupt` builds the error thrown
 * for a field that does not decode.
 */
export function decodeWindowHash(start: number, pairs: readonly Buffer[] | null, corrupt: (reason: string) => Error): UnsealedColumns {
  const n = pairs ? pairs.length >> 1 : 0;
  if (n === 0) return NO_UNSEALED;
  if (n > MAX_FIELDS) throw corrupt(`window hash of ${n} fields; a window holds at most ${MAX_FIELDS}`);
  let pointFields = 0;
  const runs: UnsealedColumns[] = [];
  for (let i = 0; i < n; i++) {
    const field = pairs![2 * i];
    if (field[0] === PACKED_FIELD_PREFIX) runs.push(decodePackedField(start, field, pairs![2 * i + 1], corrupt));
    else pointFields++;
  }
  if (pointFields > 0) runs.push(pointFieldColumns(start, pairs!, pointFields, corrupt));
  return mergeRuns(runs);
}

/** Merges sorted runs pairwise (a balanced tree: linear in the points per level). */
function mergeRuns(runs: UnsealedColumns[]): UnsealedColumns {
  if (runs.length > 1) {
    // Records of one series mostly cover distinct spans (a backfill, a large series split
    // over records): then the runs only need putting one after another.
    const ordered = runs.filter((run) => run.timestamps.length > 0).sort((a, b) => a.timestamps[0] - b.timestamps[0]);
    if (ordered.every((run, i) => i === 0 || ordered[i - 1].timestamps[ordered[i - 1].timestamps.length - 1] < run.timestamps[0])) return concatUnsealed(ordered);
  }
  let level = runs;
  while (level.length > 1) {
    const next: UnsealedColumns[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? mergeByOffset(level[i], level[i + 1]) : level[i]);
    level = next;
  }
  return level[0] ?? NO_UNSEALED;
}

/** Sorted runs that do not overlap in time, in order, as one. */
function concatUnsealed(runs: readonly UnsealedColumns[]): UnsealedColumns {
  if (runs.length === 1) return runs[0];
  let n = 0;
  for (const run of runs) n += run.timestamps.length;
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  const offsets: Array<number | undefined> = [];
  let at = 0;
  for (const run of runs) {
    timestamps.set(run.timestamps, at);
    values.set(run.values, at);
    for (const offset of run.offsets) offsets.push(offset);
    at += run.timestamps.length;
  }
  return { timestamps, values, offsets };
}

/** Two sorted runs as one; where both hold a timestamp, the higher record offset wins. */
export function mergeByOffset(a: UnsealedColumns, b: UnsealedColumns): UnsealedColumns {
  if (a.timestamps.length === 0) return b;
  if (b.timestamps.length === 0) return a;
  const capacity = a.timestamps.length + b.timestamps.length;
  const timestamps = new Float64Array(capacity);
  const values = new Float64Array(capacity);
  const offsets = new Array<number | undefined>(capacity);
  let i = 0;
  let j = 0;
  let k = 0;
  const take = (from: UnsealedColumns, at: number) => {
    timestamps[k] = from.timestamps[at];
    values[k] = from.values[at];
    offsets[k] = from.offsets[at];
    k++;
  };
  while (i < a.timestamps.length && j < b.timestamps.length) {
    const ta = a.timestamps[i];
    const tb = b.timestamps[j];
    if (ta < tb) take(a, i++);
    else if (tb < ta) take(b, j++);
    else {
      if ((b.offsets[j] ?? -1) > (a.offsets[i] ?? -1)) take(b, j);
      else take(a, i);
      i++;
      j++;
    }
  }
  while (i < a.timestamps.length) take(a, i++);
  while (j < b.timestamps.length) take(b, j++);
  offsets.length = k;
  return { timestamps: timestamps.subarray(0, k), values: values.subarray(0, k), offsets };
}

function decodePackedField(start: number, field: Buffer, bytes: Buffer, corrupt: (reason: string) => Error): UnsealedColumns {
  const name = field.toString('latin1').slice(0, 32);
  try {
    let timestamps: Float64Array;
    let values: Float64Array;
    let offsets: number[];
    if (bytes[0] === PACKED_RECORD_KIND) {
      const offset = field[0] === PACKED_FIELD_PREFIX ? decimalAt(field, 1, 16) : -1;
      // Canonical, as the projector names it: no leading zero, so one record has one name.
      if (offset < 0 || field.toString('latin1') !== packedFieldName(offset)) throw new RangeError("a packed field's name must be k and a record offset in decimal");
      const points = decodeChunk(bytes.subarray(1));
      ({ timestamps, values } = points);
      for (let i = 0; i < timestamps.length; i++) timestamps[i] += start;
      offsets = new Array<number>(timestamps.length).fill(offset);
    } else if (bytes[0] === PACKED_RUNS_KIND) {
      ({ timestamps, values, offsets } = decodeRuns(field, bytes));
    } else {
      throw new RangeError(`kind 0x${(bytes[0] ?? 0).toString(16)}, expected 0x${PACKED_RECORD_KIND.toString(16)} or 0x${PACKED_RUNS_KIND.toString(16)}`);
    }
    const n = timestamps.length;
    if (n > 0 && (timestamps[0] < start || timestamps[n - 1] >= start + MAX_WINDOW_MS)) throw new RangeError(`points outside the window at ${start}`);
    return { timestamps, values, offsets };
  } catch (error) {
    throw corrupt(`field ${name}: ${(error as Error).message}`);
  }
}

/** A runs-kind value's points, each with its record offset; its name must be k and the newest of them. */
function decodeRuns(field: Buffer, bytes: Buffer): { timestamps: Float64Array; values: Float64Array; offsets: number[] } {
  const reader = { bytes, at: 1 };
  const runs = readUvarint(reader);
  const lengths: number[] = [];
  const runOffsets: number[] = [];
  let count = 0;
  let newest = -1;
  for (let r = 0; r < runs && reader.at < bytes.length; r++) {
    lengths.push(readUvarint(reader));
    runOffsets.push(readUvarint(reader));
    count += lengths[r];
    newest = Math.max(newest, runOffsets[r]);
  }
  if (lengths.length !== runs) throw new RangeError('the record offset runs are truncated');
  if (field.toString('latin1') !== packedFieldName(newest)) throw new RangeError(`a packed field's name must be k and its newest record offset (${newest})`);
  const points = decodeChunk(bytes.subarray(reader.at));
  const n = points.timestamps.length;
  if (count !== n) throw new RangeError(`record offset runs cover ${count} points; the chunk holds ${n}`);
  const offsets = new Array<number>(n);
  for (let r = 0, i = 0; r < runs; r++) offsets.fill(runOffsets[r], i, (i += lengths[r]));
  return { timestamps: points.timestamps, values: points.values, offsets };
}

const NO_UNSEALED: UnsealedColumns = Object.freeze({ ...EMPTY_COLUMNS, offsets: [] });

/**
 * The point fields of a window hash as sorted columns. Large windows are read on every Read
 * of them, so this avoids an object per point: the offsets and the field indexes are sorted
 * together as one float64 key.
 */
function pointFieldColumns(start: number, pairs: readonly Buffer[], count: number, corrupt: (reason: string) => Error): UnsealedColumns {
  // key = offset from the window start x 2^24 + field index: both below 2^24 (a window is at
  // most 2^24 ms, MAX_WINDOW_MS), so the key is an exact integer below 2^48 and a plain
  // numeric sort orders by time and keeps the index.
  const keys = new Float64Array(count);
  let k = 0;
  for (let i = 0; i < pairs.length >> 1; i++) {
    const field = pairs[2 * i];
    if (field[0] === PACKED_FIELD_PREFIX) continue;
    const at = fieldOffset(field);
    if (at < 0) throw corrupt(`field ${field.toString('latin1').slice(0, 32)}: not a millisecond offset within a window`);
    keys[k++] = at * MAX_FIELDS + i;
  }
  keys.sort();
  const timestamps = new Float64Array(count);
  const values = new Float64Array(count);
  const offsets = new Array<number | undefined>(count);
  for (let p = 0; p < count; p++) {
    const i = keys[p] % MAX_FIELDS;
    timestamps[p] = start + (keys[p] - i) / MAX_FIELDS;
    const bytes = pairs[2 * i + 1];
    try {
      const decoded = decodeHotValue(bytes);
      values[p] = decoded.value;
      offsets[p] = decoded.offset;
    } catch (error) {
      throw corrupt(`field ${pairs[2 * i].toString('latin1')}: ${(error as Error).message}`);
    }
  }
  return { timestamps, values, offsets };
}

/** The bound of a field's ms offset, and so of the point fields of one window hash: 2^24. */
const MAX_FIELDS = MAX_WINDOW_MS;

/** A field's ms offset: ASCII decimal digits, below 2^24; -1 for anything else. */
function fieldOffset(field: Buffer): number {
  const at = decimalAt(field, 0, 8);
  return at < MAX_FIELDS ? at : -1;
}

/** The number written in `field[from..]` as 1 to `maxDigits` ASCII decimal digits; -1 for anything else. */
function decimalAt(field: Buffer, from: number, maxDigits: number): number {
  if (field.length <= from || field.length - from > maxDigits) return -1;
  let n = 0;
  for (let i = from; i < field.length; i++) {
    const digit = field[i] - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}
