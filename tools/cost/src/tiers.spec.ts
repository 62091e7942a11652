import { tieredCharges } from './tiers';

const s3 = [{ upTo: 51_200, price: 0.023 }, { upTo: 512_000, price: 0.022 }, { price: 0.021 }];

describe('tieredCharges', () => {
  it.each([
    { quantity: 0, costs: [] },
    { quantity: 1_000, costs: [23] },
    { quantity: 51_200, costs: [1_177.6] },
    { quantity: 60_000, costs: [1_177.6, 193.6] },
    { quantity: 600_000, costs: [1_177.6, 10_137.6, 1_848] },
  ])('$quantity GB-month', ({ quantity, costs }) => {
    const charges = tieredCharges(quantity, s3);
    expect(charges.map((c) => c.cost)).toEqual(costs.map((c) => expect.closeTo(c, 9)));
    expect(charges.reduce((s, c) => s + c.quantity, 0)).toBeCloseTo(quantity, 9);
  });
});
