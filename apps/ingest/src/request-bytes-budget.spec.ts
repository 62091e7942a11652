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

  it.each([
    ['at its share', 50, true],
    ['one byte past its share', 51, false],
  ])("admits a tenant's request %s and no more, while another tenant's still fit", (_case, bytes, admitted) => {
    const budget = new RequestBytesBudget(100, undefined, 60);
    const held = budget.tryTake(10, 'a')!;
    expect(budget.tryTake(bytes, 'a') !== undefined).toBe(admitted);
    expect(budget.tenantInUse('a')).toBe(admitted ? 60 : 10);
    expect(budget.hasRoom('a')).toBe(!admitted);
    expect(budget.hasRoom('b')).toBe(true);
    const other = budget.tryTake(30, 'b');
    expect(other).toBeDefined();
    held();
    held();
    expect(budget.tenantInUse('a')).toBe(admitted ? 50 : 0);
    expect(budget.inUse).toBe(admitted ? 80 : 30);
  });

  it('refuses a tenant within its share when the process budget is spent', () => {
    const budget = new RequestBytesBudget(100, undefined, 60);
    budget.tryTake(60, 'a');
    budget.tryTake(40, 'b');
    expect(budget.hasRoom('c')).toBe(false);
    expect(budget.tryTake(1, 'c')).toBeUndefined();
    expect(budget.tenantInUse('c')).toBe(0);
  });
});
