import fc from 'fast-check';
import { decodeHotValue, decodePackedHot, encodeHotValue, encodePackedHot, laterOffset, unsealedWins } from './hot-value';

describe('hot value bytes', () => {
  it.each<[string, number, number | undefined, number]>([
    ['legacy (no offset)', 1.5, undefined, 8],
    ['offset 0', -0, 0, 9],
    ['offset 255', 2, 255, 9],
    ['offset 256', 2, 256, 10],
    ['offset 2^32', 3, 2 ** 32, 13],
    ['largest safe offset', 4, Number.MAX_SAFE_INTEGER, 15],
  ])('%s: %d bytes, round trip', (_, value, offset, bytes) => {
    const encoded = encodeHotValue(value, offset);
    expect(encoded.length).toBe(bytes);
    const decoded = decodeHotValue(encoded);
    expect(Object.is(decoded.value, value)).toBe(true);
    expect(decoded.offset).toBe(offset);
  });

  it('reads a value written before offsets were kept (plain float64)', () => {
    const legacy = Buffer.alloc(8);
    legacy.writeDoubleBE(42.25, 0);
    expect(decodeHotValue(legacy)).toEqual({ value: 42.25, offset: undefined });
  });

  it.each([[Buffer.alloc(7)], [Buffer.alloc(16)], [Buffer.alloc(0)]])('refuses a value of %p bytes', (bytes) => {
    expect(() => decodeHotValue(bytes)).toThrow(/hot value of \d+ bytes/);
  });

  it.each([[-1], [1.5], [2 ** 53]])('refuses record offset %d', (offset) => {
    expect(() => encodeHotValue(1, offset)).toThrow(/record offset/);
  });

  it('round-trips any value and offset bit-exactly', () => {
    fc.assert(
      fc.property(fc.double(), fc.option(fc.nat({ max: Number.MAX_SAFE_INTEGER }), { nil: undefined }), (value, offset) => {
        const decoded = decodeHotValue(encodeHotValue(value, offset));
        expect(Object.is(decoded.value, value)).toBe(true);
        expect(decoded.offset).toBe(offset);
      }),
    );
  });
});

describe('packed hot copy', () => {
  const chunk = Uint8Array.from([2, 5, 9, 1, 0, 0, 0, 7]); // any chunk-codec bytes: first byte 1 or 2

  it('keeps the seal offset in front of the chunk and gives the chunk back unchanged', () => {
    const packed = encodePackedHot(chunk, 70_000);
    expect(packed.length).toBe(chunk.length + 2 + 3);
    const decoded = decodePackedHot(packed);
    expect(decoded.sealOffset).toBe(70_000);
    expect(Array.from(decoded.chunk)).toEqual(Array.from(chunk));
  });

  it('keeps per-point offsets between the seal offset and the chunk', () => {
    const points = new Map([[1_000, 70_010], [2_000, 69_990]]);
    const packed = encodePackedHot(chunk, 70_000, points);
    expect(packed[0]).toBe(0xf1);
    const decoded = decodePackedHot(packed);
    expect(decoded.sealOffset).toBe(70_000);
    expect([...decoded.pointOffsets]).toEqual([[1_000, 70_010], [2_000, 69_990]]);
    expect(Array.from(decoded.chunk)).toEqual(Array.from(chunk));
    expect(encodePackedHot(chunk, 70_000, new Map())[0]).toBe(0xf0); // none: the short header
    expect(() => encodePackedHot(chunk, undefined, points)).toThrow(/need a base/);
  });

  it('reads a copy written before seal offsets were kept (bare chunk) as offset unknown', () => {
    expect(decodePackedHot(chunk)).toEqual({ chunk, sealOffset: undefined, pointOffsets: new Map() });
    expect(Array.from(encodePackedHot(chunk, undefined))).toEqual(Array.from(chunk));
  });

  it.each([[Uint8Array.from([0xf0])], [Uint8Array.from([0xf0, 0])], [Uint8Array.from([0xf0, 8, 1, 2, 3, 4, 5, 6, 7, 8])], [Uint8Array.from([0xf0, 3, 1])]])(
    'refuses a malformed header %p',
    (bytes) => {
      expect(() => decodePackedHot(bytes)).toThrow(/malformed seal offset header/);
    },
  );
});

describe('unsealedWins (which of two writes of a point is newer)', () => {
  it.each<[string, number | undefined, number | undefined, boolean, boolean]>([
    ['replayed record older than the seal', 10, 20, true, false],
    ['replayed record the seal already holds (same offset)', 20, 20, true, false],
    ['record newer than the seal', 21, 20, true, true],
    ['seal has no value for the timestamp: even an old record fills it', 10, 20, false, true],
    ['legacy unsealed value (no offset) wins, as before', undefined, 20, true, true],
    ['legacy seal (no offset) loses to any unsealed value, as before', 10, undefined, true, true],
  ])('%s', (_, field, seal, sealedHasPoint, expected) => {
    expect(unsealedWins(field, seal, sealedHasPoint)).toBe(expected);
  });

  it('laterOffset prefers a known offset to an unknown one', () => {
    expect(laterOffset(undefined, 3)).toBe(3);
    expect(laterOffset(3, undefined)).toBe(3);
    expect(laterOffset(undefined, undefined)).toBeUndefined();
    expect(laterOffset(4, 9)).toBe(9);
  });
});
