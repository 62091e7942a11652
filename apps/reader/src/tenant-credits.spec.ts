import { Aggregation } from '@strata/proto';
import { TenantCredits } from './tenant-credits';
import { HOUR, NOW, readerHarness, W } from '../test/reader-harness';

const tick = () => new Promise((r) => setImmediate(r));

describe('TenantCredits', () => {
  it.each([
    ['exactly the allowance', [60, 40], [true, true]],
    ['one unit past it', [60, 41], [true, false]],
    ['a call larger than the whole allowance, alone', [101], [true]],
    ['a call larger than the allowance behind another', [1, 101], [true, false]],
  ])('grants %s of 100 at once: %j -> %j', async (_, units, granted) => {
    const credits = new TenantCredits(100);
    const got: boolean[] = units.map(() => false);
    units.forEach((u, i) => void credits.acquire('a', u).then(() => (got[i] = true)));
    await tick();
    expect(got).toEqual(granted);
  });

  it('lets a waiting call in as its own tenant’s calls finish, never because of another tenant', async () => {
    const credits = new TenantCredits(10);
    const first = await credits.acquire('a', 10);
    let second = false;
    void credits.acquire('a', 5).then(() => (second = true));
    const other = await credits.acquire('b', 10); // b has its own credits
    await tick();
    expect(second).toBe(false);
    other();
    await tick();
    expect(second).toBe(false);
    first();
    first(); // idempotent: releasing twice frees nothing more
    await tick();
    expect(second).toBe(true);
    expect(credits.inFlight('a')).toBe(5);
  });

  it('drops a waiting call whose read was stopped, and lets the next one in', async () => {
    const credits = new TenantCredits(10);
    const held = await credits.acquire('a', 8);
    const stop = new AbortController();
    const stopped = credits.acquire('a', 5, stop.signal);
    let next = false;
    void credits.acquire('a', 2).then(() => (next = true));
    stop.abort(new Error('read stopped'));
    await expect(stopped).rejects.toThrow('read stopped');
    await tick();
    expect(next).toBe(true);
    held();
    expect(credits.inFlight('a')).toBe(2);
  });
});

describe('hot-tier commands of one tenant in flight', () => {
  it('stay within STRATA_READ_TENANT_HOT_COMMANDS while another tenant’s read goes straight to Redis', async () => {
    const h = readerHarness({ tenantHotCommands: 50 });
    h.hot.delayMs = 20;
    const start = NOW - (NOW % W);
    for (let i = 0; i < 8; i++) h.hot.put('noisy', `s${i}`, start, 'open', [[start, i]]);
    h.hot.put('quiet', 'canary', start, 'open', [[start, 1]]);
    const inFlight = new Map<string, number>();
    const peak = new Map<string, number>();
    const fetch = h.hot.fetchWindows.bind(h.hot);
    jest.spyOn(h.hot, 'fetchWindows').mockImplementation(async (tenant, key, starts) => {
      const now = (inFlight.get(tenant) ?? 0) + starts.length * 3;
      inFlight.set(tenant, now);
      peak.set(tenant, Math.max(peak.get(tenant) ?? 0, now));
      try {
        return await fetch(tenant, key, starts);
      } finally {
        inFlight.set(tenant, inFlight.get(tenant)! - starts.length * 3);
      }
    });
    const read = async (tenant: string, names: string[], fromMs: number) => {
      let points = 0;
      for await (const m of h.reads.read(tenant, { matchers: [], series: names.map((name) => ({ name, labels: [] })), fromMs, toMs: NOW, stepMs: 0, aggregation: Aggregation.AVG })) {
        for (const s of m.series) points += s.points.length;
      }
      return points;
    };
    // 8 series over the last day: 13 windows of 2 h each (12:00 yesterday to 12:00), 39 commands.
    const noisy = read('noisy', Array.from({ length: 8 }, (_, i) => `s${i}`), NOW - 24 * HOUR);
    await new Promise((r) => setTimeout(r, 5));
    const began = Date.now();
    await expect(read('quiet', ['canary'], start)).resolves.toBe(1);
    const quietMs = Date.now() - began;
    await expect(noisy).resolves.toBe(8);
    expect(peak.get('noisy')).toBe(39); // one series at a time; 4 at once (156) without the bound
    // Its own Redis call only (20 ms), not a turn behind the noisy tenant's.
    expect(quietMs).toBeLessThan(150);
  });
});
