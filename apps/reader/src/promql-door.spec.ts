import { compileMatchers, matchesSeries, parseSeriesKey, seriesKey, type LabelMatcher } from '@strata/model';
import type { ReadRequest } from '@strata/proto';
import { ApiKeyStore, HttpApiServer } from '@strata/runtime';
import { memoryLogger } from '@strata/runtime/testing';
import { prometheusApiRoutes } from './prometheus-api-door';
import { PromqlQueueFullError } from './promql-pool';
import { PromqlQueries } from './promql-queries';

const KEY = 'acme-secret-1';
const M = 60_000;
const T0 = 1_700_000_000_000;

/** up{instance=a|b} every minute from T0 for 10 minutes; b's last sample is a staleness marker. */
const STORED = new Map<string, Array<[number, number]>>([
  ['up{instance="a",job="node"}', Array.from({ length: 11 }, (_, i) => [T0 + i * M, 1] as [number, number])],
  ['up{instance="b",job="node"}', [...Array.from({ length: 5 }, (_, i) => [T0 + i * M, 0] as [number, number]), [T0 + 5 * M, NaN]]],
  ['http_requests_total{job="api"}', Array.from({ length: 11 }, (_, i) => [T0 + i * M, i * 60] as [number, number])],
]);

const lister = {
  async find(_tenant: string, query: { matchers?: readonly LabelMatcher[] }): Promise<string[]> {
    const c = compileMatchers(query.matchers ?? []);
    if ('problem' in c) throw new Error(c.problem);
    return [...STORED.keys()].filter((k) => {
      const { name, labels } = parseSeriesKey(k);
      return matchesSeries(c.matchers, name, labels);
    });
  },
};
const readRequests: ReadRequest[] = [];
const reads = {
  async *readColumns(_tenant: string, request: ReadRequest) {
    readRequests.push(request);
    for (const s of request.series) {
      const points = (STORED.get(seriesKey(s.name, s.labels)) ?? []).filter(([t]) => t >= request.fromMs && t < request.toMs);
      yield { ref: { key: seriesKey(s.name, s.labels), name: s.name, labels: s.labels }, points: { timestamps: Float64Array.from(points, ([t]) => t), values: Float64Array.from(points, ([, v]) => v) } };
    }
    yield { warnings: request.series.some((s) => s.name === 'http_requests_total') ? ['cold tier unavailable; the answer may miss archived days'] : [] };
  },
};

/** The API of tenant acme (key KEY) over the stored series, evaluating through `pool` if given. */
const acmeServer = (pool?: ConstructorParameters<typeof PromqlQueries>[0]['pool'], inlineMaxSamples = 0) =>
  new HttpApiServer({
    host: '127.0.0.1',
    port: 0,
    logger: memoryLogger().logger,
    routes: prometheusApiRoutes({
      keys: ApiKeyStore.parse(`${KEY}:acme`),
      lister: { ...lister, labelNames: async () => [], labelValues: async () => [] },
      logger: memoryLogger().logger,
      promql: new PromqlQueries({ lister, reads, limits: { maxSamples: 1_000, timeoutMs: 10_000, lookbackMs: 300_000, inlineMaxSamples }, ...(pool && { pool }) }),
      metadata: { get: async () => new Map([['up', { type: 'gauge', help: 'Target up', unit: '' }]]) },
      now: () => T0 + 10 * M,
    }),
  });

