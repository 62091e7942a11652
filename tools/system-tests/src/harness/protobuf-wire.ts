// Protobuf bytes built and broken by hand, for bodies no client library would send:
// hostile requests in the noisy-neighbour spec and the bench, mutations in the fuzz spec.

export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
}

/** Base-128 varint of a non-negative integer up to 2^64 - 1. */
export function varint(value: number | bigint): Buffer {
  let n = BigInt(value);
  if (n < 0n) n = BigInt.asUintN(64, n);
  const out: number[] = [];
  while (n > 0x7fn) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return Buffer.from(out);
}

export const tag = (field: number, wireType: WireType): Buffer => varint((field << 3) | wireType);

/** A length-delimited field: tag, length, bytes. */
export const lengthDelimited = (field: number, bytes: Buffer): Buffer => Buffer.concat([tag(field, WireType.LengthDelimited), varint(bytes.length), bytes]);

/** One field as found in a well-formed message. */
export interface WireField {
  readonly field: number;
  readonly wireType: number;
  /** Offset of the tag. */
  readonly start: number;
  /** Offset of the length varint (length-delimited fields) or of the value. */
  readonly afterTag: number;
  /** Offset of the value's first byte. */
  readonly valueStart: number;
  /** Offset just past the field. */
  readonly end: number;
}

function readVarint(buf: Buffer, at: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    value |= BigInt(buf[i]! & 0x7f) << shift;
    if ((buf[i]! & 0x80) === 0) return { value, next: i + 1 };
    shift += 7n;
  }
  throw new Error(`no varint at ${at}`);
}

/** The top-level fields of a well-formed message (groups are not walked; the schemas here have none). */
export function topLevelFields(buf: Buffer): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  while (at < buf.length) {
    const key = readVarint(buf, at);
    const field = Number(key.value >> 3n);
    const wireType = Number(key.value & 7n);
    let valueStart = key.next;
    let end: number;
    switch (wireType) {
      case WireType.Varint:
        end = readVarint(buf, key.next).next;
        break;
      case WireType.Fixed64:
        end = key.next + 8;
        break;
      case WireType.Fixed32:
        end = key.next + 4;
        break;
      case WireType.LengthDelimited: {
        const length = readVarint(buf, key.next);
        valueStart = length.next;
        end = length.next + Number(length.value);
        break;
      }
      default:
        throw new Error(`wire type ${wireType} at ${at} is not walked`);
    }
    if (end > buf.length) throw new Error(`field ${field} at ${at} runs past the end`);
    fields.push({ field, wireType, start: at, afterTag: key.next, valueStart, end });
    at = end;
  }
  return fields;
}

/**
 * A valid WriteRequest of about `bytes` bytes: one series holding nothing but empty labels,
 * two bytes each on the wire. The cheapest bytes for a client and the most objects for a
 * server that decodes before it looks at the key (about 4 million labels in 8 MB).
 */
export function labelBomb(bytes: number): Buffer {
  let inner = Math.max(0, bytes - 6);
  inner -= inner % 2;
  const labels = Buffer.alloc(inner);
  for (let i = 0; i < inner; i += 2) labels[i] = 0x12; // Series.labels (2), length 0
  return Buffer.concat([tag(1, WireType.LengthDelimited), varint(inner), labels]);
}

/**
 * Unknown field 15 as `depth` nested groups inside one series: valid wire format that a
 * decoder skipping groups by recursion walks `depth` frames deep.
 */
export function nestedGroups(depth: number): Buffer {
  const inner = Buffer.concat([Buffer.from('\x0a\x04deep', 'latin1'), Buffer.alloc(depth, 0x7b), Buffer.alloc(depth, 0x7c)]);
  return lengthDelimited(1, inner);
}

/**
 * Unknown field 15 as `depth` nested length-delimited messages inside one series: every
 * level valid, each one's length covering the rest.
 */
