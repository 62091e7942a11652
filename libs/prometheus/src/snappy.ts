import { StrataError } from '@strata/runtime';

/**
 * Snappy's block format (not the framed one), the compression of Prometheus remote write
 * and of remote read's SAMPLES answers. A block is the uncompressed length as a varint,
 * then elements: literals (bytes as they are) and copies (length and distance back into
 * what is already decoded).
 *
 * The decoder never trusts the sender: the declared length is checked against the caller's
 * limit before any memory is taken, so a 100-byte body that claims 4 GiB costs nothing,
 * and every element is bounds-checked against both buffers.
 */

/** A body that is not a valid snappy block, or declares more bytes than allowed. */
export class SnappyError extends StrataError {
  constructor(
    message: string,
    /** `too-large`: valid as far as read, but declaring more than the limit. */
    readonly kind: 'corrupt' | 'too-large' = 'corrupt',
  ) {
    super(message, { context: { kind } });
  }
}

/** The uncompressed length a block declares, and where its elements start. */
export function snappyDeclaredLength(block: Uint8Array): { length: number; start: number } {
  let length = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= block.length) throw new SnappyError('snappy block ends inside its length');
    const byte = block[i];
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      if (length > 0xffffffff) throw new SnappyError('snappy length is over 32 bits');
      return { length, start: i + 1 };
    }
    shift += 7;
  }
  throw new SnappyError('snappy length is over 32 bits');
}

/** Runs up to this many bytes are moved by a loop; longer ones by Buffer's native copy. */
const SHORT_RUN = 24;

/** Decompresses one block into a new Buffer of its declared length, at most `maxLength` bytes. */
export function snappyUncompress(block: Uint8Array, maxLength: number): Buffer {
  const { length, start } = snappyDeclaredLength(block);
  if (length > maxLength) {
    throw new SnappyError(`snappy block declares ${length} bytes uncompressed; the limit is ${maxLength}`, 'too-large');
  }
  const out = Buffer.allocUnsafe(length);
  let op = 0;
  let ip = start;
  const end = block.length;
  while (ip < end) {
    const tag = block[ip++];
    const kind = tag & 3;
    if (kind === 0) {
      let run = tag >>> 2;
      if (run >= 60) {
        const bytes = run - 59;
        if (ip + bytes > end) throw new SnappyError('snappy literal length runs past the block');
        run = 0;
        for (let b = 0; b < bytes; b++) run += block[ip + b] * 2 ** (8 * b);
        ip += bytes;
      }
      run += 1;
      if (ip + run > end) throw new SnappyError('snappy literal runs past the block');
      if (op + run > length) throw new SnappyError('snappy literal runs past the declared length');
      if (run <= SHORT_RUN) {
        // A native copy costs more to call than a few bytes cost to move (a label value, a varint).
        for (let k = 0; k < run; k++) out[op + k] = block[ip + k];
      } else out.set(block.subarray(ip, ip + run), op);
      ip += run;
      op += run;
      continue;
    }
    let run: number;
    let distance: number;
    if (kind === 1) {
      if (ip + 1 > end) throw new SnappyError('snappy copy runs past the block');
      run = 4 + ((tag >>> 2) & 7);
      distance = ((tag >>> 5) << 8) | block[ip];
      ip += 1;
    } else if (kind === 2) {
      if (ip + 2 > end) throw new SnappyError('snappy copy runs past the block');
      run = 1 + (tag >>> 2);
      distance = block[ip] | (block[ip + 1] << 8);
      ip += 2;
    } else {
      if (ip + 4 > end) throw new SnappyError('snappy copy runs past the block');
      run = 1 + (tag >>> 2);
      distance = block[ip] + block[ip + 1] * 0x100 + block[ip + 2] * 0x10000 + block[ip + 3] * 0x1000000;
      ip += 4;
    }
    if (distance === 0 || distance > op) throw new SnappyError(`snappy copy reaches ${distance} bytes back from byte ${op}`);
    if (op + run > length) throw new SnappyError('snappy copy runs past the declared length');
    if (distance >= run && run > SHORT_RUN) {
      out.copyWithin(op, op - distance, op - distance + run);
      op += run;
    } else {
      // Short, or overlapping (the copy then repeats the last `distance` bytes): byte by byte.
      for (let k = 0; k < run; k++, op++) out[op] = out[op - distance];
    }
  }
  if (op !== length) throw new SnappyError(`snappy block decodes to ${op} bytes but declares ${length}`);
  return out;
}

const HASH_BITS = 14;
const MAX_DISTANCE = 65_535;
const MIN_MATCH = 4;

/**
 * Compresses `input` into one block: a greedy match finder over a hash of every 4 bytes,
 * with copies up to 64 KiB back. Smaller and slower to write than the reference encoder's
 * output is not the aim; any snappy decoder reads it.
 */