describe('PromQL on the Prometheus HTTP API (query, query_range, buildinfo, metadata, exemplars)', () => {
  const server = acmeServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop(100));
  const base = () => `http://127.0.0.1:${server.port}`;
  const get = async (path: string, headers: Record<string, string> = { 'x-api-key': KEY }) => {
    const res = await fetch(`${base()}${path}`, { headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("answers Grafana's connection test, query=1+1&time=4, and its buildinfo call", async () => {
    expect(await get('/api/v1/query?query=1%2B1&time=4')).toEqual({ status: 200, body: { status: 'success', data: { resultType: 'scalar', result: [4, '2'] } } });
    const res = await fetch(`${base()}/api/v1/query`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=1%2B1&time=4' });
    expect(await res.json()).toEqual({ status: 'success', data: { resultType: 'scalar', result: [4, '2'] } });
    const info = await get('/api/v1/status/buildinfo');
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ status: 'success', data: { version: expect.stringMatching(/^3\./) } });
  });

  it('answers an instant query as a vector, leaving out a series whose latest sample is a staleness marker', async () => {
    expect(await get(`/api/v1/query?query=up&time=${(T0 + 6 * M) / 1000}`)).toEqual({
      status: 200,
      body: { status: 'success', data: { resultType: 'vector', result: [{ metric: { __name__: 'up', instance: 'a', job: 'node' }, value: [(T0 + 6 * M) / 1000, '1'] }] } },
    });
    // Without time: now.
    expect((await get('/api/v1/query?query=sum(up)')).body).toEqual({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [(T0 + 10 * M) / 1000, '1'] }] } });
  });

  it('answers a range query as a matrix, with the tiers\u2019 warnings', async () => {
    const { body } = await get(`/api/v1/query_range?query=rate(http_requests_total[5m])&start=${(T0 + 5 * M) / 1000}&end=${(T0 + 7 * M) / 1000}&step=60`);
    expect(body).toEqual({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [{ metric: { job: 'api' }, values: [[(T0 + 5 * M) / 1000, '1'], [(T0 + 6 * M) / 1000, '1'], [(T0 + 7 * M) / 1000, '1']] }],
      },
      warnings: ['cold tier unavailable; the answer may miss archived days'],
    });
  });

  it('refuses bad queries and parameters with Prometheus error types', async () => {
    expect(await get('/api/v1/query?query=sum(')).toMatchObject({ status: 400, body: { status: 'error', errorType: 'bad_data', error: expect.stringMatching(/^invalid parameter "query": parse error/) } });
    expect(await get('/api/v1/query?query=')).toMatchObject({ status: 400, body: { errorType: 'bad_data' } });
    expect(await get('/api/v1/query_range?query=up&start=10&end=5&step=1')).toMatchObject({ status: 400, body: { errorType: 'bad_data', error: expect.stringMatching(/end timestamp must not be before start time/) } });
    expect(await get('/api/v1/query_range?query=up&start=0&end=5&step=0')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/zero or negative query resolution step/) } });
    expect(await get('/api/v1/query_range?query=up&start=0&end=100000&step=1')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/exceeded maximum resolution of 11,000 points/) } });
    expect(await get('/api/v1/query_range?query=up&start=0&end=10&step=1s')).toMatchObject({ status: 200 });
    expect(await get(`/api/v1/query?query=up%20*%20on(job)%20up&time=${(T0 + 3 * M) / 1000}`)).toMatchObject({ status: 422, body: { errorType: 'execution', error: expect.stringMatching(/many-to-many matching not allowed/) } });
    expect(await get('/api/v1/query?query=up', {})).toMatchObject({ status: 401, body: { errorType: 'unauthorized' } });
  });

  it('refuses a query past its sample limit, naming the setting', async () => {
    const { status, body } = await get(`/api/v1/query_range?query=up&start=${T0 / 1000}&end=${(T0 + 10 * M) / 1000}&step=0.1`);
    expect(status).toBe(422);
    expect(body).toMatchObject({ errorType: 'execution', error: expect.stringMatching(/STRATA_PROMQL_MAX_SAMPLES/) });
  });

  it('answers metadata from what remote write delivered, and exemplars empty', async () => {
    expect((await get('/api/v1/metadata')).body).toEqual({ status: 'success', data: { up: [{ type: 'gauge', help: 'Target up', unit: '' }] } });
    expect((await get('/api/v1/query_exemplars?query=up&start=0&end=1')).body).toEqual({ status: 'success', data: [] });
  });

});

