import fc from 'fast-check';
import { BitReader } from './bit-reader';
import { BitWriter } from './bit-writer';
import { readSvarint, readUvarint, svarintLength, uvarintLength, writeSvarint, writeUvarint } from './varint';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function encoded(write: (w: BitWriter, v: number) => void, value: number): string {
  const w = new BitWriter();
  write(w, value);
  return hex(w.finish());
}

describe('uvarint', () => {
  it.each([
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [60_000, 'e0d403'],
    [Number.MAX_SAFE_INTEGER, 'ffffffffffffff0f'],
  ])('%d <-> %s', (value, bytes) => {
    expect(encoded(writeUvarint, value)).toBe(bytes);
    expect(readUvarint(new BitReader(Buffer.from(bytes, 'hex')))).toBe(value);
  });
});

describe('svarint (sign-magnitude: varint of 2|v| + sign)', () => {
  it.each([
    [0, '00'],
    [1, '02'],
    [-1, '03'],
    [63, '7e'],
    [-64, '8101'],
    [3742, 'bc3a'],
    [1_700_000_000_000, '80a0abfef962'],
    [Number.MAX_SAFE_INTEGER, 'feffffffffffff1f'],
    [-Number.MAX_SAFE_INTEGER, 'ffffffffffffff1f'],
  ])('%d <-> %s', (value, bytes) => {
    expect(encoded(writeSvarint, value)).toBe(bytes);
    expect(readSvarint(new BitReader(Buffer.from(bytes, 'hex')))).toBe(value);
  });
});

describe('varint decoding refuses malformed input', () => {
  it.each<[string, string, (r: BitReader) => number, string]>([
    ['uvarint with a redundant zero byte', '8000', readUvarint, 'malformed'],
    ['uvarint longer than 8 bytes', 'ffffffffffffffff01', readUvarint, 'malformed'],
    ['uvarint above 2^53 - 1', 'ffffffffffffff10', readUvarint, 'malformed'],
    ['uvarint cut short', 'ff', readUvarint, 'truncated'],
    ['svarint -0', '01', readSvarint, 'malformed'],
    ['svarint with a redundant zero byte', '8100', readSvarint, 'malformed'],
    ['svarint above 2^53 - 1', 'feffffffffffff20', readSvarint, 'malformed'],
    ['svarint cut short', '80', readSvarint, 'truncated'],
  ])('%s', (_name, bytes, read, reason) => {
    expect(() => read(new BitReader(Buffer.from(bytes, 'hex')))).toThrow(expect.objectContaining({ reason }));
  });
});

describe('varint lengths', () => {
  it('match what the writers write', () => {
    fc.assert(
      fc.property(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (v) => {
        expect(svarintLength(v)).toBe(encoded(writeSvarint, v).length / 2);
        expect(uvarintLength(Math.abs(v))).toBe(encoded(writeUvarint, Math.abs(v)).length / 2);
      }),
    );
  });
});
