import fc from 'fast-check';
import { selectKth } from './select';

describe('selectKth', () => {
  it('finds the element a full sort would put at k', () => {
    const input = fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true })), { minLength: 1 });
    fc.assert(
      fc.property(input, fc.nat(), (xs, at) => {
        const k = at % xs.length;
        const sorted = Float64Array.from(xs).sort();
        expect(selectKth(Float64Array.from(xs), k) === sorted[k]).toBe(true); // -0 and 0 tie
      }),
      { numRuns: 500 },
    );
  });
});
