import { planDecimal } from './decimal';

describe('planDecimal', () => {
  it.each<[string, number[], number | undefined]>([
    ['integers', [1, 2, 300, -7], 0],
    ['2-decimal percentages', [37.42, 37.45, 37.4, 100], 2],
    ['the most digits decide', [0.5, 0.25, 0.125], 3],
    ['negative decimals', [-0.001, 2.5], 3],
    ['+0', [0, 1.5], 1],
    ['15 fractional digits', [0.123456789012345], 15],
    ['0.1 + 0.2 is not a short decimal', [0.1 + 0.2], undefined],
    ['1/3', [1 / 3], undefined],
    ['-0 would lose its sign', [1, -0], undefined],
    ['NaN', [1, NaN], undefined],
    ['Infinity', [Infinity], undefined],
    ['subnormals', [Number.MIN_VALUE], undefined],
    ['integers above 2^51', [2 ** 51 + 2], undefined],
    ['a value that outgrows the range at a later scale', [2 ** 50, 0.5], undefined],
  ])('%s -> scale %p', (_name, values, scale) => {
    expect(planDecimal(Float64Array.from(values))?.scale).toBe(scale);
  });

  it('turns values into scaled-integer deltas', () => {
    const plan = planDecimal(Float64Array.of(37.42, 37.45, 37.4));
    expect(plan?.first).toBe(3742);
    expect(Array.from(plan?.deltas?.deltas ?? [])).toEqual([3, -5]);
  });
});
