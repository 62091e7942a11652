import * as grpc from '@grpc/grpc-js';
import { Aggregation, QueryServiceClient, QueryServiceService, type ReadRequest, type ReadResponse } from '@strata/proto';
import { ApiKeyStore, GrpcServer, tolerateMalformedRequests } from '@strata/runtime';
import { QueryLimitError } from './errors';
import { createQueryService } from './query-service';
import { HOUR, NOW, readerHarness, W } from '../test/reader-harness';

/**
 * Tenant A sends what a noisy neighbour sends at the reader: pathological globs over
 * many long names, reads estimated far above the limit, and heavy reads that are
 * admitted, all at once and again as soon as they are answered. Tenant B meanwhile reads
 * its canary and lists its series, each call with a deadline, as a dashboard would.
 * B must get every answer, whole, with no refusal; every refusal A gets must be
 * RESOURCE_EXHAUSTED. Latency is not asserted (the bench reports it); a B call that
 * waited out its deadline behind A's work would fail DEADLINE_EXCEEDED.
 */
/**
 * Generous for a loaded 2-core machine (the slowest quiet call measured there was well
 * under a second); a quiet call stuck behind the noisy tenant's matching (the greedy glob
 * of before, one listing holding the loop for a whole page of names) waited longer.
 */
const QUIET_DEADLINE_MS = 5_000;

