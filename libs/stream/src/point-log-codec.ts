import type { Label, Point, PointsAppended } from '@strata/proto';
import { shareLabels } from '@strata/model';
import { chunkInfo, decodeChunkPoints } from '@strata/storage/codec';
import { ByteInterner, WIRE_BYTES, WIRE_FIXED64, WIRE_VARINT, WireError, WireReader, writeShortAscii } from '@strata/runtime';

/**
 * strata.log.v1.PointsAppended, the value of every record of the points topic, encoded and
 * decoded straight between objects and bytes. The generated codec builds the message
 * through a growing writer and reads int64s through a 64-bit integer object; at a record
 * per series per request, that was a fifth of ingest's CPU and a tenth of the writer's. The
 * bytes are exactly the generated encoder's (proto3: fields in number order, zero values
 * left out, -0 left out as it compares equal to 0), and the decoder reads any encoding of
 * the schema, fields in any order and unknown ones skipped, as the generated decoder does.
 */

const TAG_TENANT = (1 << 3) | WIRE_BYTES;
const TAG_SERIES = (2 << 3) | WIRE_BYTES;
const TAG_ACCEPTED_AT = (3 << 3) | WIRE_VARINT;
const TAG_PACKED_POINTS = (4 << 3) | WIRE_BYTES;
const TAG_NAME = (1 << 3) | WIRE_BYTES;
const TAG_LABEL = (2 << 3) | WIRE_BYTES;
const TAG_POINT = (3 << 3) | WIRE_BYTES;
const TAG_LABEL_NAME = (1 << 3) | WIRE_BYTES;
const TAG_LABEL_VALUE = (2 << 3) | WIRE_BYTES;
const TAG_TIMESTAMP = (1 << 3) | WIRE_VARINT;
const TAG_VALUE = (2 << 3) | WIRE_FIXED64;
const TAG_BATCH_EVENT = (1 << 3) | WIRE_BYTES;

/** Bytes of an int64 varint (a negative one takes ten: two's complement over 64 bits). */
function int64Bytes(n: number): number {
  if (n < 0) return 10;
  if (n < 0x80) return 1;
  // Seven bits a byte: the bit length over 7, rounded up (integer arithmetic up to 2^32, one division above).
  const bits = n < 0x100000000 ? 32 - Math.clz32(n) : 64 - Math.clz32((n - (n >>> 0)) / 0x100000000);
  return Math.ceil(bits / 7);
}

function lengthBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** A string field's bytes: tag, length, UTF-8. */
function stringFieldBytes(s: string): number {
  return s === '' ? 0 : fieldBytes(Buffer.byteLength(s));
}

/** Bytes of a Point message's contents (without its tag and length). */
export function pointMessageBytes(p: Point): number {
  return (p.timestampMs !== 0 ? 1 + int64Bytes(p.timestampMs) : 0) + (p.value !== 0 ? 9 : 0);
}

class Out {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  length(n: number): void {
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }

  int64(n: number): void {
    if (n >= 0) {
      // As two 32-bit halves, so each byte is shifts and masks, not a floating-point division.
      let lo = n >>> 0;
      let hi = (n - lo) / 0x100000000;
      const buf = this.buf;
      let pos = this.pos;
      while (hi !== 0) {
        buf[pos++] = (lo & 0x7f) | 0x80;
        lo = ((lo >>> 7) | (hi << 25)) >>> 0;
        hi >>>= 7;
      }
      while (lo >= 0x80) {
        buf[pos++] = (lo & 0x7f) | 0x80;
        lo >>>= 7;
      }
      buf[pos++] = lo;
      this.pos = pos;
      return;
    }
    // Two's complement over 64 bits, as two 32-bit halves.
    let lo = n % 0x100000000;
    let hi = Math.floor(n / 0x100000000);
    lo = lo >>> 0;
    hi = hi >>> 0;
    for (let i = 0; i < 9; i++) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo & 0x01;
  }

  string(tag: number, s: string): void {
    if (s !== '') this.measured(tag, s, Buffer.byteLength(s));
  }

  /** A string field whose UTF-8 length is known: nothing for an empty string, as proto3 leaves it out. */
  measured(tag: number, s: string, bytes: number): void {
    if (bytes === 0) return;
    this.byte(tag);
    this.length(bytes);
    // One byte per UTF-16 unit means no unit was past 0x7f: ASCII.
    const end = bytes === s.length ? writeShortAscii(this.buf, this.pos, s) : -1;
    this.pos = end >= 0 ? end : this.pos + this.buf.write(s, this.pos, bytes, 'utf8');
  }
}

