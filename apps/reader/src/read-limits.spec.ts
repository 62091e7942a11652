import { Registry } from 'prom-client';
import { QueryLimitError, ReadCancelledError, ReadQueueFullError } from './errors';
import { ReaderMetrics } from './reader-metrics';
import { ReadLimiter, type AdmissionLimits, type Permit, type WorkCost } from './read-limits';

const LIMITS: AdmissionLimits = {
  perTenantConcurrency: 2,
  globalConcurrency: 3,
  perTenantQueue: 3,
  maxCost: {
    read: { units: 1_000, setting: 'STRATA_READ_MAX_REQUESTS', unit: 'storage requests' },
    list: { units: 500, setting: 'STRATA_LIST_MAX_SCANNED', unit: 'names to match' },
  },
  timeoutMs: { read: { ms: 10_000, setting: 'STRATA_READ_TIMEOUT_MS' }, list: { ms: 10_000, setting: 'STRATA_LIST_TIMEOUT_MS' } },
};
const READ: WorkCost = { kind: 'read', units: 1, detail: '1 series x 1 request' };

function limiter(limits: Partial<AdmissionLimits> = {}) {
  const registry = new Registry();
  const metrics = new ReaderMetrics(registry);
  const l = new ReadLimiter({ ...LIMITS, ...limits }, metrics.admission);
  // Some cases end with admissions still queued. Their time limit rejects them seconds later,
  // while the jest worker runs another spec file, as an unhandled rejection that kills the
  // worker. Each is marked handled here; the cases still await and check their own.
  const admit = l.admit.bind(l);
  l.admit = (...args) => {
    const admission = admit(...args);
    admission.catch(() => undefined);
    return admission;
  };
  return { limiter: l, registry };
}

