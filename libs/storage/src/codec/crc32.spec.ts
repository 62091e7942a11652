import { crc32 } from './crc32';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('crc32', () => {
  it.each([
    ['', 0x00000000],
    ['a', 0xe8b7be43],
    ['123456789', 0xcbf43926], // the standard check value of CRC-32/ISO-HDLC
    ['The quick brown fox jumps over the lazy dog', 0x414fa339],
  ])('crc32(%j) = %d', (text, expected) => {
    expect(crc32(ascii(text))).toBe(expected);
  });

  it('covers only the requested range', () => {
    const bytes = ascii('xx123456789yy');
    expect(crc32(bytes, 2, 11)).toBe(0xcbf43926);
  });
});
