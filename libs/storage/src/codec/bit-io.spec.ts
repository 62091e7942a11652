import fc from 'fast-check';
import { BitReader } from './bit-reader';
import { BitWriter } from './bit-writer';
import { CodecError } from './errors';

type Write = readonly [value: number, count: number];

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function written(writes: readonly Write[]): Uint8Array {
  const w = new BitWriter(1); // smallest buffer, so growth is exercised too
  for (const [value, count] of writes) w.writeBitsWide(value, count);
  return w.finish();
}

describe('BitWriter', () => {
  it.each<[string, Write[], string]>([
    ['nothing', [], ''],
    ['one bit is the top bit of a byte, zero-padded', [[1, 1]], '80'],
    ['bits pack MSB first across calls', [[1, 1], [0, 1], [1, 1], [1, 1]], 'b0'],
    ['a byte after 4 bits straddles two bytes', [[0xf, 4], [0xab, 8]], 'fab0'],
    ['32 bits in one call', [[0xdeadbeef, 32]], 'deadbeef'],
    ['32 bits at an odd offset', [[1, 1], [0xffffffff, 32]], 'ffffffff80'],
    ['zero-width writes write nothing', [[0, 0], [5, 3], [0, 0]], 'a0'],
    ['54-bit value', [[2 ** 53 + 2, 54]], '80000000000008'],
    ['33-bit value', [[2 ** 32 + 3, 33]], '8000000180'],
    ['max safe integer in 53 bits', [[Number.MAX_SAFE_INTEGER, 53]], 'fffffffffffff8'],
  ])('%s', (_name, writes, expected) => {
    expect(hex(written(writes))).toBe(expected);
  });

  it('ignores bits above count in writeBits', () => {
    const w = new BitWriter();
    w.writeBits(0xff, 4);
    w.writeBits(0x1ff, 4);
    expect(hex(w.finish())).toBe('ff');
  });

  it('reports its length in bits', () => {
    const w = new BitWriter();
    w.writeBits(3, 3);
    expect(w.bitLength).toBe(3);
    w.alignToByte();
    expect(w.bitLength).toBe(8);
  });
});

describe('BitReader', () => {
  it.each<[string, string, Write[]]>([
    ['single bits', 'b0', [[1, 1], [0, 1], [1, 1], [1, 1], [0, 4]]],
    ['straddling a byte boundary', 'fab0', [[0xf, 4], [0xab, 8], [0, 4]]],
    ['32 bits at an odd offset', 'ffffffff80', [[1, 1], [0xffffffff, 32], [0, 7]]],
    ['54-bit value', '80000000000008', [[2 ** 53 + 2, 54], [0, 2]]],
    ['zero-width read at the very end', '01', [[1, 8], [0, 0]]],
  ])('reads %s', (_name, bytes, reads) => {
    const r = new BitReader(Buffer.from(bytes, 'hex'));
    for (const [value, count] of reads) expect(r.readBitsWide(count)).toBe(value);
    expect(r.bitsRemaining).toBe(0);
  });

  it.each<[string, string, number, number, number]>([
    // bytes, max, expected result, expected bits consumed
    ['no ones', '00', 16, 0, 1],
    ['three ones then a zero', 'e0', 16, 3, 4],
    ['run reaches max: the zero after it is not consumed', 'ffff00', 16, 16, 16],
    ['run longer than max stops at max', 'ffffff', 16, 16, 16],
    ['ones crossing a byte boundary', 'ffc0', 31, 10, 11],
  ])('readUnary: %s', (_name, bytes, max, expected, consumed) => {
    const r = new BitReader(Buffer.from(bytes, 'hex'));
    expect(r.readUnary(max)).toBe(expected);
    expect(r.bitPosition).toBe(consumed);
  });

  it.each<[string, string, (r: BitReader) => unknown]>([
    ['readBits past the end', 'ff', (r) => r.readBits(9)],
    ['readBitsWide past the end', 'ffffffffff', (r) => r.readBitsWide(41)],
    ['readUnary whose terminating zero is missing', 'ff', (r) => r.readUnary(16)],
    ['readByte of an empty range', '', (r) => r.readByte()],
  ])('throws CodecError(truncated) on %s', (_name, bytes, read) => {
    const r = new BitReader(Buffer.from(bytes, 'hex'));
    expect(() => read(r)).toThrow(expect.objectContaining({ name: 'CodecError', reason: 'truncated' }));
  });

  it('reads only within its range, even when the buffer continues', () => {
    const bytes = Buffer.from('aabbccdd', 'hex');
    const r = new BitReader(bytes, 1, 3);
    expect(r.readBits(16)).toBe(0xbbcc);
    expect(() => r.readBit()).toThrow(CodecError);
  });

  it('rejects non-zero padding when aligning', () => {
    const r = new BitReader(Buffer.from('a1', 'hex'));
    r.readBits(3);
    expect(() => r.alignToByte()).toThrow(expect.objectContaining({ reason: 'malformed' }));
  });

  it('reads back any sequence of writes', () => {
    const write = fc
      .integer({ min: 0, max: 54 })
      .chain((count) =>
        fc.tuple(fc.bigInt({ min: 0n, max: (1n << BigInt(Math.min(count, 53))) - 1n }).map(Number), fc.constant(count)),
      );
    fc.assert(
      fc.property(fc.array(write, { maxLength: 200 }), (writes) => {
        const r = new BitReader(written(writes));
        for (const [value, count] of writes) expect(r.readBitsWide(count)).toBe(value);
        expect(r.bitsRemaining).toBeLessThan(8);
      }),
    );
  });
});
