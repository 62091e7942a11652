import fc from 'fast-check';
import * as reference from 'snappyjs';
import { snappyCompress, snappyCompressWithLiterals, snappyDeclaredLength, snappyUncompress, SnappyError } from './snappy';

const MAX = 1 << 20;

/** Protobuf-like runs of repeated words (label names, timestamps). */
const wordy = fc
  .array(fc.constantFrom(...['__name__', 'node_cpu_seconds_total', 'instance', 'job', '\x00\x01', 'x'].map((s) => Buffer.from(s))), { maxLength: 2_000 })
  .map((parts) => new Uint8Array(Buffer.concat(parts)));

// Inputs with repeats, as protobuf bodies have (label names, timestamps), and without.
const bodies = fc.oneof(
  fc.uint8Array({ maxLength: 5_000 }),
  wordy,
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 100_000 })).map(([unit, times]) => new Uint8Array(Buffer.concat(Array(times).fill(Buffer.from(unit))))),
);

describe('snappy block codec', () => {
  it('reads what an independent encoder writes', () => {
    fc.assert(
      fc.property(bodies, (input) => {
        expect(Buffer.compare(snappyUncompress(reference.compress(input), MAX), Buffer.from(input))).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('writes what an independent decoder reads, and reads it back itself', () => {
    fc.assert(
      fc.property(bodies, (input) => {
        const block = snappyCompress(input);
        expect(Buffer.compare(Buffer.from(reference.uncompress(block)), Buffer.from(input))).toBe(0);
        expect(Buffer.compare(snappyUncompress(block, MAX), Buffer.from(input))).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('moves literals and copies on both sides of the length it stops calling native copies at', () => {
    // Hand-made elements: literals of 24 and 25 bytes, copies of 24 and 25 bytes (apart and
    // overlapping), checked against the plain definition of each element.
    const elements: Array<{ literal: number[] } | { run: number; distance: number }> = [
      { literal: Array.from({ length: 25 }, (_, i) => i) },
      { run: 24, distance: 25 },
      { run: 25, distance: 49 },
      { literal: Array.from({ length: 24 }, (_, i) => 100 + i) },
      { run: 25, distance: 3 },
      { run: 24, distance: 1 },
      { run: 4, distance: 70 },
    ];
    const expected: number[] = [];
    const block: number[] = [];
    for (const e of elements) {
      if ('literal' in e) {
        block.push((e.literal.length - 1) << 2, ...e.literal);
        expected.push(...e.literal);
      } else {
        block.push(((e.run - 1) << 2) | 2, e.distance & 0xff, e.distance >>> 8);
        for (let k = 0; k < e.run; k++) expected.push(expected[expected.length - e.distance]);
      }
    }
    const bytes = new Uint8Array([expected.length & 0x7f | 0x80, expected.length >>> 7, ...block]);
    expect([...snappyUncompress(bytes, MAX)]).toEqual(expected);
    expect([...reference.uncompress(bytes)]).toEqual(expected);
  });

  it('compresses repetitive input', () => {
    const input = Buffer.alloc(100_000, 'node_cpu_seconds_total{cpu="0"} ');
    expect(snappyCompress(input).length).toBeLessThan(input.length / 10);
  });

  it('refuses a block that declares more than the limit before taking any memory', () => {
    // 5 bytes that claim 4 GiB - 1.
    const block = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(snappyDeclaredLength(block).length).toBe(0xffffffff);
    expect(() => snappyUncompress(block, MAX)).toThrow(expect.objectContaining({ kind: 'too-large' }));
    const atLimit = snappyCompress(Buffer.alloc(MAX, 1));
    expect(snappyUncompress(atLimit, MAX).length).toBe(MAX);
    expect(() => snappyUncompress(snappyCompress(Buffer.alloc(MAX + 1, 1)), MAX)).toThrow(/declares 1048577 bytes uncompressed; the limit is 1048576/);
  });

  it.each([
    ['empty', []],
    ['a length that never ends', [0x80, 0x80]],
    ['a length over 32 bits', [0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
    ['a literal past the block', [10, 9 << 2, 1, 2]],
    ['a literal past the declared length', [1, 1 << 2, 1, 2]],
    ['a copy before the start', [4, 0, 7, (0 << 2) | 2, 5, 0]],
    ['a copy of distance 0', [4, 0, 7, (2 << 2) | 2, 0, 0]],
    ['fewer bytes than declared', [5, 0, 7]],
    ['a truncated copy', [4, 0, 7, 2, 1]],
  ])('refuses %s as corrupt', (_, bytes) => {
    expect(() => snappyUncompress(Buffer.from(bytes), MAX)).toThrow(SnappyError);
  });

  it('never throws anything but SnappyError on random bytes, and never writes past the declared length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          const out = snappyUncompress(bytes, 4_096);
          expect(out.length).toBe(snappyDeclaredLength(bytes).length);
        } catch (error) {
          expect(error).toBeInstanceOf(SnappyError);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('snappy with kept literals', () => {
  it('leaves the marked bytes as literals a sender can rewrite in place, and compresses the rest', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 5_000 }), wordy), fc.integer({ min: 0, max: 2 ** 31 }), (input, seed) => {
        if (input.length === 0) return;
        // Mark about one byte in 16, in runs of up to 8.
        const literal = new Uint8Array(input.length);
        let s = seed;
        for (let i = 0; i < input.length; i++) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          if (s % 16 === 0) literal.fill(1, i, Math.min(input.length, i + 1 + (s % 8)));
        }
        const { block, outputOf } = snappyCompressWithLiterals(input, literal);
        const patched = Buffer.from(input);
        const patchedBlock = Buffer.from(block);
        for (let i = 0; i < input.length; i++) {
          if (!literal[i]) continue;
          const at = outputOf(i);
          expect(at).toBeGreaterThan(0);
          patched[i] = (patched[i] + 1) & 0xff;
          patchedBlock[at] = patched[i];
        }
        expect(Buffer.compare(Buffer.from(reference.uncompress(patchedBlock)), patched)).toBe(0);
      }),
      { numRuns: 200 },
    );
    const repetitive = Buffer.alloc(50_000, 'node_cpu_seconds_total{cpu="0"} ');
    const marks = new Uint8Array(repetitive.length);
    for (let i = 0; i < marks.length; i += 1_000) marks[i] = 1;
    expect(snappyCompressWithLiterals(repetitive, marks).block.length).toBeLessThan(repetitive.length / 5);
  });
});
