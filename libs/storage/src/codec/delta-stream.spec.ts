import fc from 'fast-check';
import { BitReader } from './bit-reader';
import { BitWriter } from './bit-writer';
import {
  CONSTANT_MODE,
  bitLength,
  deltaParamBytes,
  planDeltas,
  readDeltaBits,
  readDeltaParams,
  unzigzag,
  writeDeltaBits,
  writeDeltaParams,
  zigzag,
} from './delta-stream';

describe('zigzag', () => {
  it.each([
    [0, 0],
    [-1, 1],
    [1, 2],
    [-2, 3],
    [2 ** 31, 2 ** 32],
    [-(2 ** 52), 2 ** 53 - 1],
  ])('%d <-> %d', (v, u) => {
    expect(zigzag(v)).toBe(u);
    expect(unzigzag(u)).toBe(v);
  });
});

describe('bitLength', () => {
  it.each([
    [0, 0],
    [1, 1],
    [255, 8],
    [2 ** 32 - 1, 32],
    [2 ** 32, 33],
    [2 ** 53, 54],
  ])('bitLength(%d) = %d', (v, bits) => expect(bitLength(v)).toBe(bits));
});

function roundTrip(deltas: number[], signed: boolean) {
  const plan = planDeltas(Float64Array.from(deltas), signed);
  const w = new BitWriter();
  writeDeltaParams(w, plan);
  const paramBits = w.bitLength;
  writeDeltaBits(w, plan);
  const bitstreamBits = w.bitLength - paramBits;
  const r = new BitReader(w.finish());
  const params = readDeltaParams(r, signed);
  const out = new Float64Array(deltas.length);
  readDeltaBits(r, params, signed, out, 0, deltas.length);
  return { plan, paramBits, bitstreamBits, out: Array.from(out) };
}

describe('delta stream', () => {
  it.each<[string, number[], boolean, { mode: number; bias: number; escapeWidth: number }, number]>([
    // name, deltas, signed, expected params, expected bitstream bits
    ['regular gaps cost nothing', [60_000, 60_000, 60_000], false, { mode: CONSTANT_MODE, bias: 60_000, escapeWidth: 0 }, 0],
    // residuals 0 2 -1 0 1 -> zigzag 0 4 1 0 2 -> k = 0: unary 1+5+2+1+3 bits
    ['jitter around the median', [60_000, 60_002, 59_999, 60_000, 60_001], false, { mode: 0, bias: 60_000, escapeWidth: 0 }, 12],
    // zigzag 0 0 (escape) 0 2 -> k = 0; the escape is 16 ones + 22 bits of 3 600 000
    ['a gap escapes', [60_000, 60_000, 3_600_000, 60_000, 60_001], false, { mode: 0, bias: 60_000, escapeWidth: 22 }, 1 + 1 + 38 + 1 + 3],
    // zigzag 6 9 0 2 3 -> k = 2: quotients 1 2 0 0 0, each + 1 stop bit + 2 remainder bits
    ['a signed random walk', [3, -5, 0, 1, -2], true, { mode: 2, bias: 0, escapeWidth: 0 }, 4 + 5 + 3 + 3 + 3],
  ])('%s', (_name, deltas, signed, params, bits) => {
    const { plan, bitstreamBits, out } = roundTrip(deltas, signed);
    expect(plan.params).toEqual(params);
    expect(plan.bits).toBe(bits);
    expect(bitstreamBits).toBe(bits);
    expect(out).toEqual(deltas);
  });

  it('round-trips any safe deltas and predicts its own size', () => {
    const signedDelta = fc.oneof(
      fc.integer({ min: -100, max: 100 }),
      fc.integer(),
      fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
    );
    const unsignedDelta = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(signedDelta, { minLength: 1, maxLength: 100 }),
        fc.array(unsignedDelta, { minLength: 1, maxLength: 100 }),
        (signed, s, u) => {
          const deltas = signed ? s : u;
          const { plan, paramBits, bitstreamBits, out } = roundTrip(deltas, signed);
          expect(out).toEqual(deltas);
          expect(bitstreamBits).toBe(plan.bits);
          expect(paramBits).toBe(deltaParamBytes(plan) * 8);
        },
      ),
    );
  });
});
