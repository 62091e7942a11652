import { RequestBytesBudget } from './request-bytes-budget';

describe('RequestBytesBudget', () => {
  it('admits requests while their bytes fit, exactly up to the capacity', () => {
    const seen: number[] = [];
    const budget = new RequestBytesBudget(100, (inUse) => seen.push(inUse));
    const a = budget.tryTake(60);
    expect(a).toBeDefined();
    expect(budget.tryTake(41)).toBeUndefined(); // one byte past
    const b = budget.tryTake(40); // exactly at
    expect(b).toBeDefined();
    expect(budget.hasRoom()).toBe(false);
    expect(budget.tryTake(1)).toBeUndefined();
    a!();
    a!(); // a second release gives nothing back twice
    expect(budget.inUse).toBe(40);
    expect(budget.hasRoom()).toBe(true);
    b!();
    expect(budget.inUse).toBe(0);
    expect(seen).toEqual([60, 100, 40, 0]);
  });

  it('always admits a request of the full capacity when nothing else is in flight', () => {
    const budget = new RequestBytesBudget(8);
    expect(budget.tryTake(8)).toBeDefined();
  });
});
