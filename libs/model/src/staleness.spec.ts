import { rollup } from './rollup';
import { isStaleness, withoutStaleness } from './staleness';

describe('staleness', () => {
  const prometheusStale = Buffer.from('020000000000f07f', 'hex').readDoubleLE(0);

  it('is any NaN, the staleness marker and a plain NaN alike, and nothing else', () => {
    expect(isStaleness(prometheusStale)).toBe(true);
    expect(isStaleness(Number.NaN)).toBe(true);
    for (const v of [0, -0, Infinity, -Infinity, 1e308]) expect(isStaleness(v)).toBe(false);
  });

  it('is left out of the values, which come back as they were when there is none', () => {
    const clean = { timestamps: [1, 2], values: [1, 2] };
    expect(withoutStaleness(clean)).toBe(clean);
    const marked = { timestamps: [1, 2, 3, 4], values: [1, Number.NaN, 3, prometheusStale] };
    expect(withoutStaleness(marked)).toEqual({ timestamps: new Float64Array([1, 3]), values: new Float64Array([1, 3]) });
  });

  it('leaves a bucket that holds only staleness empty once filtered, and does not poison the others', () => {
    const points = withoutStaleness({ timestamps: [0, 10, 20, 60], values: [Number.NaN, 5, Number.NaN, Number.NaN] });
    expect(rollup(points, 60, 'sum')).toEqual({ timestamps: new Float64Array([0]), values: new Float64Array([5]) });
  });
});
