import { ColdFormatError } from './cold-errors';

// Byte-level writing and reading for the cold-tier formats (docs/cold-format.md). Integers
// are the chunk format's uvarints (LEB128, at most 8 bytes, no redundant trailing zero
// group, at most 2^53 - 1); fixed-width integers are little-endian.

const MAX_VARINT_BYTES = 8;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A growable byte buffer. Not thread-safe; `finish()` hands the bytes over. */
export class ByteWriter {
  private buffer: Uint8Array;
  private length = 0;

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(Math.max(16, initialCapacity));
  }

  get position(): number {
    return this.length;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value & 0xff;
  }

  u32(value: number): void {
    this.ensure(4);
    new DataView(this.buffer.buffer, this.buffer.byteOffset).setUint32(this.length, value >>> 0, true);
    this.length += 4;
  }

  /** A safe integer as 8 bytes, little-endian. */
  u64(value: number): void {
    this.u32(value % 0x1_0000_0000);
    this.u32(Math.floor(value / 0x1_0000_0000));
  }

  uvarint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`uvarint ${value} is not a safe non-negative integer`);
    let v = value;
    while (v >= 0x80) {
      this.u8((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.u8(v);
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  /** uvarint byte length, then the UTF-8 bytes. */
  string(value: string): void {
    const data = encoder.encode(value);
    this.uvarint(data.length);
    this.bytes(data);
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }
}

/** Reads `bytes[start, end)`; every read past the end throws ColdFormatError('truncated'). */
export class ByteReader {
  private offset: number;

  constructor(
    private readonly data: Uint8Array,
    private readonly what: string,
    start = 0,
    private readonly end = data.length,
  ) {
    this.offset = start;
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  u8(): number {
    this.need(1);
    return this.data[this.offset++];
  }

  u32(): number {
    this.need(4);
    const value = new DataView(this.data.buffer, this.data.byteOffset).getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  u64(): number {
    const low = this.u32();
    const high = this.u32();
    const value = high * 0x1_0000_0000 + low;
    if (!Number.isSafeInteger(value)) throw this.malformed(`64-bit integer exceeds 2^53 - 1`);
    return value;
  }

  uvarint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const byte = this.u8();
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (byte === 0 && i > 0) throw this.malformed('varint has a redundant zero byte');
        if (result > Number.MAX_SAFE_INTEGER) throw this.malformed('varint exceeds 2^53 - 1');
        return result;
      }
      scale *= 0x80;
    }
    throw this.malformed(`varint longer than ${MAX_VARINT_BYTES} bytes`);
  }

  /** A view (no copy) of the next `length` bytes. */
  bytes(length: number): Uint8Array {
    this.need(length);
    const view = this.data.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }

  string(): string {
    const raw = this.bytes(this.uvarint());
    try {
      return decoder.decode(raw);
    } catch {
      throw this.malformed('a string is not valid UTF-8');
    }
  }

  malformed(detail: string): ColdFormatError {
    return new ColdFormatError('malformed', this.what, `${detail} (at byte ${this.offset})`);
  }

  private need(n: number): void {
    if (this.offset + n > this.end) {
      throw new ColdFormatError('truncated', this.what, `needs ${n} byte(s) at ${this.offset}, has ${this.end - this.offset}`);
    }
  }
}

export function utf8(value: string): Uint8Array {
  return encoder.encode(value);
}

/** Byte-wise comparison of UTF-8 encodings: the order of series keys in a block index. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Orders series keys as blocks store them: by their UTF-8 bytes. */
export function compareSeriesKeys(a: string, b: string): number {
  return compareBytes(utf8(a), utf8(b));
}