/**
 * Reads of the stored series, except that `stuckTenant`'s never end until their signal aborts;
 * `seen` gets every read's tenant and signal.
 */
const readsStuckFor = (stuckTenant: string, seen?: Array<{ tenant: string; signal: AbortSignal }>) => ({
  async *readColumns(tenant: string, request: ReadRequest, signal?: AbortSignal) {
    seen?.push({ tenant, signal: signal! });
    if (tenant === stuckTenant) {
      await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
    }
    yield* reads.readColumns(tenant, request);
  },
});

/** The API of the tenants `keys` names over `promqlReads`, with a PromQL time limit of `timeoutMs`. */
const tenantsServer = (keys: string, promqlReads: ReturnType<typeof readsStuckFor>, timeoutMs: number) =>
  new HttpApiServer({
    host: '127.0.0.1',
    port: 0,
    logger: memoryLogger().logger,
    routes: prometheusApiRoutes({
      keys: ApiKeyStore.parse(keys),
      lister: { ...lister, labelNames: async () => [], labelValues: async () => [] },
      logger: memoryLogger().logger,
      promql: new PromqlQueries({ lister, reads: promqlReads, limits: { maxSamples: 1_000_000, timeoutMs, lookbackMs: 300_000 } }),
      now: () => T0 + 10 * M,
    }),
  });

describe('PromQL time limit and tenants', () => {
  /** Tenant slow's reads never end by themselves; tenant quick's answer at once. */
  const server = tenantsServer('slow-key:slow,quick-key:quick', readsStuckFor('slow'), 2_000);
  beforeAll(() => server.start());
  afterAll(() => server.stop(100));
  const ask = async (key: string) => {
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/query?query=sum(up)`, { headers: { 'x-api-key': key } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: performance.now() - started };
  };

  it('stops a query at STRATA_PROMQL_TIMEOUT_MS with 503 timeout, while another tenant is answered meanwhile', async () => {
    let stuckDone = false;
    const stuck = Promise.all([ask('slow-key'), ask('slow-key'), ask('slow-key')]).finally(() => (stuckDone = true));
    const quick = await ask('quick-key');
    expect(quick).toMatchObject({ status: 200, body: { status: 'success' } });
    // Answered while the other tenant's queries were still held.
    expect(stuckDone).toBe(false);
    for (const answer of await stuck) {
      expect(answer).toMatchObject({ status: 503, body: { errorType: 'timeout', error: expect.stringMatching(/longer than 2000 ms \(STRATA_PROMQL_TIMEOUT_MS\)/) } });
    }
  });

  it('takes a range query of exactly 11,000 points per series and refuses one more', async () => {
    const range = (end: number) => fetch(`http://127.0.0.1:${server.port}/api/v1/query_range?query=1&start=0&end=${end}&step=1`, { headers: { 'x-api-key': 'quick-key' } });
    expect((await range(11_000)).status).toBe(200);
    const past = await range(11_001);
    expect({ status: past.status, body: await past.json() }).toMatchObject({ status: 400, body: { error: expect.stringMatching(/11,000 points/) } });
  });
});