/** A string field's bytes for a string of `n` UTF-8 bytes: tag, length, the bytes; nothing for an empty one. */
function fieldBytes(n: number): number {
  return n === 0 ? 0 : 1 + lengthBytes(n) + n;
}

/**
 * UTF-8 lengths of an identity's strings (the name, then each label's name and value),
 * measured once per encode and reused for the lengths and the writes: the only allocation
 * is its growth, for a series with more labels than any before.
 */
let identityLengths = new Int32Array(65);

/**
 * The value of a record holding `points[from, to)` of a series: PointsAppended{tenant,
 * series{name, labels, points}, acceptedAtMs, packedPoints}, byte for byte as the generated
 * encoder writes it. A packed record passes its chunk as `packed` and no points.
 */
export function encodePointsAppendedValue(
  tenant: string,
  name: string,
  labels: readonly Label[],
  points: readonly Point[],
  acceptedAtMs: number,
  from = 0,
  to = points.length,
  packed?: Uint8Array,
): Buffer {
  if (identityLengths.length < 1 + 2 * labels.length) identityLengths = new Int32Array(2 * (1 + 2 * labels.length));
  const lengths = identityLengths;
  lengths[0] = name === '' ? 0 : Buffer.byteLength(name);
  let seriesBytes = fieldBytes(lengths[0]);
  for (let i = 0; i < labels.length; i++) {
    const { name: labelName, value } = labels[i];
    const nameBytes = (lengths[1 + 2 * i] = labelName === '' ? 0 : Buffer.byteLength(labelName));
    const valueBytes = (lengths[2 + 2 * i] = value === '' ? 0 : Buffer.byteLength(value));
    const n = fieldBytes(nameBytes) + fieldBytes(valueBytes);
    seriesBytes += 1 + lengthBytes(n) + n;
  }
  for (let i = from; i < to; i++) {
    const n = pointMessageBytes(points[i]);
    seriesBytes += 1 + lengthBytes(n) + n;
  }
  const packedBytes = packed === undefined ? 0 : fieldBytes(packed.length);
  const total = stringFieldBytes(tenant) + 1 + lengthBytes(seriesBytes) + seriesBytes + (acceptedAtMs !== 0 ? 1 + int64Bytes(acceptedAtMs) : 0) + packedBytes;
  const out = new Out(Buffer.allocUnsafe(total));
  out.string(TAG_TENANT, tenant);
  out.byte(TAG_SERIES);
  out.length(seriesBytes);
  out.measured(TAG_NAME, name, lengths[0]);
  for (let i = 0; i < labels.length; i++) {
    const nameBytes = lengths[1 + 2 * i];
    const valueBytes = lengths[2 + 2 * i];
    out.byte(TAG_LABEL);
    out.length(fieldBytes(nameBytes) + fieldBytes(valueBytes));
    out.measured(TAG_LABEL_NAME, labels[i].name, nameBytes);
    out.measured(TAG_LABEL_VALUE, labels[i].value, valueBytes);
  }
  for (let i = from; i < to; i++) {
    const p = points[i];
    out.byte(TAG_POINT);
    out.length(pointMessageBytes(p));
    if (p.timestampMs !== 0) {
      out.byte(TAG_TIMESTAMP);
      out.int64(p.timestampMs);
    }
    if (p.value !== 0) {
      out.byte(TAG_VALUE);
      out.pos = out.buf.writeDoubleLE(p.value, out.pos);
    }
  }
  if (acceptedAtMs !== 0) {
    out.byte(TAG_ACCEPTED_AT);
    out.int64(acceptedAtMs);
  }
  if (packed !== undefined && packed.length > 0) {
    out.byte(TAG_PACKED_POINTS);
    out.length(packed.length);
    out.buf.set(packed, out.pos);
    out.pos += packed.length;
  }
  if (out.pos !== total) throw new WireError(`PointsAppended encoded to ${out.pos} bytes, ${total} counted`);
  return out.buf;
}

/**
 * A signed int64 varint as a number, refused beyond ±2^53 (as the generated decoder does):
 * a timestamp must come back exact or not at all.
 */
