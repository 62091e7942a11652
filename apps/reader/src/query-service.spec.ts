import * as grpc from '@grpc/grpc-js';
import {
  Aggregation,
  MatchType,
  QueryServiceClient,
  QueryServiceService,
  type ListSeriesResponse,
  type ReadRequest,
  type ReadResponse,
} from '@strata/proto';
import { ApiKeyStore, GrpcServer, tolerateMalformedRequests } from '@strata/runtime';
import { createQueryService } from './query-service';
import { HOUR, NOW, readerHarness } from '../test/reader-harness';

const TODAY = Date.UTC(2026, 10, 23);
const at = (hours: number) => TODAY + hours * HOUR;
const CPU = { name: 'cpu', labels: [{ name: 'host', value: 'a' }] };
const CPU_KEY = 'cpu{host="a"}';

describe('QueryService over gRPC (in-memory tiers)', () => {
  // Few points per series-day assumed (the estimate admits every read here): what this spec
  // checks is the count from chunk headers while fetching.
  const harness = readerHarness({ limits: { maxPointsPerMessage: 50, maxPointsPerRequest: 5_000, pointsPerSeriesDay: 10, maxListSeries: 3 }, tierTimeoutMs: 300 });
  const { hot, warm } = harness;
  let server: GrpcServer;
  let client: QueryServiceClient;
  let address: string;

  beforeAll(async () => {
    // Yesterday 06:00-08:00: only in DynamoDB (the hot copy expired).
    warm.put('acme', CPU_KEY, at(-18), [[at(-18), 1], [at(-17), 2]]);
    // Today 08:00-10:00: sealed in both tiers, but Redis has a newer seal of 08:01.
    warm.put('acme', CPU_KEY, at(8), [[at(8), 10], [at(8) + 60_000, 11]]);
    hot.put('acme', CPU_KEY, at(8), 'packed', [[at(8), 10], [at(8) + 60_000, 111]]);
    // Today 10:00-12:00: sealing in progress, then a newer write of 10:00 in the open hash.
    hot.put('acme', CPU_KEY, at(10), 'sealing', [[at(10), 20], [at(10) + 60_000, 21]]);
    hot.put('acme', CPU_KEY, at(10), 'open', [[at(10), 200]]);
    // The open window: 300 points, one a second from 12:00.
    hot.put('acme', 'big', at(12), 'open', Array.from({ length: 300 }, (_, i) => [at(12) + i * 1_000, i] as [number, number]));
    hot.put('acme', 'mem', at(12), 'open', [[at(12), 1]]);
    hot.put('acme', 'host.a.cpu.user', at(12), 'open', [[at(12), 1]]);
    hot.put('acme', 'host.b.cpu.user', at(12), 'open', [[at(12), 1]]);
    hot.put('other', 'mem', at(12), 'open', [[at(12), 666]]);

    server = new GrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger: harness.logger,
      services: [
        {
          name: 'strata.v1.QueryService',
          definition: tolerateMalformedRequests(QueryServiceService),
          implementation: createQueryService({
            keys: ApiKeyStore.parse('acme-secret-1:acme,other-secret-1:other'),
            reads: harness.reads,
            lister: harness.lister,
            metrics: harness.metrics,
            logger: harness.logger,
          }),
        },
      ],
    });
    await server.start();
    address = `127.0.0.1:${server.port}`;
    client = new QueryServiceClient(address, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await server.stop(100);
  });

  afterEach(() => {
    hot.failing = false;
    warm.failing = false;
    warm.hang = false;
  });

  const withKey = (key?: string) => {
    const metadata = new grpc.Metadata();
    if (key) metadata.set('x-api-key', key);
    return metadata;
  };

  const read = (request: Partial<ReadRequest>, key = 'acme-secret-1') =>
    new Promise<{ messages: ReadResponse[]; error?: grpc.ServiceError }>((resolve) => {
      const messages: ReadResponse[] = [];
      const stream = client.read({ matchers: [], series: [CPU], fromMs: at(-24), toMs: NOW, stepMs: 0, aggregation: Aggregation.AVG, ...request }, withKey(key));
      stream.on('data', (m: ReadResponse) => messages.push(m));
      stream.on('error', (error: grpc.ServiceError) => resolve({ messages, error }));
      stream.on('end', () => resolve({ messages }));
    });

  const list = (match: string, key = 'acme-secret-1') =>
    new Promise<{ error: grpc.ServiceError | null; response?: ListSeriesResponse }>((resolve) =>
      client.listSeries({ match, matchers: [], fromMs: 0, toMs: 0 }, withKey(key), (error, response) => resolve({ error, response })),
    );

  const pointsOf = (messages: ReadResponse[], name = 'cpu') =>
    messages.flatMap((m) => m.series.filter((s) => s.name === name).flatMap((s) => s.points.map((p) => [p.timestampMs, p.value])));

  it('answers UNAUTHENTICATED for a missing or unknown key', async () => {
    expect((await read({}, '')).error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await read({}, 'nope-nope-nope')).error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await list('*', 'nope-nope-nope')).error?.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('merges the tiers per timestamp, the hotter layer winning', async () => {
    const { messages, error } = await read({});
    expect(error).toBeUndefined();
    expect(pointsOf(messages)).toEqual([
      [at(-18), 1],
      [at(-17), 2],
      [at(8), 10],
      [at(8) + 60_000, 111],
      [at(10), 200],
      [at(10) + 60_000, 21],
    ]);
    expect(messages.every((m) => m.warnings.length === 0)).toBe(true);
    expect(messages[0].series[0].labels).toEqual([{ name: 'host', value: 'a' }]);
  });

  it('never returns staleness (a stored NaN) as a value, raw or rolled up, and lets it hide the older value it overwrote', async () => {
    // Warm holds 5 at t; the hot tier's staleness marker at t overwrote it; then a value.
    warm.put('acme', 'gone', at(6), [[at(6), 5], [at(6) + 1_000, 6]]);
    hot.put('acme', 'gone', at(6), 'open', [[at(6), Number.NaN], [at(6) + 2_000, 7], [at(6) + 3_000, Number.NaN]]);
    const raw = await read({ series: [{ name: 'gone', labels: [] }], fromMs: at(6), toMs: at(7) });
    expect(pointsOf(raw.messages, 'gone')).toEqual([
      [at(6) + 1_000, 6],
      [at(6) + 2_000, 7],
    ]);
    const summed = await read({ series: [{ name: 'gone', labels: [] }], fromMs: at(6), toMs: at(7), stepMs: 60_000, aggregation: Aggregation.SUM });
    expect(pointsOf(summed.messages, 'gone')).toEqual([[at(6), 13]]);
    const counted = await read({ series: [{ name: 'gone', labels: [] }], fromMs: at(6), toMs: at(7), stepMs: 60_000, aggregation: Aggregation.COUNT });
    expect(pointsOf(counted.messages, 'gone')).toEqual([[at(6), 2]]);
  });

  it('reads the series label matchers select, besides the exact selectors, each once', async () => {
    const { messages, error } = await read({
      series: [{ name: 'mem', labels: [] }],
      matchers: [{ name: '__name__', type: MatchType.REGEX, value: 'host\\..*|mem' }],
      fromMs: at(12),
      toMs: NOW,
    });
    expect(error).toBeUndefined();
    expect(messages.flatMap((m) => m.series.map((s) => s.name)).sort()).toEqual(['host.a.cpu.user', 'host.b.cpu.user', 'mem']);
    const bad = await read({ matchers: [{ name: 'job', type: MatchType.REGEX, value: '(' }] });
    expect(bad.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('splits a large series over messages, in time order', async () => {
    const { messages } = await read({ series: [{ name: 'big', labels: [] }], fromMs: at(12), toMs: NOW });
    expect(messages.map((m) => m.series[0].points.length)).toEqual([50, 50, 50, 50, 50, 50]);
    expect(pointsOf(messages, 'big').map(([, v]) => v)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('rolls up to epoch-aligned buckets stamped with their start', async () => {
    const { messages } = await read({ series: [{ name: 'big', labels: [] }], fromMs: at(12) + 30_000, toMs: NOW, stepMs: 60_000, aggregation: Aggregation.SUM });
    const sum = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i).reduce((a, b) => a + b);
    expect(pointsOf(messages, 'big')).toEqual([
      [at(12), sum(30, 60)],
      [at(12) + 60_000, sum(60, 120)],
      [at(12) + 120_000, sum(120, 180)],
      [at(12) + 180_000, sum(180, 240)],
      [at(12) + 240_000, sum(240, 300)],
    ]);
  });

  it('leaves out series without points and packs small series together', async () => {
    const { messages } = await read({ series: [{ name: 'mem', labels: [] }, { name: 'nothing', labels: [] }, CPU], fromMs: at(12), toMs: NOW });
    expect(messages).toHaveLength(1);
    expect(messages[0].series.map((s) => s.name)).toEqual(['mem']);
  });

  it('never shows one tenant another tenant’s series', async () => {
    const theirs = await read({ series: [CPU, { name: 'mem', labels: [] }], fromMs: at(-24), toMs: NOW }, 'other-secret-1');
    expect(pointsOf(theirs.messages, 'cpu')).toEqual([]);
    expect(pointsOf(theirs.messages, 'mem')).toEqual([[at(12), 666]]);
    expect((await list('*', 'other-secret-1')).response?.series).toEqual([{ name: 'mem', labels: [] }]);
  });

  it('returns what Redis has plus a warning naming the missing range when DynamoDB fails', async () => {
    warm.failing = true;
    const { messages, error } = await read({});
    expect(error).toBeUndefined();
    expect(pointsOf(messages)).toEqual([[at(8), 10], [at(8) + 60_000, 111], [at(10), 200], [at(10) + 60_000, 21]]);
    const warnings = messages.flatMap((m) => m.warnings);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('warm tier (DynamoDB) failed for 1 of 1 series (cpu{host="a"}): connect ECONNREFUSED');
    // The hot tier covers windows from 08:00 yesterday (end + 26 h + 1 h after now).
    expect(warnings[0]).toContain(`points in [${new Date(at(-24)).toISOString()}, ${new Date(at(-16)).toISOString()})`);
    expect(messages[messages.length - 1].warnings).toEqual(warnings);
  });

  it('turns a DynamoDB that does not answer into a warning after the tier timeout', async () => {
    warm.hang = true;
    const { messages, error } = await read({});
    expect(error).toBeUndefined();
    expect(messages.flatMap((m) => m.warnings)[0]).toMatch(/gave no answer within 300 ms \(STRATA_READ_TIER_TIMEOUT_MS\)/);
  });

  it('fails UNAVAILABLE, naming the series, when Redis fails', async () => {
    hot.failing = true;
    const { messages, error } = await read({});
    expect(messages).toEqual([]);
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(error?.details).toMatch(/hot tier \(Redis\) failed reading cpu\{host="a"\} in \[.*\): .*ECONNREFUSED.*retry it/);
    expect((await list('*')).error?.code).toBe(grpc.status.UNAVAILABLE);
  });

  it('fails DATA_LOSS for a corrupt chunk in Redis, and warns for one in DynamoDB', async () => {
    hot.windows.set(`acme/corrupt/${at(8)}`, { start: at(8), open: { timestamps: new Float64Array(0), values: new Float64Array(0) }, sealing: { timestamps: new Float64Array(0), values: new Float64Array(0) }, packed: Uint8Array.of(1, 2, 3) });
    const bad = await read({ series: [{ name: 'corrupt', labels: [] }] });
    expect(bad.error?.code).toBe(grpc.status.DATA_LOSS);
    expect(bad.error?.details).toContain(`window at ${at(8)} is corrupt`);
    warm.putRaw('acme', 'corrupt2', at(-20), Uint8Array.of(1, 2, 3));
    const partial = await read({ series: [{ name: 'corrupt2', labels: [] }] });
    expect(partial.error).toBeUndefined();
    expect(partial.messages.flatMap((m) => m.warnings)[0]).toContain(`the chunk of the window at ${new Date(at(-20)).toISOString()} is corrupt`);
  });

  it.each<[string, Partial<ReadRequest>, grpc.status, RegExp]>([
    ['an empty range', { toMs: 0, fromMs: 0 }, grpc.status.INVALID_ARGUMENT, /to_ms \(0\) must be greater than from_ms \(0\)/],
    ['a bad selector', { series: [{ name: 'a b', labels: [] }] }, grpc.status.INVALID_ARGUMENT, /series\[0\]: name "a b"/],
    ['too wide a range', { fromMs: 0, toMs: NOW }, grpc.status.INVALID_ARGUMENT, /STRATA_READ_MAX_RANGE_MS/],
    ['a negative step', { stepMs: -60_000 }, grpc.status.INVALID_ARGUMENT, /step_ms -60000 is negative/],
  ])('answers %s with a precise status', async (_, request, code, details) => {
    const { error } = await read(request);
    expect(error?.code).toBe(code);
    expect(error?.details).toMatch(details);
  });

  it('answers RESOURCE_EXHAUSTED once a read would decode more points than allowed, counted before decoding', async () => {
    for (let i = 0; i < 20; i++) hot.put('acme', `many${i}`, at(12), 'open', Array.from({ length: 300 }, (_, j) => [at(12) + j, j] as [number, number]));
    const { error } = await read({ series: Array.from({ length: 20 }, (_, i) => ({ name: `many${i}`, labels: [] })), fromMs: at(12), toMs: NOW });
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error?.details).toMatch(/would decode more than 5000 raw points \(STRATA_READ_MAX_POINTS\): 5100 counted from chunk headers in 17 of its 20 series/);
  });

  it('answers INVALID_ARGUMENT for a body that is not a ReadRequest', async () => {
    const raw = new grpc.Client(address, grpc.credentials.createInsecure());
    const error = await new Promise<grpc.ServiceError | undefined>((resolve) => {
      const stream = raw.makeServerStreamRequest('/strata.v1.QueryService/Read', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x0a, 0xff, 0xff, 0xff]), withKey('acme-secret-1'));
      stream.on('data', () => undefined);
      stream.on('error', resolve);
      stream.on('end', () => resolve(undefined));
    });
    raw.close();
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/not a valid strata.v1.ReadRequest/);
  });

  it.each([
    ['*', ['big', 'cpu', 'host.a.cpu.user', 'host.b.cpu.user', 'mem'], grpc.status.RESOURCE_EXHAUSTED],
    ['', [], grpc.status.RESOURCE_EXHAUSTED],
    ['host.*.cpu.*', ['host.a.cpu.user', 'host.b.cpu.user'], grpc.status.OK],
    ['host.?.cpu.user', ['host.a.cpu.user', 'host.b.cpu.user'], grpc.status.OK],
    ['c?u', ['cpu'], grpc.status.OK],
    ['nothing*', [], grpc.status.OK],
  ])('lists series matching %j', async (match, names, code) => {
    const { error, response } = await list(match);
    expect(error?.code ?? grpc.status.OK).toBe(code);
    if (code === grpc.status.OK) expect(response?.series.map((s) => s.name)).toEqual(names);
    else expect(error?.details).toMatch(/more than 3 series match .* \(STRATA_LIST_MAX_SERIES\); narrow the pattern/);
  });

  it('lists labels parsed back from the series key', async () => {
    expect((await list('cpu')).response?.series).toEqual([CPU]);
  });

  it('refuses a glob with characters names never hold', async () => {
    const { error } = await list('cpu{host="a"}');
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/contains "\{"/);
  });

  it('counts calls, points and warnings for operators', async () => {
    const text = await harness.registry.metrics();
    expect(text).toMatch(/strata_reader_requests_total\{rpc="Read",code="OK"\} \d+/);
    expect(text).toMatch(/strata_reader_requests_total\{rpc="Read",code="UNAVAILABLE"\} 1/);
    expect(text).toMatch(/strata_reader_warnings_total\{tier="warm"\} [1-9]/);
    expect(text).toMatch(/strata_reader_points_returned_total\{tenant="acme"\} [1-9]/);
    expect(text).toMatch(/strata_reader_tier_fetch_duration_seconds_count\{tier="hot",result="ok"\} [1-9]/);
  });
});