describe('PromQL evaluation in workers', () => {
  const pool = { evaluate: jest.fn<Promise<string>, unknown[]>() };
  const server = acmeServer(pool);
  beforeAll(() => server.start());
  afterAll(() => server.stop(100));
  const get = async (query: string) => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/query?query=${encodeURIComponent(query)}&time=${(T0 + 6 * M) / 1000}`, { headers: { 'x-api-key': KEY } });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
  };

  it("sends the query text and what was read for it, and writes the worker's JSON as the data", async () => {
    pool.evaluate.mockResolvedValueOnce('{"resultType":"scalar","result":[1,"7"]}');
    expect(await get('sum(up)')).toMatchObject({ status: 200, body: { status: 'success', data: { resultType: 'scalar', result: [1, '7'] } } });
    const [task, tenant] = pool.evaluate.mock.calls[0] as [{ query: string; loaded: { selectors: unknown[] } }, string];
    expect(tenant).toBe('acme');
    expect(task.query).toBe('sum(up)');
    expect(task.loaded.selectors).toHaveLength(1);
  });

  it('answers 503 unavailable with Retry-After when the evaluation queue is full', async () => {
    pool.evaluate.mockRejectedValueOnce(new PromqlQueueFullError(64, 16));
    expect(await get('sum(up)')).toMatchObject({ status: 503, retryAfter: '1', body: { errorType: 'unavailable', error: expect.stringMatching(/STRATA_PROMQL_QUEUE/) } });
  });
});

describe('PromQL evaluation of small queries on the event loop (STRATA_PROMQL_INLINE_MAX_SAMPLES)', () => {
  const at = async (port: number, query: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(query)}&time=${(T0 + 6 * M) / 1000}`, { headers: { 'x-api-key': KEY } });
    return (await res.json()) as Record<string, unknown>;
  };

  it('evaluates a query that loaded at most the limit here, and one past it in the pool, with the same answer', async () => {
    const direct = acmeServer();
    await direct.start();
    const expected = await at(direct.port, 'sum(up)');
    await direct.stop(100);
    expect(expected).toMatchObject({ status: 'success', data: { resultType: 'vector' } });
    // How many samples the query loads: what the pool is sent.
    const probe = { evaluate: jest.fn<Promise<string>, unknown[]>(async () => JSON.stringify((expected as { data: unknown }).data)) };
    const counting = acmeServer(probe);
    await counting.start();
    await at(counting.port, 'sum(up)');
    await counting.stop(100);
    const samples = (probe.evaluate.mock.calls[0][0] as { loaded: { samples: number } }).loaded.samples;
    expect(samples).toBeGreaterThan(0);
    for (const [limit, inPool] of [
      [samples, false],
      [samples - 1, true],
    ] as const) {
      const pool = { evaluate: jest.fn<Promise<string>, unknown[]>(async () => JSON.stringify((expected as { data: unknown }).data)) };
      const server = acmeServer(pool, limit);
      await server.start();
      try {
        expect(await at(server.port, 'sum(up)')).toEqual(expected);
        expect(pool.evaluate).toHaveBeenCalledTimes(inPool ? 1 : 0);
      } finally {
        await server.stop(100);
      }
    }
  });
});

describe('PromQL cancellation', () => {
  const signals: Array<{ tenant: string; signal: AbortSignal }> = [];
  const server = tenantsServer('quick-key:quick,hang-key:hang', readsStuckFor('hang', signals), 30_000);
  beforeAll(() => server.start());
  afterAll(() => server.stop(100));
  const url = `/api/v1/query?query=sum(up)&time=${(T0 + 6 * M) / 1000}`;

  it('does not cancel the reads of a query it answered once its connection closes', async () => {
    signals.length = 0;
    const res = await fetch(`http://127.0.0.1:${server.port}${url}`, { headers: { 'x-api-key': 'quick-key', connection: 'close' } });
    expect(res.status).toBe(200);
    await res.json();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(signals.filter((s) => s.tenant === 'quick').length).toBeGreaterThan(0);
    expect(signals.map((s) => s.signal.aborted)).not.toContain(true);
  });

  it('cancels the reads of a query whose client went away before the answer', async () => {
    signals.length = 0;
    const client = new AbortController();
    const call = fetch(`http://127.0.0.1:${server.port}${url}`, { headers: { 'x-api-key': 'hang-key' }, signal: client.signal }).catch((error: unknown) => error);
    const began = Date.now();
    while (signals.length === 0 && Date.now() - began < 5_000) await new Promise((resolve) => setTimeout(resolve, 10));
    client.abort();
    await call;
    while (!signals[0].signal.aborted && Date.now() - began < 5_000) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(signals[0].signal.aborted).toBe(true);
    expect((signals[0].signal.reason as Error).message).toMatch(/cancelled by the client/);
  });
});
