import { StrataError } from './errors';

/**
 * Just enough of the protobuf wire format to walk a message without making an object per
 * field: the remote-write decoders read straight from the request's bytes. Every read is
 * bounds-checked; a body that breaks the format throws {@link WireError}.
 */

export class WireError extends StrataError {}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** A cursor over `buf[pos, end)`. */
export class WireReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    public end = buf.length,
  ) {
    this.pos = start;
  }

  /**
   * Reads only up to `end` from here (an embedded message's contents, from {@link bytes});
   * returns the bound in force before, for the caller to restore after the message.
   */
  limit(end: number): number {
    const before = this.end;
    this.end = end;
    return before;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a number; exact up to 2^53, and negative int64s come back as 2^64 - n (beyond exact). */
  varint(): number {
    const { buf, end } = this;
    let pos = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new WireError('message ends inside a varint');
      const byte = buf[pos++];
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        this.pos = pos;
        return result;
      }
      scale *= 128;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  /**
   * An int64 varint as a number: exact for every value a millisecond timestamp can take;
   * NaN when it is not a safe integer (negative, or beyond 2^53), for validation to refuse.
   */
  int64(): number {
    const start = this.pos;
    const value = this.varint();
    // A negative int64 is ten bytes with the top bit set; its value above is ~2^64.
    if (this.pos - start === 10 || !Number.isSafeInteger(value)) return Number.NaN;
    return value;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new WireError('message ends inside a double');
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  /** The tag of the next field: `field << 3 | wireType`. */
  tag(): number {
    const tag = this.varint();
    if (tag > 0xffffffff || tag >>> 3 === 0) throw new WireError(`invalid field tag ${tag}`);
    return tag;
  }

  /** The bounds of the next length-delimited field's contents; moves past it. */
  bytes(): { start: number; end: number } {
    const length = this.varint();
    const start = this.pos;
    if (length > this.end - start) throw new WireError('length-delimited field runs past its message');
    this.pos = start + length;
    return { start, end: start + length };
  }

  string(): string {
    const { start, end } = this.bytes();
    return this.buf.toString('utf8', start, end);
  }

  /** Skips a field of the given wire type (groups are refused: proto3 has none). */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_BYTES:
        this.bytes();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        throw new WireError(`unsupported wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new WireError('message ends inside a fixed-width field');
    this.pos += n;
  }
}

/** Longest string {@link writeShortAscii} takes: past it, Buffer's own writer is the cheaper call. */
export const SHORT_ASCII_CHARS = 64;

/**
 * Writes a short ASCII string into `buf` at `pos` one byte per character and returns the
 * position after it; returns -1, having written nothing that counts, for a string longer
 * than {@link SHORT_ASCII_CHARS} or with a character past 0x7f (the caller then writes it as
 * UTF-8). For the keys, names and numbers that encoders write by the million, a loop here
 * costs less than the call into Buffer's writer and the length it needs first. `buf` must
 * have room for `s.length` bytes at `pos`.
 */
export function writeShortAscii(buf: Uint8Array, pos: number, s: string): number {
  const n = s.length;
  if (n > SHORT_ASCII_CHARS) return -1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return -1;
    buf[pos + i] = c;
  }
  return pos + n;
}
