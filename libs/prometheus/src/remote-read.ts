import type { LabelMatcher, MatchType } from '@strata/model';
import { prometheus } from '@strata/proto';
import { StrataError } from '@strata/runtime';
import { STALE_NAN_HIGH, STALE_NAN_LOW } from './remote-write';
import { encodeXorChunk, frame, XOR_CHUNK_SAMPLES } from './xor-chunk';

/**
 * Prometheus remote read (`prometheus.ReadRequest` in, `prometheus.ReadResponse` out, the
 * SAMPLES response type): what a Prometheus whose `remote_read` points at Strata asks,
 * and the answer in its terms. Decoding uses the generated code (a read request is a few
 * matchers); the answer is encoded here, because staleness must leave as Prometheus's
 * exact staleness NaN, whatever NaN Strata held.
 */

/** One query of a read request: matchers and an inclusive range of milliseconds. */
export interface RemoteReadQuery {
  readonly startMs: number;
  readonly endMs: number;
  readonly matchers: LabelMatcher[];
}

export interface DecodedReadRequest {
  readonly queries: RemoteReadQuery[];
  /** The response types the sender takes, in its order of preference; empty means SAMPLES. */
  readonly acceptedResponseTypes: Array<'SAMPLES' | 'STREAMED_XOR_CHUNKS'>;
}

/** A body that is not a `prometheus.ReadRequest`, or asks for something no read can be. */
export class RemoteReadFormatError extends StrataError {}

const MATCH_TYPES: Record<number, MatchType> = {
  [prometheus.LabelMatcher_Type.EQ]: '=',
  [prometheus.LabelMatcher_Type.NEQ]: '!=',
  [prometheus.LabelMatcher_Type.RE]: '=~',
  [prometheus.LabelMatcher_Type.NRE]: '!~',
};

export function decodeReadRequest(body: Uint8Array): DecodedReadRequest {
  let request: prometheus.ReadRequest;
  try {
    request = prometheus.ReadRequest.decode(body);
  } catch (error) {
    throw new RemoteReadFormatError(`body is not a valid prometheus.ReadRequest: ${error instanceof Error ? error.message : String(error)}`);
  }
  const queries = request.queries.map((q, i) => {
    if (!Number.isSafeInteger(q.startTimestampMs) || !Number.isSafeInteger(q.endTimestampMs) || q.endTimestampMs < q.startTimestampMs) {
      throw new RemoteReadFormatError(`query ${i} has the range ${q.startTimestampMs} to ${q.endTimestampMs} ms; the end must not be before the start`);
    }
    const matchers = q.matchers.map((m) => {
      const type = MATCH_TYPES[m.type];
      if (type === undefined) throw new RemoteReadFormatError(`query ${i} has a matcher on ${m.name} of unknown type ${m.type}`);
      return { name: m.name, type, value: m.value };
    });
    if (matchers.length === 0) throw new RemoteReadFormatError(`query ${i} has no matchers; a read selects series by at least one`);
    return { startMs: q.startTimestampMs, endMs: q.endTimestampMs, matchers };
  });
  const acceptedResponseTypes = request.acceptedResponseTypes.map((t) =>
    t === prometheus.ReadRequest_ResponseType.STREAMED_XOR_CHUNKS ? ('STREAMED_XOR_CHUNKS' as const) : ('SAMPLES' as const),
  );
  return { queries, acceptedResponseTypes };
}

/** A series of an answer: its name, labels and points (NaN is staleness). */
export interface ReadSeries {
  readonly name: string;
  readonly labels: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/**
 * `prometheus.ReadResponse` with one QueryResult per query, in order. Labels go out sorted
 * by name with `__name__` among them, as Prometheus expects; a NaN value goes out as the
 * staleness marker's bit pattern.
 */
export function encodeReadResponse(results: ReadonlyArray<readonly ReadSeries[]>): Buffer {
  const w = new Writer();
  for (const series of results) {
    const result = w.begin(1);
    for (const s of series) {
      const ts = w.begin(1);
      for (const label of prometheusLabels(s.name, s.labels)) {
        const l = w.begin(1);
        w.string(1, label.name);
        w.string(2, label.value);
        w.end(l);
      }
      const { timestamps, values } = s;
      for (let i = 0; i < timestamps.length; i++) {
        const sample = w.begin(2);
        w.double(1, values[i]);
        w.int64(2, timestamps[i]);
        w.end(sample);
      }
      w.end(ts);
    }
    w.end(result);
  }
  return w.finish();
}

/**
 * Orders label sets as Prometheus does (labels.Compare): label by label, name then value,
 * bytewise; a prefix first. A streamed answer's series must come in this order: its
 * reader merges them as sorted sets.
 */
export function compareLabelSets(a: ReadonlyArray<{ name: string; value: string }>, b: ReadonlyArray<{ name: string; value: string }>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const byName = compareBytes(a[i].name, b[i].name);
    if (byName !== 0) return byName;
    const byValue = compareBytes(a[i].value, b[i].value);
    if (byValue !== 0) return byValue;
  }
  return a.length - b.length;
}