export function nestedMessages(depth: number): Buffer {
  let inner: Buffer = Buffer.from('\x0a\x04deep', 'latin1');
  for (let i = 0; i < depth; i++) inner = lengthDelimited(15, inner);
  return lengthDelimited(1, Buffer.concat([Buffer.from('\x0a\x04deep', 'latin1'), inner]));
}

/** `bytes` pseudo-random bytes from `seed` (the same bytes on every run). */
export function garbage(bytes: number, seed: number): Buffer {
  const out = Buffer.alloc(bytes);
  let a = seed >>> 0;
  for (let i = 0; i < bytes; i += 4) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    out.writeUInt32LE(a, Math.min(i, bytes - 4));
  }
  return out;
}

/**
 * Mutations of a well-formed message, each named for the fault it makes: a decoder must
 * answer every one of them with a definite status, and accept only what it can store.
 */
export type Mutation =
  | { kind: 'bitFlip'; position: number; bit: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'lengthLie'; fieldIndex: number; delta: number }
  | { kind: 'hugeVarint'; position: number; field: number }
  | { kind: 'repeatField'; fieldIndex: number; times: number }
  | { kind: 'wrongWireType'; fieldIndex: number; wireType: number }
  | { kind: 'insertBytes'; position: number; bytes: Uint8Array };

/** Applies `mutation`; positions and field indexes wrap around the body, so any number is valid. */
export function mutate(body: Buffer, mutation: Mutation): Buffer {
  const at = (position: number, length = body.length) => (length === 0 ? 0 : Math.abs(position) % length);
  switch (mutation.kind) {
    case 'bitFlip': {
      if (body.length === 0) return body;
      const out = Buffer.from(body);
      out[at(mutation.position)] ^= 1 << (mutation.bit & 7);
      return out;
    }
    case 'truncate':
      return body.subarray(0, at(mutation.keep, body.length + 1));
    case 'insertBytes': {
      const p = at(mutation.position, body.length + 1);
      return Buffer.concat([body.subarray(0, p), Buffer.from(mutation.bytes), body.subarray(p)]);
    }
    case 'hugeVarint': {
      // A varint field of 2^64 - 1, or an overlong (11-byte) varint, at a field boundary.
      const boundaries = [0, ...safeFields(body).map((f) => f.end)];
      const p = boundaries[at(mutation.position, boundaries.length)]!;
      const value = mutation.field % 2 === 0 ? varint(2n ** 64n - 1n) : Buffer.from([...Buffer.alloc(10, 0xff), 0x01]);
      return Buffer.concat([body.subarray(0, p), tag(1 + (Math.abs(mutation.field) % 20), WireType.Varint), value, body.subarray(p)]);
    }
    default: {
      const fields = safeFields(body);
      if (fields.length === 0) return body;
      const f = fields[at(mutation.fieldIndex, fields.length)]!;
      const before = body.subarray(0, f.start);
      const after = body.subarray(f.end);
      const whole = body.subarray(f.start, f.end);
      if (mutation.kind === 'repeatField') {
        return Buffer.concat([before, ...Array.from({ length: 1 + (Math.abs(mutation.times) % 64) }, () => whole), after]);
      }
      if (mutation.kind === 'wrongWireType') {
        const key = tag(f.field, (mutation.wireType & 7) as WireType);
        return Buffer.concat([before, key, body.subarray(f.afterTag, f.end), after]);
      }
      // lengthLie: the field's length prefix says more or fewer bytes than follow.
      if (f.wireType !== WireType.LengthDelimited) return body;
      const told = Math.max(0, f.end - f.valueStart + mutation.delta);
      return Buffer.concat([before, body.subarray(f.start, f.afterTag), varint(told), body.subarray(f.valueStart, f.end), after]);
    }
  }
}

function safeFields(body: Buffer): WireField[] {
  try {
    return topLevelFields(body);
  } catch {
    return []; // an earlier mutation broke the framing: mutate the bytes as they are
  }
}
