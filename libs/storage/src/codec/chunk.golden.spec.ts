import { decodeChunk, encodeChunk } from './chunk';
import { fromBits, toBits } from '../testing/chunk.test-support';
import { ChunkEncoding } from './encoding';

// Exact bytes of small chunks, derived by hand from docs/chunk-format.md (the decimal one is
// the worked example there). If one of these fails, the on-disk format changed: that needs
// a new encoding number, not an updated string.

const T0 = 1_700_000_000_000; // svarint 80 a0 ab fe f9 62

interface Golden {
  readonly name: string;
  readonly timestamps: number[];
  readonly values: Float64Array;
  readonly encoding: ChunkEncoding;
  readonly hex: string;
}

const goldens: Golden[] = [
  {
    // 01 | 05 | T0 | span 240000 = 80 d3 0e | ts mode ff (constant, gap implied = 60000)
    // 3ff8000000000000 = 1.5, then: 0 (1.5 again)
    // 11 00001 001110 11111111111101   2.25: new window, 1 leading zero, 14 bits
    // 10 00000000000110                3.75: fits that window
    // 11 00000 001111 110000000000111  -0: new window, 0 leading zeros, 15 bits
    name: 'XOR, regular minutes, all three XOR cases',
    timestamps: [T0, T0 + 60_000, T0 + 120_000, T0 + 180_000, T0 + 240_000],
    values: Float64Array.of(1.5, 1.5, 2.25, 3.75, -0),
    encoding: ChunkEncoding.Xor,
    hex: '010580a0abfef96280d30eff' + '3ff8000000000000' + '613bffd8006c07e007' + 'c7c3f238',
  },
  {
    // The worked example of docs/chunk-format.md: jittered timestamps with a gap, a
    // 2-decimal gauge.
    name: 'Decimal, jitter and a gap',
    timestamps: [T0, T0 + 60_000, T0 + 120_003, T0 + 180_000, T0 + 240_000, T0 + 540_000],
    values: Float64Array.of(37.42, 37.45, 37.4, 37.4, 36.98, 37.1),
    encoding: ChunkEncoding.Decimal,
    hex: '020680a0abfef962e0fa20' + '0113e0d403' + '02bc3a040000' + '39a7fffc93e03241f1d0' + 'f0a89211',
  },
  {
    // A perfectly linear counter at a regular interval: both streams constant, no bitstream.
    name: 'Decimal, header only',
    timestamps: [T0, T0 + 15_000, T0 + 30_000],
    values: Float64Array.of(1000, 1100, 1200),
    encoding: ChunkEncoding.Decimal,
    hex: '020380a0abfef962b0ea01' + 'ff' + '00d00fffc801' + 'c32279ff',
  },
  {
    name: 'Decimal, one point before the epoch',
    timestamps: [-1],
    values: Float64Array.of(0),
    encoding: ChunkEncoding.Decimal,
    hex: '02010300' + '0000' + 'f686dfd3',
  },
  {
    name: 'XOR, one signalling NaN with payload 1',
    timestamps: [0],
    values: fromBits([0x7ff0000000000001n]),
    encoding: ChunkEncoding.Xor,
    hex: '01010000' + '7ff0000000000001' + 'b3dcf747',
  },
];

describe('golden chunks', () => {
  it.each(goldens)('$name: encodes to the exact bytes', ({ timestamps, values, hex }) => {
    expect(Buffer.from(encodeChunk({ timestamps, values })).toString('hex')).toBe(hex);
  });

  it.each(goldens)('$name: decodes from the exact bytes', ({ timestamps, values, encoding, hex }) => {
    const decoded = decodeChunk(Buffer.from(hex, 'hex'));
    expect(decoded.encoding).toBe(encoding);
    expect(Array.from(decoded.timestamps)).toEqual(timestamps);
    expect(toBits(decoded.values)).toEqual(toBits(values));
  });
});
