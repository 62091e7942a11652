import fc from 'fast-check';
import { prometheus, prometheusWriteV2 } from '@strata/proto';
import { decodePointsAppended } from '@strata/stream';
import { snappyCompress } from '@strata/prometheus';
import { ApiKeyStore, createLogger, HttpApiServer, TenantRate } from '@strata/runtime';
import { remoteWriteRoute, remoteWriteVersion } from './remote-write-door';
import { RequestBytesBudget } from './request-bytes-budget';
import { handlerHarness, NOW } from '../test/handler-harness';

const MAX_REQUEST_BYTES = 64 * 1024;
const staleNaN = Buffer.from('020000000000f07f', 'hex').readDoubleLE(0);
const V2_TYPE = 'application/x-protobuf;proto=io.prometheus.write.v2.Request';

type WireSeries = { labels: Array<[string, string]>; samples: Array<{ value: number; timestamp: number }>; histograms?: number };

function v1Body(series: WireSeries[]): Buffer {
  const { WriteRequest } = prometheus;
  const timeseries = series.map((s) => ({
    labels: s.labels.map(([name, value]) => ({ name, value })),
    samples: s.samples,
    histograms: Array.from({ length: s.histograms ?? 0 }, (_, i) => ({ sum: 1, timestamp: NOW + i, count: { $case: 'countInt' as const, value: 1 } })),
  }));
  return Buffer.from(WriteRequest.encode(WriteRequest.fromPartial({ timeseries })).finish());
}

function v2Body(series: WireSeries[]): Buffer {
  const { Request } = prometheusWriteV2;
  const symbols = [''];
  const ref = (s: string) => (symbols.includes(s) ? symbols.indexOf(s) : symbols.push(s) - 1);
  const timeseries = series.map((s) => ({ labelsRefs: s.labels.flatMap(([n, v]) => [ref(n), ref(v)]), samples: s.samples }));
  return Buffer.from(Request.encode(Request.fromPartial({ symbols, timeseries })).finish());
}

const up = (job: string, value = 1, timestamp = NOW): WireSeries => ({ labels: [['__name__', 'up'], ['job', job]], samples: [{ value, timestamp }] });