/** Admits and records the order in which permits were granted. */
function tracker(l: ReadLimiter) {
  const granted: string[] = [];
  const permits: Permit[] = [];
  const admit = (tenant: string, id: string, signal?: AbortSignal) => {
    const admission = l.admit(tenant, READ, signal).then((permit) => {
      granted.push(id);
      permits.push(permit);
      return permit;
    });
    admission.catch(() => undefined);
    return admission;
  };
  return { granted, permits, admit };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ReadLimiter', () => {
  it('runs a tenant up to its concurrency, queues the rest, and refuses past its queue, naming the setting', async () => {
    const { limiter: l, registry } = limiter();
    const running = await Promise.all([l.admit('a', READ), l.admit('a', READ)]);
    const queued = [l.admit('a', READ), l.admit('a', READ), l.admit('a', READ)];
    expect(l.load('a')).toEqual({ running: 2, queued: 3 });
    const refused = l.admit('a', READ);
    await expect(refused).rejects.toBeInstanceOf(ReadQueueFullError);
    await expect(refused).rejects.toMatchObject({ retriable: true, setting: 'STRATA_READ_TENANT_QUEUE', message: expect.stringMatching(/2 reads running and 3 waiting/) });
    expect(await registry.getSingleMetricAsString('strata_reader_queued_work')).toMatch(/tenant="a"} 3/);
    running[0].release();
    running[0].release(); // idempotent: frees one slot, not two
    await tick();
    expect(l.load('a')).toEqual({ running: 2, queued: 2 });
    for (const p of [running[1], ...(await Promise.all(queued.slice(0, 1)))]) p.release();
    for (const p of await Promise.all(queued.slice(1))) p.release();
    expect(l.load('a')).toEqual({ running: 0, queued: 0 });
    expect(await registry.getSingleMetricAsString('strata_reader_limit_refusals_total')).toMatch(/kind="read",reason="queue_full"} 1/);
  });

  it('lets another tenant run at once while one tenant is at its own limit', async () => {
    const { limiter: l } = limiter({ globalConcurrency: 10 });
    await Promise.all([l.admit('a', READ), l.admit('a', READ)]);
    const waiting = l.admit('a', READ);
    const b = await Promise.race([l.admit('b', READ), tick().then(() => 'waited')]);
    expect(b).not.toBe('waited');
    expect(l.load('a')).toEqual({ running: 2, queued: 1 });
    void waiting.then(
      (p) => p.release(),
      () => undefined,
    );
  });

  it('hands freed slots round robin over waiting tenants, so one tenant cannot hold the queue', async () => {
    const { limiter: l } = limiter({ perTenantConcurrency: 3, globalConcurrency: 3, perTenantQueue: 10 });
    const { granted, permits, admit } = tracker(l);
    await Promise.all([admit('a', 'a1'), admit('a', 'a2'), admit('a', 'a3')]);
    const later = [admit('a', 'a4'), admit('a', 'a5'), admit('a', 'a6'), admit('b', 'b1'), admit('b', 'b2'), admit('c', 'c1')];
    await tick();
    // Each step frees the oldest running slot; the limiter picks who gets it.
    for (let i = 0; i < 9; i++) {
      permits[i].release();
      await tick();
    }
    await Promise.all(later);
    // a4 was first in line; then the turns go to b and c before a waits again.
    expect(granted.slice(3)).toEqual(['a4', 'b1', 'c1', 'a5', 'b2', 'a6']);
  });

  it('refuses work whose estimate is above the ceiling before it waits or runs, naming the setting', async () => {
    const { limiter: l, registry } = limiter();
    await expect(l.admit('a', { kind: 'read', units: 1_001, detail: '1001 series x 1 request' })).rejects.toMatchObject({
      constructor: QueryLimitError,
      setting: 'STRATA_READ_MAX_REQUESTS',
      message: expect.stringMatching(/about 1001 storage requests \(1001 series x 1 request\); the limit is 1000 \(STRATA_READ_MAX_REQUESTS\)/),
    });
    await expect(l.admit('a', { kind: 'list', units: 501, detail: 'the series index holds 501 names' })).rejects.toMatchObject({ setting: 'STRATA_LIST_MAX_SCANNED' });
    await expect(l.admit('a', { kind: 'read', units: 1_000, detail: 'at the limit' })).resolves.toBeDefined();
    expect(l.load('a').running).toBe(1);
    expect(await registry.getSingleMetricAsString('strata_reader_limit_refusals_total')).toMatch(/kind="list",reason="cost"} 1/);
  });

  it('aborts a running permit at its time limit with an error naming the setting', async () => {
    const { limiter: l } = limiter({ timeoutMs: { read: { ms: 30, setting: 'STRATA_READ_TIMEOUT_MS' }, list: LIMITS.timeoutMs.list } });
    const permit = await l.admit('a', READ);
    await new Promise((r) => permit.signal.addEventListener('abort', r));
    expect(permit.signal.reason).toBeInstanceOf(QueryLimitError);
    expect((permit.signal.reason as QueryLimitError).message).toMatch(/longer than 30 ms \(STRATA_READ_TIMEOUT_MS\)/);
    // The slot stays taken until the work has actually stopped and released it.
    expect(l.load('a').running).toBe(1);
    permit.release();
    expect(l.load('a').running).toBe(0);
  });

  it('gives up a queued admission when its time limit passes or its caller cancels, freeing the queue spot', async () => {
    const { limiter: l, registry } = limiter({ perTenantQueue: 1, timeoutMs: { read: { ms: 40, setting: 'STRATA_READ_TIMEOUT_MS' }, list: LIMITS.timeoutMs.list } });
    const running = await Promise.all([l.admit('a', READ), l.admit('a', READ)]);
    await expect(l.admit('a', READ)).rejects.toMatchObject({ setting: 'STRATA_READ_TIMEOUT_MS' });
    const caller = new AbortController();
    const cancelled = l.admit('a', READ, caller.signal);
    expect(l.load('a').queued).toBe(1);
    caller.abort();
    await expect(cancelled).rejects.toBeInstanceOf(ReadCancelledError);
    expect(l.load('a')).toEqual({ running: 2, queued: 0 });
    const next = l.admit('a', READ);
    running[0].release();
    (await next).release();
    running[1].release();
    expect(l.load('a')).toEqual({ running: 0, queued: 0 });
    expect(await registry.getSingleMetricAsString('strata_reader_limit_refusals_total')).toMatch(/reason="timeout"} 1/);
  });

  it('keeps at most the global number running over all tenants', async () => {
    const { limiter: l } = limiter({ perTenantConcurrency: 2, globalConcurrency: 3 });
    await Promise.all([l.admit('a', READ), l.admit('a', READ), l.admit('b', READ)]);
    const c = l.admit('c', READ);
    await tick();
    expect(l.load('c')).toEqual({ running: 0, queued: 1 });
    void c;
  });

  describe('decode rate per tenant (STRATA_READ_TENANT_POINTS_PER_SECOND)', () => {
    beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
    afterEach(() => jest.useRealTimers());

    it('holds back the next work of a tenant in debt until the rate has paid it back, while another tenant runs at once', async () => {
      const { limiter: l } = limiter({ tenantPointsPerSecond: 100_000, perTenantConcurrency: 4 });
      const first = await l.admit('a', READ);
      // One read of 350,000 points: a second's burst of 100,000, then 2.5 s of debt.
      first.charge(350_000);
      first.release();
      const next = l.admit('a', READ);
      let granted = false;
      void next.then(() => (granted = true));
      const other = await l.admit('b', READ); // b is under its rate: it never waits for a
      other.release();
      expect(l.load('a')).toEqual({ running: 0, queued: 1 });
      await jest.advanceTimersByTimeAsync(2_400);
      expect(granted).toBe(false);
      await jest.advanceTimersByTimeAsync(200);
      expect(granted).toBe(true);
      (await next).release();
    });

    it('holds a tenant to its own rate where it has one, and names that setting', async () => {
      const { limiter: l } = limiter({ tenantPointsPerSecond: 100_000, tenantPointsPerSecondOverrides: new Map([['small', 1_000]]) });
      for (const tenant of ['small', 'big']) {
        const permit = await l.admit(tenant, READ);
        permit.charge(50_000);
        permit.release();
      }
      await expect(l.admit('small', READ)).rejects.toMatchObject({
        setting: 'STRATA_READ_TENANT_POINTS_PER_SECOND_OVERRIDES for small',
        message: expect.stringMatching(/rate of 1000 a second \(STRATA_READ_TENANT_POINTS_PER_SECOND_OVERRIDES for small\)/),
      });
      (await l.admit('big', READ)).release(); // 50,000 of its 100,000 burst: no wait
    });

    it('never holds back a tenant that reads below its rate', async () => {
      const { limiter: l } = limiter({ tenantPointsPerSecond: 100_000 });
      for (let i = 0; i < 20; i++) {
        const permit = await l.admit('a', READ);
        permit.charge(4_000);
        permit.release();
        await jest.advanceTimersByTimeAsync(50); // 80,000 points a second
      }
      expect(l.load('a')).toEqual({ running: 0, queued: 0 });
    });

    it('refuses at once, naming the setting and when to retry, work that could only time out waiting for the debt to be paid', async () => {
      const { limiter: l, registry } = limiter({ tenantPointsPerSecond: 1_000 });
      const permit = await l.admit('a', READ);
      permit.charge(20_000); // 19 s of debt, past the 10 s time limit
      permit.release();
      const refused = l.admit('a', READ);
      await expect(refused).rejects.toBeInstanceOf(QueryLimitError);
      await expect(refused).rejects.toMatchObject({
        retriable: true,
        setting: 'STRATA_READ_TENANT_POINTS_PER_SECOND',
        message: expect.stringMatching(/decoded 19000 points more than its rate of 1000 a second .* retry in 19000 ms/),
      });
      expect(await registry.getSingleMetricAsString('strata_reader_limit_refusals_total')).toMatch(/kind="read",reason="points_rate"} 1/);
      expect(l.load('a')).toEqual({ running: 0, queued: 0 });
    });
  });
});