export function snappyCompress(input: Uint8Array): Buffer {
  return compress(input, undefined).block;
}

/**
 * {@link snappyCompress}, keeping the input bytes that `literal` marks (non-zero) as literals
 * that no copy reads or writes, so that they can be rewritten in place inside the block:
 * `outputOf(offset)` is where input byte `offset` landed in the block (-1 for a byte a copy
 * carries). What a load generator needs to send new samples in a body compressed once.
 */
export function snappyCompressWithLiterals(input: Uint8Array, literal: Uint8Array): { block: Buffer; outputOf: (inputOffset: number) => number } {
  return compress(input, literal);
}

function compress(input: Uint8Array, literal: Uint8Array | undefined): { block: Buffer; outputOf: (inputOffset: number) => number } {
  const n = input.length;
  // Generous: every byte a literal with a tag of up to 3 bytes per 60 of them, plus the
  // length; a copy is never longer than the bytes it replaces.
  const out = Buffer.allocUnsafe(5 + n + Math.ceil(n / 60) * 3 + 16);
  let op = writeVarint(out, 0, n);
  // The next kept-literal byte at or after each offset (n: none).
  let nextLiteral: Int32Array | undefined;
  if (literal) {
    nextLiteral = new Int32Array(n + 1).fill(n);
    for (let i = n - 1; i >= 0; i--) nextLiteral[i] = literal[i] ? i : nextLiteral[i + 1];
  }
  const segments: Array<{ from: number; to: number; at: number }> = [];
  const emitLiteral = (from: number, to: number) => {
    op = writeLiteral(out, op, input, from, to, literal ? segments : undefined);
  };
  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  let literalStart = 0;
  let ip = 0;
  while (ip + MIN_MATCH <= n) {
    if (nextLiteral && nextLiteral[ip] < ip + MIN_MATCH) {
      // No window holding a kept byte is hashed or matched.
      ip = nextLiteral[ip] + 1;
      continue;
    }
    const word = input[ip] | (input[ip + 1] << 8) | (input[ip + 2] << 16) | (input[ip + 3] << 24);
    const slot = Math.imul(word, 0x1e35a7bd) >>> (32 - HASH_BITS);
    const candidate = table[slot];
    table[slot] = ip;
    if (
      candidate >= 0 &&
      ip - candidate <= MAX_DISTANCE &&
      input[candidate] === input[ip] &&
      input[candidate + 1] === input[ip + 1] &&
      input[candidate + 2] === input[ip + 2] &&
      input[candidate + 3] === input[ip + 3]
    ) {
      emitLiteral(literalStart, ip);
      const maxRun = nextLiteral ? Math.min(nextLiteral[ip] - ip, nextLiteral[candidate] - candidate) : n - ip;
      let run = MIN_MATCH;
      while (run < maxRun && input[candidate + run] === input[ip + run]) run++;
      op = writeCopy(out, op, ip - candidate, run);
      ip += run;
      literalStart = ip;
    } else {
      ip++;
    }
  }
  emitLiteral(literalStart, n);
  const outputOf = (offset: number) => {
    let lo = 0;
    let hi = segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = segments[mid];
      if (offset < s.from) hi = mid - 1;
      else if (offset >= s.to) lo = mid + 1;
      else return s.at + offset - s.from;
    }
    return -1;
  };
  return { block: out.subarray(0, op), outputOf };
}

function writeVarint(out: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}

function writeLiteral(out: Buffer, op: number, input: Uint8Array, from: number, to: number, segments?: Array<{ from: number; to: number; at: number }>): number {
  let at = from;
  while (at < to) {
    // At most 65,536 bytes per literal element: a two-byte length (tag 61).
    const run = Math.min(to - at, 65_536);
    const code = run - 1;
    if (code < 60) {
      out[op++] = code << 2;
    } else if (code < 0x100) {
      out[op++] = 60 << 2;
      out[op++] = code;
    } else {
      out[op++] = 61 << 2;
      out[op++] = code & 0xff;
      out[op++] = code >>> 8;
    }
    segments?.push({ from: at, to: at + run, at: op });
    out.set(input.subarray(at, at + run), op);
    op += run;
    at += run;
  }
  return op;
}

function writeCopy(out: Buffer, op: number, distance: number, run: number): number {
  while (run > 0) {
    // A two-byte-distance copy carries 1 to 64 bytes; never leave a remainder under 4 for
    // simplicity's sake (any length from 1 works, so this is only to keep copies long).
    const take = run > 64 ? (run - 64 < MIN_MATCH ? 60 : 64) : run;
    out[op++] = ((take - 1) << 2) | 2;
    out[op++] = distance & 0xff;
    out[op++] = distance >>> 8;
    run -= take;
  }
  return op;
}
