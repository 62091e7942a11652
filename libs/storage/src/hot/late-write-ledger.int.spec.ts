import { randomUUID } from 'node:crypto';
import { DAY_MS } from '../core/time';
import { createRedis } from './redis-client';
import { hotKeys } from './hot-keys';
import { LATE_LEDGER_KEEP_DAYS, LateWriteLedger } from './late-write-ledger';

describe('LateWriteLedger against real Redis', () => {
  const redis = createRedis({ url: process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
  const ledger = new LateWriteLedger(redis);
  // Days within the ledger's keep (older ones expire at once); tenants keep specs apart.
  const base = Math.floor(Date.now() / DAY_MS) - 300 - Math.floor(Math.random() * 100);
  const days = [base, base + 1, base + 2];
  const tenant = `t${randomUUID().slice(0, 8)}`;
  const other = `u${randomUUID().slice(0, 8)}`;

  afterAll(async () => {
    for (const d of days) await redis.hdel(hotKeys.lateLedger(d), `w:${tenant}`, `c:${tenant}`, `v:${tenant}`, `w:${other}`, `c:${other}`, `v:${other}`);
    redis.disconnect();
  });

  it('calls a day clean only after the archiver marked it, and not once a write lands after', async () => {
    expect(await ledger.cleanDays(tenant, days)).toEqual(new Set());
    // Archiver: count read (nothing written), chunks moved, mark set.
    const seen = (await ledger.writeCounts(days[0])).get(tenant) ?? 0;
    expect(await ledger.markClean(tenant, days[0], seen)).toBe(true);
    expect(await ledger.cleanDays(tenant, days)).toEqual(new Set([days[0]]));
    // A late chunk of that day: not clean until the archiver has moved it too.
    await ledger.recordWrites([{ tenant, day: days[0] }]);
    expect(await ledger.cleanDays(tenant, days)).toEqual(new Set());
    const now = (await ledger.writeCounts(days[0])).get(tenant)!;
    expect(now).toBe(1);
    expect(await ledger.markClean(tenant, days[0], now)).toBe(true);
    expect(await ledger.cleanDays(tenant, days)).toEqual(new Set([days[0]]));
  });

  it('refuses a mark when a write was recorded after the archiver read the count', async () => {
    await ledger.recordWrites([{ tenant, day: days[1] }]);
    const seen = (await ledger.writeCounts(days[1])).get(tenant)!;
    await ledger.recordWrites([{ tenant, day: days[1] }]); // a chunk the archiver's look may have missed
    expect(await ledger.markClean(tenant, days[1], seen)).toBe(false);
    expect((await ledger.cleanDays(tenant, days)).has(days[1])).toBe(false);
  });

  it('keeps tenants apart and counts a tenant-day once per call', async () => {
    await ledger.recordWrites([
      { tenant: other, day: days[2] },
      { tenant: other, day: days[2] },
      { tenant, day: days[2] },
    ]);
    const counts = await ledger.writeCounts(days[2]);
    expect(counts.get(other)).toBe(1);
    expect(counts.get(tenant)).toBe(1);
    expect(await ledger.markClean(other, days[2], 1)).toBe(true);
    expect((await ledger.cleanDays(other, [days[2]])).has(days[2])).toBe(true);
    expect((await ledger.cleanDays(tenant, [days[2]])).has(days[2])).toBe(false);
  });

  it('expires a day long after the retention', async () => {
    const expiry = await redis.pexpiretime(hotKeys.lateLedger(days[2]));
    expect(expiry).toBe((days[2] + 1 + LATE_LEDGER_KEEP_DAYS) * DAY_MS);
  });

  it("gives a reader a day token that moves with each recorded write, per tenant, and never repeats once Redis lost the day's ledger", async () => {
    const day = base + 5;
    days.push(day);
    const first = await ledger.dayTokens(tenant, [day, days[2]]);
    expect([...first.keys()]).toEqual([day, days[2]]);
    // Asking again changes nothing: the life token is set once.
    expect(await ledger.dayTokens(tenant, [day, days[2]])).toEqual(first);
    expect(await redis.pexpiretime(hotKeys.lateLedger(day))).toBe((day + 1 + LATE_LEDGER_KEEP_DAYS) * DAY_MS);
    const otherBefore = (await ledger.dayTokens(other, [day])).get(day);
    await ledger.recordWrites([{ tenant, day }]);
    const second = await ledger.dayTokens(tenant, [day, days[2]]);
    expect(second.get(day)).not.toBe(first.get(day));
    expect(second.get(days[2])).toBe(first.get(days[2]));
    // Another tenant's token of the day stays: its chunks did not change.
    expect((await ledger.dayTokens(other, [day])).get(day)).toBe(otherBefore);
    // Redis loses the day's ledger; the writer records one write again, so the count is back at 1.
    await redis.del(hotKeys.lateLedger(day));
    await ledger.recordWrites([{ tenant, day }]);
    const after = (await ledger.dayTokens(tenant, [day])).get(day);
    expect(after).not.toBe(second.get(day));
    expect(after).not.toBe(first.get(day));
    expect(after?.split('/')[1]).toBe('1');
    // A failover to a replica that missed the last record takes the count back; the next
    // record brings it to the same number, with a token of its own.
    await ledger.recordWrites([{ tenant, day }]);
    const two = (await ledger.dayTokens(tenant, [day])).get(day)!;
    await redis.hset(hotKeys.lateLedger(day), `w:${tenant}`, 1, `v:${tenant}`, after!.split('/')[2]);
    await ledger.recordWrites([{ tenant, day }]);
    const again = (await ledger.dayTokens(tenant, [day])).get(day)!;
    expect(again.split('/')[1]).toBe('2');
    expect(again).not.toBe(two);
    await redis.del(hotKeys.lateLedger(day));
  });

  it('records nothing for no days', async () => {
    await expect(ledger.recordWrites([])).resolves.toBeUndefined();
  });
});
