import fc from 'fast-check';

// Arbitraries shared by the chunk specs. Values are carried as 64-bit patterns so that NaN
// payloads reach the codec through a Float64Array exactly as generated.

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export interface Series {
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

export function fromBits(bits: readonly bigint[]): Float64Array {
  const values = new Float64Array(bits.length);
  const view = new BigUint64Array(values.buffer);
  bits.forEach((b, i) => (view[i] = b));
  return values;
}

export function toBits(values: Float64Array): bigint[] {
  return Array.from(new BigUint64Array(values.buffer, values.byteOffset, values.length));
}

const bitsOf = (v: number) => toBits(Float64Array.of(v))[0];

const nanBits = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 1n, max: (1n << 52n) - 1n }))
  .map(([negative, mantissa]) => (negative ? 1n << 63n : 0n) | (0x7ffn << 52n) | mantissa);

const specialValues = fc.constantFrom(
  -0,
  0,
  Infinity,
  -Infinity,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  2.2250738585072014e-308, // smallest normal
  2.225073858507201e-308, // largest subnormal
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MAX_SAFE_INTEGER,
  2 ** 51,
  2 ** 51 + 1,
  1e-300,
  1e300,
  0.1 + 0.2,
  1 / 3,
);

/** One value, as a bit pattern, from a deliberately nasty mix. */
export const valueBits: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  nanBits,
  specialValues.map(bitsOf),
  fc.double().map(bitsOf),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((i) => bitsOf(i / 100)),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((i) => bitsOf(i / 10 + 0.2)), // decimal-looking, not exact
  fc.integer().map(bitsOf),
);

/** Values of a whole series, in shapes that stress different encodings. */
function valueSeries(n: number): fc.Arbitrary<bigint[]> {
  const walk = (scale: number, step: number) =>
    fc
      .tuple(
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.array(fc.integer({ min: -step, max: step }), { minLength: n, maxLength: n }),
      )
      .map(([start, steps]) => {
        let m = start;
        return steps.map((s) => bitsOf((m += s) / 10 ** scale));
      });
  return fc.oneof(
    fc.array(valueBits, { minLength: n, maxLength: n }),
    fc.integer({ min: 0, max: 6 }).chain((scale) => walk(scale, 500)),
    walk(0, 3),
    valueBits.map((b) => Array.from({ length: n }, () => b)), // constant
    fc.array(fc.constantFrom(bitsOf(1.5), bitsOf(-0), bitsOf(NaN), bitsOf(42)), { minLength: n, maxLength: n }),
    fc
      .tuple(valueBits, fc.array(fc.oneof(fc.constant(undefined), valueBits), { minLength: n, maxLength: n }))
      .map(([first, changes]) => {
        let current = first;
        return changes.map((c) => (current = c ?? current)); // repeats with occasional changes
      }),
  );
}

/** Positive gaps: regular, jittered, irregular, huge. */
const gap = fc.oneof(
  { weight: 4, arbitrary: fc.constant(60_000) },
  { weight: 2, arbitrary: fc.integer({ min: 59_990, max: 60_010 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 10 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 31 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 40 }) },
);

export function seriesArb(opts: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<Series> {
  const { minLength = 1, maxLength = 300 } = opts;
  return fc.integer({ min: minLength, max: maxLength }).chain((n) =>
    fc
      .tuple(
        fc.oneof(
          fc.array(gap, { minLength: n - 1, maxLength: n - 1 }),
          gap.map((g) => Array.from({ length: n - 1 }, () => g)), // perfectly regular
        ),
        fc.double({ min: 0, max: 1, noNaN: true }),
        valueSeries(n),
      )
      .map(([gaps, where, bits]) => {
        const span = gaps.reduce((a, b) => a + b, 0);
        // Any first timestamp that keeps the last one safe, from -2^53+1 up.
        const spread = Math.floor(-MAX_SAFE + where * (2 * MAX_SAFE - span));
        const first = Math.min(MAX_SAFE - span, Math.max(-MAX_SAFE, spread));
        const timestamps = new Float64Array(n);
        timestamps[0] = first;
        for (let i = 1; i < n; i++) timestamps[i] = timestamps[i - 1] + gaps[i - 1];
        return { timestamps, values: fromBits(bits) };
      }),
  );
}
