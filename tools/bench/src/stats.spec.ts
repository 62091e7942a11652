import { median, percentile } from './stats';

describe('bench statistics', () => {
  it.each([
    [[5], 50, 5],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 99, 4],
    [[4, 1, 3, 2, 5], 50, 3],
    [Array.from({ length: 100 }, (_, i) => i + 1), 99, 99],
  ])('percentile(%j, %d) = %d', (samples, p, expected) => {
    expect(percentile(samples, p)).toBe(expected);
  });

  it('has no median without samples', () => {
    expect(median([])).toBeNaN();
  });
});