describe('fair reads: one tenant’s pathological listings and giant reads do not stall another’s', () => {
  const start = NOW - (NOW % W);
  const harness = readerHarness({
    limits: { maxListSeries: 1_000, maxPointsPerRequest: 2_000_000, maxSeriesPerRequest: 2_000 },
    // A can hold 2 of the 3 slots; its further work queues behind its own.
    admission: {
      perTenantConcurrency: 2,
      globalConcurrency: 3,
      perTenantQueue: 8,
      maxCost: {
        read: { units: 1_000, setting: 'STRATA_READ_MAX_REQUESTS', unit: 'storage requests' },
        list: { units: 1_000_000, setting: 'STRATA_LIST_MAX_SCANNED', unit: 'series names to match' },
      },
    },
    listing: { cpuMs: 50 },
  });
  let server: GrpcServer;
  let client: QueryServiceClient;

  beforeAll(async () => {
    harness.hot.addSeries('noisy', Array.from({ length: 60_000 }, (_, i) => `${'a'.repeat(240)}.${i}`));
    for (let i = 0; i < 20; i++) {
      harness.hot.put('noisy', `heavy${i}`, start, 'packed', Array.from({ length: 20_000 }, (_, j) => [start + j * 100, Math.sin(j)] as [number, number]));
    }
    harness.hot.put('quiet', 'canary', start, 'open', [[start, 1], [start + 60_000, 2]]);
    server = new GrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger: harness.logger,
      services: [
        {
          name: 'strata.v1.QueryService',
          definition: tolerateMalformedRequests(QueryServiceService),
          implementation: createQueryService({
            keys: ApiKeyStore.parse('noisy-secret-1:noisy,quiet-secret-1:quiet'),
            reads: harness.reads,
            lister: harness.lister,
            metrics: harness.metrics,
            logger: harness.logger,
          }),
        },
      ],
    });
    await server.start();
    client = new QueryServiceClient(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await server.stop(100);
  });

  const metadata = (key: string) => {
    const m = new grpc.Metadata();
    m.set('x-api-key', key);
    return m;
  };
  const deadline = (ms: number) => ({ deadline: Date.now() + ms });

  const read = (key: string, request: Partial<ReadRequest>, deadlineMs = 30_000) =>
    new Promise<{ points: number; warnings: string[]; error?: grpc.ServiceError }>((resolve) => {
      let points = 0;
      const warnings: string[] = [];
      const stream = client.read(
        { matchers: [], series: [], fromMs: start, toMs: NOW, stepMs: 0, aggregation: Aggregation.AVG, ...request },
        metadata(key),
        deadline(deadlineMs),
      );
      stream.on('data', (m: ReadResponse) => {
        for (const s of m.series) points += s.points.length;
        warnings.push(...m.warnings);
      });
      stream.on('error', (error: grpc.ServiceError) => resolve({ points, warnings, error }));
      stream.on('end', () => resolve({ points, warnings }));
    });

  const list = (key: string, match: string, deadlineMs = 30_000) =>
    new Promise<{ names: string[]; error?: grpc.ServiceError }>((resolve) =>
      client.listSeries({ match, matchers: [], fromMs: 0, toMs: 0 }, metadata(key), deadline(deadlineMs), (error, response) =>
        resolve(error ? { names: [], error } : { names: response!.series.map((s) => s.name) }),
      ),
    );

  it('answers every call of the quiet tenant, whole, while the noisy one is refused precisely', async () => {
    const noisyCodes = new Map<string, number>();
    const count = (code: grpc.status | 'OK') => noisyCodes.set(String(code === 'OK' ? 'OK' : grpc.status[code]), (noisyCodes.get(String(code === 'OK' ? 'OK' : grpc.status[code])) ?? 0) + 1);
    let stop = false;
    const noisy = async (work: () => Promise<{ error?: grpc.ServiceError }>) => {
      while (!stop) {
        const { error } = await work();
        count(error ? error.code : 'OK');
      }
    };
    const pathological = `*${'a'.repeat(120)}b*`;
    const heavy = Array.from({ length: 20 }, (_, i) => ({ name: `heavy${i}`, labels: [] }));
    const giant = Array.from({ length: 2_000 }, (_, i) => ({ name: `giant${i}`, labels: [] }));
    const flood = [
      ...Array.from({ length: 6 }, () => noisy(() => list('noisy-secret-1', pathological))),
      ...Array.from({ length: 3 }, () => noisy(() => read('noisy-secret-1', { series: heavy }))),
      // 2,000 series over 400 days: 4,000 storage requests (no cold tier here), refused before any.
      ...Array.from({ length: 3 }, () => noisy(() => read('noisy-secret-1', { series: giant, fromMs: NOW - 400 * 24 * HOUR }))),
    ];

    const quiet: Array<{ what: string; error?: grpc.ServiceError; ok: boolean; ms: number }> = [];
    const quietStarted = Date.now();
    while (quiet.length < 30 || Date.now() - quietStarted < 3_000) {
      let t = Date.now();
      const r = await read('quiet-secret-1', { series: [{ name: 'canary', labels: [] }] }, QUIET_DEADLINE_MS);
      quiet.push({ what: 'read', error: r.error, ok: r.points === 2 && r.warnings.length === 0, ms: Date.now() - t });
      t = Date.now();
      const l = await list('quiet-secret-1', 'can*', QUIET_DEADLINE_MS);
      quiet.push({ what: 'list', error: l.error, ok: l.names.length === 1 && l.names[0] === 'canary', ms: Date.now() - t });
    }
    stop = true;
    await Promise.all(flood);

    expect(quiet.filter((q) => q.error || !q.ok).map((q) => `${q.what}: ${q.error?.details ?? 'wrong answer'}`)).toEqual([]);
    // The noisy tenant was busy and refused, always with a precise code.
    const codes = Object.fromEntries(noisyCodes);
    const slowest = Math.max(...quiet.map((q) => q.ms));
    process.stdout.write(`noisy tenant's answers: ${JSON.stringify(codes)}; quiet calls: ${quiet.length}, slowest ${slowest} ms\n`);
    expect(Object.keys(codes).sort()).toEqual(expect.arrayContaining(['RESOURCE_EXHAUSTED']));
    expect(Object.keys(codes).filter((c) => c !== 'OK' && c !== 'RESOURCE_EXHAUSTED')).toEqual([]);
    const refusals = await harness.registry.getSingleMetricAsString('strata_reader_limit_refusals_total');
    expect(refusals).toMatch(/kind="read",reason="cost"/);
    expect(refusals).toMatch(/kind="list",reason="list_cpu"/);
  }, 60_000);

  it('refuses the noisy tenant’s raw year of 1,000 series before it touches storage, while the quiet tenant reads', async () => {
    // The defaults: 100,000 storage requests, 5,000,000 points. The year costs 2,000 requests (admitted
    // by that measure alone, it then held the reader's storage calls until its 60 s time limit).
    const h = readerHarness({ limits: { maxSeriesPerRequest: 1_000, maxRangeMs: 500 * 24 * HOUR, maxPointsPerRequest: 5_000_000 } });
    const names = Array.from({ length: 1_000 }, (_, i) => ({ name: `${'a'.repeat(250)}.${String(i).padStart(4, '0')}`, labels: [] }));
    for (const { name } of names) h.hot.put('noisy', name, start, 'open', [[NOW - 120_000, 1]]);
    h.hot.put('quiet', 'canary', start, 'open', [[start, 1], [start + 60_000, 2]]);
    const warm = jest.spyOn(h.warm, 'queryChunks');
    const hot = jest.spyOn(h.hot, 'fetchWindows');
    const year = { matchers: [], series: names, fromMs: NOW - 365 * 24 * HOUR, toMs: NOW + 60_000, stepMs: 0, aggregation: Aggregation.AVG };
    const drain = async (tenant: string, r: ReadRequest) => {
      let points = 0;
      for await (const m of h.reads.read(tenant, r)) for (const s of m.series) points += s.points.length;
      return points;
    };
    const refusals = await Promise.all(Array.from({ length: 8 }, () => drain('noisy', year).catch((e: unknown) => e)));
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({
        constructor: QueryLimitError,
        setting: 'STRATA_READ_MAX_POINTS',
        message: expect.stringMatching(/about \d{9} points to decode \(1000 series x \d+ points: hot .* \+ warm 365 days raw, at 1440 raw points per series-day/),
      });
    }
    expect(hot.mock.calls.filter(([tenant]) => tenant === 'noisy')).toEqual([]);
    expect(warm.mock.calls.filter(([tenant]) => tenant === 'noisy')).toEqual([]);
    expect(h.limiter.load('noisy')).toEqual({ running: 0, queued: 0 });
    await expect(drain('quiet', { matchers: [], series: [{ name: 'canary', labels: [] }], fromMs: start, toMs: NOW, stepMs: 0, aggregation: Aggregation.AVG })).resolves.toBe(2);
  });
});