function readInt64(r: WireReader): number {
  const { buf, end } = r;
  let pos = r.pos;
  let lo = 0;
  let hi = 0;
  let shift = 0;
  for (let i = 0; ; i++) {
    if (i === 10) throw new WireError('varint longer than 10 bytes');
    if (pos >= end) throw new WireError('message ends inside a varint');
    const byte = buf[pos++];
    if (shift < 28) lo |= (byte & 0x7f) << shift;
    else if (shift === 28) {
      lo |= (byte & 0x0f) << 28;
      hi |= (byte & 0x7f) >>> 4;
    } else hi |= (byte & 0x7f) << (shift - 32);
    shift += 7;
    if (byte < 0x80) break;
  }
  r.pos = pos;
  const value = (hi | 0) * 0x100000000 + (lo >>> 0);
  if (!Number.isSafeInteger(value)) throw new WireError(`int64 ${hi < 0 ? 'below' : 'above'} the range of exact numbers`);
  return value;
}

/** Reads the embedded message at the cursor (the bytes of `field`) with `read`, then moves past it. */
function embedded<T>(r: WireReader, field: { start: number; end: number }, read: (r: WireReader) => T): T {
  r.pos = field.start;
  const outer = r.limit(field.end);
  const value = read(r);
  r.limit(outer);
  r.pos = field.end;
  return value;
}

function readLabel(r: WireReader): Label {
  const label: Label = { name: '', value: '' };
  while (!r.done) {
    const tag = r.tag();
    if (tag === TAG_LABEL_NAME) label.name = r.string();
    else if (tag === TAG_LABEL_VALUE) label.value = r.string();
    else r.skip(tag & 7);
  }
  return label;
}

function readPoint(r: WireReader): Point {
  const point: Point = { timestampMs: 0, value: 0 };
  while (!r.done) {
    const tag = r.tag();
    if (tag === TAG_TIMESTAMP) point.timestampMs = readInt64(r);
    else if (tag === TAG_VALUE) point.value = r.double();
    else r.skip(tag & 7);
  }
  return point;
}

/** The name and labels of a series, as decoded once and shared by every record that carries the same bytes. */
interface Identity {
  readonly name: string;
  readonly labels: readonly Label[];
}

/**
 * Series identities of records decoded so far, by their bytes: a writer meets each series in
 * record after record, and decoding its strings and labels anew each time was most of what
 * the decode cost. 30,000 per generation, two generations (ByteInterner): about 850 bytes an
 * identity of five labels, its keys included, so 50 MiB at most. Series met in the same
 * order again and again (each partition's, record after record) all hit up to 30,000 of
 * them; well past that, lookups turn themselves off and records are decoded as before.
 */
const IDENTITIES_KEPT = 30_000;
const identities = new ByteInterner<Identity>(IDENTITIES_KEPT);

function readIdentity(buf: Buffer, start: number, end: number): Identity {
  const r = new WireReader(buf, start, end);
  let name = '';
  const labels: Label[] = [];
  while (!r.done) {
    const tag = r.tag();
    if (tag === TAG_NAME) name = r.string();
    else if (tag === TAG_LABEL) labels.push(embedded(r, r.bytes(), readLabel));
    else r.skip(tag & 7);
  }
  return { name, labels: shareLabels(labels) };
}

/** Every field of a series in the order met, for a series whose name or labels follow a point. */
function readSeriesAnyOrder(r: WireReader): NonNullable<PointsAppended['series']> {
  const series = { name: '', labels: [] as Label[], points: [] as Point[] };
  while (!r.done) {
    const tag = r.tag();
    if (tag === TAG_NAME) series.name = r.string();
    else if (tag === TAG_LABEL) series.labels.push(embedded(r, r.bytes(), readLabel));
    else if (tag === TAG_POINT) series.points.push(embedded(r, r.bytes(), readPoint));
    else r.skip(tag & 7);
  }
  return series;
}

/**
 * A series: its identity (the name and label fields that lead it, as every encoder of the
 * log writes them) looked up by its bytes, then its points. A name or label after a point
 * is read field by field instead, with the same result.
 */
function readSeries(r: WireReader): NonNullable<PointsAppended['series']> {
  if (!identities.interning()) return readSeriesAnyOrder(r);
  const start = r.pos;
  let identityEnd = start;
  while (!r.done) {
    const tag = r.tag();
    if (tag !== TAG_NAME && tag !== TAG_LABEL) break;
    r.bytes();
    identityEnd = r.pos;
  }
  r.pos = identityEnd;
  const points: Point[] = [];
  while (!r.done) {
    const tag = r.tag();
    if (tag === TAG_POINT) points.push(embedded(r, r.bytes(), readPoint));
    else if (tag === TAG_NAME || tag === TAG_LABEL) {
      r.pos = start;
      return readSeriesAnyOrder(r);
    } else r.skip(tag & 7);
  }
  if (identityEnd === start) return { name: '', labels: [], points };
  const { name, labels } = identities.get(r.buf, start, identityEnd, () => readIdentity(r.buf, start, identityEnd));
  // Label[] by the message's type; shared, so frozen, and nothing that reads a record changes its labels.
  return { name, labels: labels as Label[], points };
}