function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Series in Prometheus's order of their label sets (see {@link compareLabelSets}). */
export function sortForPrometheus<S extends ReadSeries>(series: readonly S[]): S[] {
  return series
    .map((s) => ({ s, labels: prometheusLabels(s.name, s.labels) }))
    .sort((x, y) => compareLabelSets(x.labels, y.labels))
    .map(({ s }) => s);
}

/** A series' labels as Prometheus holds them: `__name__` with the rest, sorted by name (bytewise). */
export function prometheusLabels(name: string, labels: ReadonlyArray<{ readonly name: string; readonly value: string }>): Array<{ name: string; value: string }> {
  return [{ name: '__name__', value: name }, ...labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * A protobuf writer for nested messages of unknown length: each message's length prefix
 * is reserved as 5 bytes (a padded varint, valid protobuf) and filled in at its end.
 */
class Writer {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private pos = 0;

  begin(field: number): number {
    this.tag(field, 2);
    this.ensure(5);
    const at = this.pos;
    this.pos += 5;
    return at;
  }

  end(at: number): void {
    let length = this.pos - at - 5;
    for (let i = 0; i < 4; i++) {
      this.buf[at + i] = (length & 0x7f) | 0x80;
      length >>>= 7;
    }
    this.buf[at + 4] = length & 0x7f;
  }

  string(field: number, text: string): void {
    if (text === '') return;
    const bytes = Buffer.byteLength(text);
    this.tag(field, 2);
    this.varint(bytes);
    this.ensure(bytes);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  double(field: number, value: number): void {
    this.tag(field, 1);
    this.ensure(8);
    if (Number.isNaN(value)) {
      this.buf.writeUInt32LE(STALE_NAN_LOW, this.pos);
      this.buf.writeUInt32LE(STALE_NAN_HIGH, this.pos + 4);
    } else {
      this.buf.writeDoubleLE(value, this.pos);
    }
    this.pos += 8;
  }

  int64(field: number, value: number): void {
    if (value === 0) return;
    this.tag(field, 0);
    if (value < 0) {
      // Two's complement in ten bytes.
      const big = BigInt.asUintN(64, BigInt(value));
      this.bigVarint(big);
    } else {
      this.varint(value);
    }
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  private varint(value: number): void {
    this.ensure(10);
    while (value >= 0x80) {
      this.buf[this.pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buf[this.pos++] = value;
  }

  private bigVarint(value: bigint): void {
    this.ensure(10);
    while (value >= 0x80n) {
      this.buf[this.pos++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.buf[this.pos++] = Number(value);
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

/** The most chunk bytes one frame of a streamed answer carries (Prometheus's default too). */
export const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * A STREAMED_XOR_CHUNKS answer for one query: frames of `prometheus.ChunkedReadResponse`
 * (xor-chunk.ts), one series each (Prometheus's reader takes the first series of a frame
 * and no other), its points cut into XOR chunks of 120 samples; a series whose chunks pass
 * {@link MAX_FRAME_BYTES} goes on in further frames under the same labels, as Prometheus's
 * own server splits one.
 */
export function* streamedFrames(queryIndex: number, series: readonly ReadSeries[]): Generator<Buffer> {
  for (const s of series) {
    const labels = prometheusLabels(s.name, s.labels);
    let chunks: prometheus.Chunk[] = [];
    let bytes = 0;
    const flush = () => {
      const message = prometheus.ChunkedReadResponse.encode({ chunkedSeries: [{ labels, chunks }], queryIndex }).finish();
      chunks = [];
      bytes = 0;
      return frame(message);
    };
    const n = s.timestamps.length;
    for (let from = 0; from < n; from += XOR_CHUNK_SAMPLES) {
      const to = Math.min(n, from + XOR_CHUNK_SAMPLES);
      const data = encodeXorChunk(s.timestamps, s.values, from, to);
      chunks.push({ minTimeMs: s.timestamps[from], maxTimeMs: s.timestamps[to - 1], type: prometheus.Chunk_Encoding.XOR, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
      bytes += data.length;
      if (bytes >= MAX_FRAME_BYTES && to < n) yield flush();
    }
    if (chunks.length > 0) yield flush();
  }
}
