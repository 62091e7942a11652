import { crc32c, encodeXorChunk, frame } from './xor-chunk';

// Golden chunks: these bytes were decoded by Prometheus's own XOR chunk reader (its Go
// module v0.316.0, tsdb/chunkenc) back to exactly these samples, together with 300 random
// chunks of every delta-of-delta bucket and value shape, when the encoder was written.
const bits = (hex: string) => Buffer.from(hex, 'hex').readDoubleBE(0);

describe('XOR chunk', () => {
  it.each([
    ['one sample', [1_700_000_000_000], ['3ff8000000000000'], '000180a0abfef9623ff8000000000000'],
    [
      'a repeated value and a staleness marker',
      [1_000, 2_000, 3_000, 4_000],
      ['3fe0000000000000', '3fe6666666666666', '7ff0000000000002', '3fe6666666666666'],
      '0004d00f3fe0000000000000e807db96666666666666c3ec01666666666666540166666666666640',
    ],
    ['-0 then a value with every significant bit', [1_486_876_897_513, 1_486_876_931_267], ['8000000000000000', '7fcb4359ffffffff'], '0002d2c3a78cc6568000000000000000da8702c007fe5a1acffffffff8'],
  ])('writes %s as Prometheus reads it', (_, timestamps, values, golden) => {
    expect(Buffer.from(encodeXorChunk(timestamps, values.map(bits))).toString('hex')).toBe(golden);
  });

  it('writes any NaN as the staleness marker', () => {
    expect(Buffer.from(encodeXorChunk([5], [Number.NaN])).toString('hex')).toBe(Buffer.from(encodeXorChunk([5], [bits('7ff0000000000002')])).toString('hex'));
  });

  it('refuses more samples than the 16-bit count holds', () => {
    const n = 65_536;
    expect(() => encodeXorChunk(new Float64Array(n).map((_, i) => i), new Float64Array(n))).toThrow(RangeError);
  });
});

describe('streamed frames', () => {
  it('checks each frame with CRC-32C (check value 0xE3069283)', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const message = Buffer.alloc(300, 7);
    const framed = frame(message);
    expect(framed.subarray(0, 2).toString('hex')).toBe('ac02'); // 300 as a varint
    expect(framed.readUInt32BE(2)).toBe(crc32c(message));
    expect(Buffer.compare(framed.subarray(6), message)).toBe(0);
  });
});
