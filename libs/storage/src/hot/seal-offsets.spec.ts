import fc from 'fast-check';
import { decodePointOffsets, encodePointOffsets, newestSealedOffset, sealedPointOffset } from './seal-offsets';

describe('per-point seal offsets', () => {
  it('has a fixed byte layout: count, then time step and zigzag offset delta per point', () => {
    const bytes = encodePointOffsets(new Map([[120_000, 1_000], [60_000, 1_002]]), 1_001);
    // 2 points; t=60000 (e0 d4 03), +1 → zigzag 2; step 60000, -1 → zigzag 1
    expect(Array.from(bytes)).toEqual([2, 0xe0, 0xd4, 0x03, 2, 0xe0, 0xd4, 0x03, 1]);
    expect([...decodePointOffsets(bytes, 1_001).points]).toEqual([[60_000, 1_002], [120_000, 1_000]]);
  });

  it('round-trips any timestamps and offsets, and says where it ended', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 0, max: 2 ** 40 })), { selector: ([t]) => t, maxLength: 50 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (entries, base) => {
          const bytes = encodePointOffsets(new Map(entries), base);
          const framed = Uint8Array.from([9, ...bytes, 7]);
          const { points, end } = decodePointOffsets(framed, base, 1);
          expect(end).toBe(bytes.length + 1);
          expect([...points].sort((a, b) => a[0] - b[0])).toEqual([...entries].sort((a, b) => a[0] - b[0]));
        },
      ),
    );
  });

  it.each([
    ['truncated', [2, 0x80]],
    ['a repeated timestamp', [2, 5, 0, 0, 0]],
    ['an overlong uvarint', [1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0]],
  ])('refuses %s bytes', (_, bytes) => {
    expect(() => decodePointOffsets(Uint8Array.from(bytes), 0)).toThrow(/per-point seal offsets/);
  });

  it('answers the offset behind a sealed value, and the newest one', () => {
    const seal = { base: 10, points: new Map([[5, 30], [6, 4]]) };
    expect(sealedPointOffset(seal, 5)).toBe(30);
    expect(sealedPointOffset(seal, 7)).toBe(10);
    expect(newestSealedOffset(seal)).toBe(30);
    expect(newestSealedOffset({ base: undefined, points: new Map() })).toBeUndefined();
  });
});
