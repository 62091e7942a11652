import { prng } from './seeded-random';

describe('prng', () => {
  it('repeats a seeded sequence, and another seed gives another', () => {
    const a = prng(7);
    const b = prng(7);
    const first = [a(), a(), a()];
    expect(first).toEqual([b(), b(), b()]);
    const c = prng(8);
    expect([c(), c(), c()]).not.toEqual(first);
  });

  it('stays in [0, 1)', () => {
    const random = prng(20_261_123);
    for (let i = 0; i < 10_000; i++) {
      const x = random();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});