const NO_BYTES = Buffer.alloc(0);

/**
 * A log event as the writer takes it: a PointsAppended whose packed points (a chunk) are
 * checked, not decoded; a chunk's points are never also in `series.points`.
 */
export type LogEvent = Omit<PointsAppended, 'packedPoints'> & { readonly packed?: PackedPoints };

/** A packed record's chunk, its checksum and header checked, with what its header says. */
export interface PackedPoints {
  /** Chunk-codec bytes, timestamps in ms since the epoch. */
  readonly bytes: Uint8Array;
  readonly count: number;
  readonly firstMs: number;
  readonly lastMs: number;
}

/**
 * Reads one event. A packed chunk is checked and kept as it is with `keepPacked`, and
 * otherwise decoded into the series' points, after any the record also lists (none, from
 * Strata's encoder). A chunk that fails its checksum or its header throws WireError, as
 * any other malformed field does.
 */
function readEvent(r: WireReader, keepPacked: boolean): LogEvent {
  const event: { -readonly [K in keyof LogEvent]: LogEvent[K] } = { tenant: '', series: undefined, acceptedAtMs: 0 };
  let chunk: Buffer = NO_BYTES;
  while (!r.done) {
    const tag = r.tag();
    if (tag === TAG_TENANT) event.tenant = r.string();
    else if (tag === TAG_ACCEPTED_AT) event.acceptedAtMs = readInt64(r);
    else if (tag === TAG_SERIES) event.series = embedded(r, r.bytes(), readSeries);
    else if (tag === TAG_PACKED_POINTS) {
      const { start, end } = r.bytes();
      chunk = r.buf.subarray(start, end);
    } else r.skip(tag & 7);
  }
  // Points without a series to belong to are dropped with it, as listed ones are.
  const series = event.series;
  if (chunk.length === 0 || series === undefined) return event;
  try {
    if (keepPacked && series.points.length === 0) {
      const info = chunkInfo(chunk);
      event.packed = { bytes: chunk, count: info.count, firstMs: info.minTimestampMs, lastMs: info.maxTimestampMs };
      return event;
    }
    for (const point of decodeChunkPoints(chunk)) series.points.push(point);
  } catch (error) {
    throw new WireError(`packed points: ${error instanceof Error ? error.message : String(error)}`);
  }
  return event;
}

function readerOf(value: Buffer | Uint8Array): WireReader {
  return new WireReader(Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));
}

/**
 * Decodes a record's value; throws WireError for bytes that are not a PointsAppended (a
 * packed chunk that does not check included). `keepPacked`: see readEvent.
 */
export function decodePointsAppendedValue(value: Buffer | Uint8Array, keepPacked = false): LogEvent {
  return readEvent(readerOf(value), keepPacked);
}

/** Bytes an encoded PointsAppended of `bytes` takes inside a PointsAppendedBatch: its tag, length and itself. */
export function batchEntryBytes(bytes: number): number {
  return 1 + lengthBytes(bytes) + bytes;
}

/**
 * strata.log.v1.PointsAppendedBatch of encoded PointsAppended values: each framed as field 1,
 * copied, not re-encoded.
 */
export function encodeBatchValue(values: readonly Buffer[]): Buffer {
  let total = 0;
  for (const value of values) total += batchEntryBytes(value.length);
  const out = new Out(Buffer.allocUnsafe(total));
  for (const value of values) {
    out.byte(TAG_BATCH_EVENT);
    out.length(value.length);
    out.pos += value.copy(out.buf, out.pos);
  }
  return out.buf;
}

/** Decodes a PointsAppendedBatch value into its events, in order; throws as decodePointsAppendedValue does. */
export function decodeBatchValue(value: Buffer | Uint8Array, keepPacked = false): LogEvent[] {
  const r = readerOf(value);
  const events: LogEvent[] = [];
  const read = (reader: WireReader) => readEvent(reader, keepPacked);
  while (!r.done) {
    const tag = r.tag();
    if (tag === TAG_BATCH_EVENT) events.push(embedded(r, r.bytes(), read));
    else r.skip(tag & 7);
  }
  return events;
}