describe('remote write door (POST /api/v1/write)', () => {
  const logger = createLogger({ service: 'spec', level: 'silent' });
  let harness: ReturnType<typeof handlerHarness>;
  let server: HttpApiServer;
  let url: string;
  let byteRate: TenantRate;
  let recorded: Array<[string, string[]]>;

  beforeEach(async () => {
    harness = handlerHarness({ maxPointsPerRequest: 100, tenantPointsPerSecond: 50, tenantBurstPoints: 50 });
    byteRate = new TenantRate(1024 * 1024, () => NOW);
    recorded = [];
    server = new HttpApiServer({
      host: '127.0.0.1',
      port: 0,
      logger,
      routes: [
        remoteWriteRoute({
          keys: ApiKeyStore.parse('acme-secret-1:acme,beta-secret-1:beta'),
          handler: harness.handler,
          metrics: harness.metrics,
          logger,
          budget: new RequestBytesBudget(4 * MAX_REQUEST_BYTES, () => undefined),
          byteRate,
          maxRequestBytes: MAX_REQUEST_BYTES,
          maxListedRejections: 3,
          shape: { maxSeries: 50, maxLabels: 200 },
          metadata: { record: (tenant, entries) => recorded.push([tenant, [...entries].map(([name, m]) => `${name} ${m.type} ${m.help}`)]) },
        }),
      ],
    });
    await server.start();
    url = `http://127.0.0.1:${server.port}/api/v1/write`;
  });

  afterEach(() => server.stop(100));

  const post = (body: Buffer, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-api-key': 'acme-secret-1', ...headers },
    });
  const stored = () =>
    harness.log.records.flatMap((r) => {
      const event = decodePointsAppended(r.value);
      return event.series!.points.map((p) => `${event.tenant}/${r.key.split('/')[1]} ${p.timestampMs} ${p.value}`);
    });

  it('stores a 1.0 body and answers 204 with no body', async () => {
    const res = await post(snappyCompress(v1Body([up('node'), up('prometheus', 0)])));
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(stored()).toEqual([`acme/up{job="node"} ${NOW} 1`, `acme/up{job="prometheus"} ${NOW} 0`]);
  });

  it('stores a 2.0 body, chosen by Content-Type, and says how much it wrote', async () => {
    const res = await post(snappyCompress(v2Body([up('node'), up('db', 3)])), { 'content-type': V2_TYPE });
    expect(res.status).toBe(204);
    expect(res.headers.get('x-prometheus-remote-write-samples-written')).toBe('2');
    expect(res.headers.get('x-prometheus-remote-write-histograms-written')).toBe('0');
    expect(res.headers.get('x-prometheus-remote-write-exemplars-written')).toBe('0');
    expect(stored()).toEqual([`acme/up{job="node"} ${NOW} 1`, `acme/up{job="db"} ${NOW} 3`]);
  });

  it.each([
    ['a bearer token', { 'x-api-key': '', authorization: 'Bearer acme-secret-1' }],
    ['basic auth with the key as password', { 'x-api-key': '', authorization: `Basic ${Buffer.from('prometheus:acme-secret-1').toString('base64')}` }],
  ])('maps %s to the same tenant', async (_, headers) => {
    expect((await post(snappyCompress(v1Body([up('a')])), headers)).status).toBe(204);
    expect(stored()).toEqual([`acme/up{job="a"} ${NOW} 1`]);
  });

  it('answers 401 to a missing or unknown key, before reading the body, and stores nothing', async () => {
    const missing = await post(snappyCompress(v1Body([up('a')])), { 'x-api-key': '' });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('connection')).toBe('close');
    expect(await missing.text()).toMatch(/missing API key/);
    expect((await post(snappyCompress(v1Body([up('a')])), { 'x-api-key': 'not-a-key-1' })).status).toBe(401);
    expect(stored()).toEqual([]);
  });

  it.each([
    ['an unknown message', { 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v3.Request' }, /unsupported Content-Type/],
    ['JSON', { 'content-type': 'application/json' }, /unsupported Content-Type/],
    ['gzip', { 'content-encoding': 'gzip' }, /unsupported Content-Encoding "gzip"/],
    ['no encoding', { 'content-encoding': '' }, /unsupported Content-Encoding ""/],
  ])('answers 415 to %s', async (_, headers, message) => {
    const res = await post(snappyCompress(v1Body([up('a')])), headers);
    expect(res.status).toBe(415);
    expect(await res.text()).toMatch(message);
    expect(stored()).toEqual([]);
  });

  it('stores the good samples of a mixed body and answers 400 naming each series and rule it did not store', async () => {
    const body = v1Body([
      up('good'),
      { labels: [['__name__', 'temp'], ['room', 'a']], samples: [{ value: Number.NaN, timestamp: NOW }, { value: 20, timestamp: NOW + 1 }] },
      { labels: [['__name__', 'gone'], ['job', 'x']], samples: [{ value: staleNaN, timestamp: NOW }] },
      { labels: [['__name__', 'future'], ['job', 'x']], samples: [{ value: 1, timestamp: NOW + 3_600_000 }] },
      { labels: [['__name__', 'latency'], ['job', 'x']], samples: [], histograms: 2 },
      { labels: [['job', 'nameless']], samples: [{ value: 1, timestamp: NOW }] },
    ]);
    const res = await post(snappyCompress(body), { 'content-type': V2_TYPE.replace('io.prometheus.write.v2.Request', 'prometheus.WriteRequest') });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text.split('\n')[0]).toBe('stored 3 of 6 samples; not stored: 1 NON_FINITE_VALUE, 2 HISTOGRAM_UNSUPPORTED, 1 MISSING_METRIC_NAME, 1 TOO_FAR_IN_FUTURE');
    expect(text).toContain('temp{room="a"}: NON_FINITE_VALUE: 1 NaN sample(s) not stored');
    expect(text).toContain('latency{job="x"}: HISTOGRAM_UNSUPPORTED');
    // Past the three listed in full, a count per code.
    expect(text).toContain('1 more refusals with code TOO_FAR_IN_FUTURE not listed');
    // The staleness marker is stored, as NaN (staleness), beside the good samples.
    expect(stored()).toEqual([`acme/up{job="good"} ${NOW} 1`, `acme/temp{room="a"} ${NOW + 1} 20`, `acme/gone{job="x"} ${NOW} NaN`]);
    expect(await harness.registry.getSingleMetricAsString('strata_ingest_remote_write_refused_total')).toContain(
      'strata_ingest_remote_write_refused_total{tenant="acme",code="HISTOGRAM_UNSUPPORTED"} 2',
    );
  });

  it('answers 400 to a body that is not snappy or not the message, and stores nothing', async () => {
    const notSnappy = await post(Buffer.from([0x85, 0x80]));
    expect(notSnappy.status).toBe(400);
    expect(await notSnappy.text()).toMatch(/not snappy-compressed/);
    const notMessage = await post(snappyCompress(Buffer.from([0x0a, 0x50, 1, 2])));
    expect(notMessage.status).toBe(400);
    expect(await notMessage.text()).toMatch(/not a valid prometheus.WriteRequest/);
    expect(stored()).toEqual([]);
  });

  it('answers 413 to a body over the limit, compressed or uncompressed, without taking the memory it claims', async () => {
    const huge = await post(Buffer.alloc(MAX_REQUEST_BYTES + 1, 1));
    expect(huge.status).toBe(413);
    expect(huge.headers.get('connection')).toBe('close');
    // Five bytes that declare 4 GiB.
    const claims = await post(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
    expect(claims.status).toBe(413);
    expect(await claims.text()).toMatch(/uncompressed body would be 4294967295 bytes; the limit is 65536/);
  });

  it('takes an uncompressed message of exactly STRATA_MAX_REQUEST_BYTES, and answers 413 to one byte more', async () => {
    // One series, then an unknown field (15, bytes) that pads the message to the size wanted.
    const padded = (size: number) => {
      const base = v1Body([up('edge')]);
      const length = size - base.length - 1 - 3; // tag, a 3-byte length varint, the bytes
      const varint = [(length & 0x7f) | 0x80, ((length >>> 7) & 0x7f) | 0x80, length >>> 14];
      return Buffer.concat([base, Buffer.from([(15 << 3) | 2, ...varint]), Buffer.alloc(length)]);
    };
    expect(padded(MAX_REQUEST_BYTES).length).toBe(MAX_REQUEST_BYTES);
    expect((await post(snappyCompress(padded(MAX_REQUEST_BYTES)))).status).toBe(204);
    const over = await post(snappyCompress(padded(MAX_REQUEST_BYTES + 1)));
    expect(over.status).toBe(413);
    expect(await over.text()).toMatch(/uncompressed body would be 65537 bytes; the limit is 65536/);
    expect(stored()).toEqual([`acme/up{job="edge"} ${NOW} 1`]);
  });

  it('takes as many series as a request may hold and answers 413 to one more, before the rate is charged', async () => {
    const series = (n: number) => Array.from({ length: n }, (_, i) => up(`s${i}`));
    expect((await post(snappyCompress(v1Body(series(50))))).status).toBe(204);
    const over = await post(snappyCompress(v1Body(series(51))));
    expect(over.status).toBe(413);
    expect(await over.text()).toMatch(/request holds 51 series; the limit is 50 per request \(STRATA_MAX_SERIES_PER_REQUEST\)/);
    expect(stored()).toHaveLength(50);
  });

  it('answers 429 with Retry-After over the tenant point rate, and another tenant is unaffected', async () => {
    const many = v1Body(Array.from({ length: 40 }, (_, i) => up(`j${i}`)));
    expect((await post(snappyCompress(many))).status).toBe(204);
    const limited = await post(snappyCompress(many));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.text()).toMatch(/STRATA_TENANT_POINTS_PER_SECOND/);
    expect((await post(snappyCompress(v1Body([up('b')])), { 'x-api-key': 'beta-secret-1' })).status).toBe(204);
  });

  it('answers 429 before the body to a tenant over its byte rate', async () => {
    byteRate.charge('acme', 10 * 1024 * 1024);
    const res = await post(snappyCompress(v1Body([up('a')])));
    expect(res.status).toBe(429);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.text()).toMatch(/STRATA_TENANT_BYTES_PER_SECOND/);
    expect((await post(snappyCompress(v1Body([up('b')])), { 'x-api-key': 'beta-secret-1' })).status).toBe(204);
  });

  it('answers 503 when the log cannot take the write, so that the sender retries', async () => {
    harness.log.failing = true;
    const res = await post(snappyCompress(v2Body([up('a')])), { 'content-type': V2_TYPE });
    expect(res.status).toBe(503);
    expect(res.headers.get('x-prometheus-remote-write-samples-written')).toBe('0');
    expect(await res.text()).toMatch(/retry it/);
  });

  it("answers 400 to one version's body sent as the other", async () => {
    const asV2 = await post(snappyCompress(v1Body([up('a')])), { 'content-type': V2_TYPE });
    expect(asV2.status).toBe(400);
    expect(await asV2.text()).toMatch(/none of its fields: is the Content-Type proto= parameter/);
    expect((await post(snappyCompress(v2Body([up('a')])))).status).toBe(400);
    expect(stored()).toEqual([]);
  });

  it('hands the metric metadata of a request it took to the recorder, and not of one it refused', async () => {
    const { WriteRequest, MetricMetadata_MetricType } = prometheus;
    const metadata = [{ type: MetricMetadata_MetricType.GAUGE, metricFamilyName: 'up', help: 'Target is up.', unit: '' }];
    const body = Buffer.from(WriteRequest.encode(WriteRequest.fromPartial({ metadata })).finish());
    expect((await post(snappyCompress(body))).status).toBe(204);
    expect((await post(snappyCompress(body), { 'x-api-key': 'wrong-key-123' })).status).toBe(401);
    expect(recorded).toEqual([['acme', ['up gauge Target is up.']]]);
  });

  it('answers random and mutated bodies with a definite status, keeps serving, and stores only what it acknowledged', async () => {
    const valid = v2Body([up('a'), { labels: [['__name__', 'temp'], ['room', 'b']], samples: [{ value: 2, timestamp: NOW }] }]);
    const mutated = fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(valid.length)).map(([at, byte, cut]) => {
      const copy = Buffer.from(valid);
      copy[at] = byte;
      return snappyCompress(copy.subarray(0, cut));
    });
    const raw = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
    let written = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutated, raw, raw.map((b) => snappyCompress(b))), fc.constantFrom('1.0', '2.0'), async (body, version) => {
        const res = await post(body, version === '2.0' ? { 'content-type': V2_TYPE } : {});
        expect([204, 400, 413, 429]).toContain(res.status);
        written += Number(res.headers.get('x-prometheus-remote-write-samples-written') ?? 0);
        await res.arrayBuffer();
      }),
      { numRuns: 300 },
    );
    // Every stored point was reported written to a 2.0 sender or acknowledged to a 1.0 one; the door still answers.
    expect(stored().length).toBeGreaterThanOrEqual(written);
    expect((await post(snappyCompress(v1Body([up('after')])))).status).toBe(204);
  });

  it('answers 404 and 405 elsewhere', async () => {
    expect((await fetch(`http://127.0.0.1:${server.port}/api/v1/push`, { method: 'POST' })).status).toBe(404);
    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

describe('remoteWriteVersion', () => {
  it.each([
    ['application/x-protobuf', '1.0'],
    ['application/x-protobuf;proto=prometheus.WriteRequest', '1.0'],
    ['application/x-protobuf; proto=io.prometheus.write.v2.Request', '2.0'],
    ['Application/X-Protobuf;proto=io.prometheus.write.v2.Request', '2.0'],
    ['application/x-protobuf;proto=something.Else', undefined],
    ['text/plain', undefined],
    [undefined, undefined],
  ])('%s is %s', (contentType, version) => {
    expect(remoteWriteVersion(contentType)).toBe(version);
  });
});
