import { histogramQuantile, median, parseHistograms, percentile, prng } from './stats';

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

  it('repeats a seeded sequence', () => {
    const a = prng(7);
    const b = prng(7);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});

describe('histogram quantiles', () => {
  const page = [
    '# TYPE t histogram',
    't_bucket{le="0.01",tier="warm"} 50',
    't_bucket{le="0.02",tier="warm"} 90',
    't_bucket{le="+Inf",tier="warm"} 100',
    't_bucket{le="0.01",tier="cold"} 0',
    't_bucket{le="+Inf",tier="cold"} 0',
    't_sum{tier="warm"} 1.2',
  ].join('\n');

  it('groups buckets by their other labels', () => {
    const parsed = parseHistograms(page, 't');
    expect([...parsed.keys()].sort()).toEqual(['tier=cold', 'tier=warm']);
    expect(parsed.get('tier=warm')).toEqual([[0.01, 50], [0.02, 90], [Infinity, 100]]);
  });

  it.each([
    [0.5, 0.01],
    [0.7, 0.015],
    [0.25, 0.005],
    [0.99, 0.02],
  ])('interpolates the %d quantile within its bucket', (q, expected) => {
    expect(histogramQuantile(q, parseHistograms(page, 't').get('tier=warm')!)).toBeCloseTo(expected, 9);
  });

  it('has no quantile for an empty histogram', () => {
    expect(histogramQuantile(0.5, parseHistograms(page, 't').get('tier=cold')!)).toBeNaN();
  });
});
