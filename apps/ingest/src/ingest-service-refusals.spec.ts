import * as grpc from '@grpc/grpc-js';
import { WriteRequest, WriteResponse, type Series } from '@strata/proto';
import { ApiKeyStore, createLogger, GrpcServer, TenantRate } from '@strata/runtime';
import { ingestServiceBinding } from './ingest-service';
import { RequestBytesBudget } from './request-bytes-budget';
import { NOW, handlerHarness } from '../test/handler-harness';

// Refusals made on a body's raw bytes, before it is decoded: its structure and counts
// (write-request-scan.ts), and each tenant's share of the bytes in flight.

const MAX_REQUEST_BYTES = 16 * 1024;
const IN_FLIGHT_BYTES = 40 * 1024;
const TENANT_IN_FLIGHT_BYTES = 20 * 1024;
const SHAPE = { maxPoints: 6, maxSeries: 3, maxLabels: 5 };

describe('IngestService refusals before decoding', () => {
  const harness = handlerHarness({ maxPointsPerRequest: 1_000 });
  const logger = createLogger({ service: 'spec', level: 'silent' });
  const budget = new RequestBytesBudget(IN_FLIGHT_BYTES, undefined, TENANT_IN_FLIGHT_BYTES);
  /** Writes reaching the handler, by tenant. */
  const handled: string[] = [];
  /** While set, the handler waits for it: a request then holds its bytes. */
  let gate: Promise<void> | undefined;
  let server: GrpcServer;
  let address: string;

  beforeAll(async () => {
    server = new GrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger,
      maxReceiveMessageLength: MAX_REQUEST_BYTES,
      services: [
        ingestServiceBinding({
          keys: ApiKeyStore.parse('acme-secret-1:acme,beta-secret-1:beta'),
          handler: {
            write: async (tenant, request) => {
              handled.push(tenant);
              await gate;
              return harness.handler.write(tenant, request);
            },
          },
          metrics: harness.metrics,
          logger,
          budget,
          shape: SHAPE,
          maxListedRejections: 100,
        }),
      ],
    });
    await server.start();
    address = `127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    await server.stop(100);
  });

  /** Sends bytes as the Write body, as no client library would; resolves with the status and the answer. */
  const writeRaw = (body: Buffer, key = 'acme-secret-1') => {
    const raw = new grpc.Client(address, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set('x-api-key', key);
    return new Promise<{ error: grpc.ServiceError | null; response?: WriteResponse }>((resolve) =>
      raw.makeUnaryRequest('/strata.v1.IngestService/Write', (b: Buffer) => b, (b: Buffer) => WriteResponse.decode(b), body, metadata, (error, response) => {
        raw.close();
        resolve({ error, response });
      }),
    );
  };
  const encode = (series: Series[]) => Buffer.from(WriteRequest.encode({ series }).finish());
  const series = (labels: number, points: number, padBytes = 0): Series => ({
    name: 'm',
    labels: Array.from({ length: labels }, (_, i) => ({ name: `l${i}`, value: i === 0 && padBytes > 0 ? 'x'.repeat(padBytes) : 'v' })),
    points: Array.from({ length: points }, (_, i) => ({ timestampMs: NOW - 60_000 - i, value: i })),
  });
  const metric = (name: string) => harness.registry.getSingleMetricAsString(name);

  it('answers INVALID_ARGUMENT, not OK with nothing accepted, for garbage that starts with an end-group tag (0x6c)', async () => {
    const before = handled.length;
    const body = Buffer.concat([Buffer.from([0x6c]), Buffer.alloc(8_000, 0x5a)]);
    const { error, response } = await writeRaw(body);
    expect(response).toBeUndefined();
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/not a valid strata.v1.WriteRequest \(end-group tag \(field 13\) in WriteRequest: no field of a WriteRequest is a group, at byte 0\)/);
    expect(handled.length).toBe(before);
    expect(budget.inUse).toBe(0);
    expect(await metric('strata_ingest_requests_refused_total')).toMatch(/code="INVALID_ARGUMENT",reason="malformed_body"\} 1$/m);
  });

  it.each<[string, Series[], RegExp | undefined, string]>([
    ['points at the limit', [series(0, 3), series(0, 3)], undefined, ''],
    ['points one past', [series(0, 3), series(0, 4)], /at least 7 points; the limit is 6 per request \(STRATA_MAX_POINTS_PER_REQUEST\)/, 'too_many_points'],
    ['series at the limit', [series(0, 1), series(0, 1), series(0, 1)], undefined, ''],
    ['series one past', [series(0, 1), series(0, 1), series(0, 1), series(0, 1)], /at least 4 series; the limit is 3 per request \(STRATA_MAX_SERIES_PER_REQUEST\)/, 'too_many_series'],
    ['labels at the limit', [series(2, 1), series(3, 1)], undefined, ''],
    ['labels one past', [series(2, 1), series(4, 1)], /at least 6 labels; the limit is 5 per request \(STRATA_MAX_LABELS_PER_REQUEST\)/, 'too_many_labels'],
  ])('%s: refused INVALID_ARGUMENT before the handler, naming the setting', async (_case, body, message, reason) => {
    const before = handled.length;
    const { error, response } = await writeRaw(encode(body));
    if (message === undefined) {
      expect(error).toBeNull();
      expect(response?.accepted).toBe(body.reduce((n, s) => n + s.points.length, 0));
      expect(handled.length).toBe(before + 1);
      return;
    }
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(message);
    expect(error?.details).toMatch(/nothing was stored: split it into smaller requests/);
    expect(handled.length).toBe(before);
    expect(await metric('strata_ingest_requests_refused_total')).toMatch(new RegExp(`code="INVALID_ARGUMENT",reason="${reason}"\\} 1$`, 'm'));
  });

  it("keeps one tenant within its share of the bytes in flight while another tenant's writes pass", async () => {
    let open!: () => void;
    gate = new Promise<void>((resolve) => (open = resolve));
    try {
      const holding = writeRaw(encode([series(1, 1, 12_000)])); // acme holds ~12 KB of its 20 KB share
      await waitFor(() => budget.tenantInUse('acme') > 0);
      const before = handled.length;
      // 12 + 9 > 20: past acme's share, though the process's 40 KB has room.
      const over = await writeRaw(encode([series(1, 1, 9_000)]));
      expect(over.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(over.error?.details).toMatch(
        /tenant acme's writes hold \d+ request bytes in this ingest, and this request of \d+ bytes would pass its share of 20480 \(STRATA_INGEST_TENANT_MAX_INFLIGHT_BYTES\); nothing was stored/,
      );
      expect(handled.length).toBe(before);
      // Just within the share: admitted (and held at the gate too).
      const within = writeRaw(encode([series(1, 1, 7_000)]));
      await waitFor(() => handled.length === before + 1);
      // The share spent to the byte: a new call of acme's is refused before its body, beta's still passes.
      const rest = budget.tryTake(TENANT_IN_FLIGHT_BYTES - budget.tenantInUse('acme'), 'acme')!;
      const spent = await writeRaw(encode([series(0, 1)]));
      expect(spent.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(spent.error?.details).toMatch(/tenant acme's writes hold 20480 request bytes in this ingest, its whole share of 20480/);
      expect(handled.length).toBe(before + 1);
      const beta = writeRaw(encode([series(1, 1, 9_000)]), 'beta-secret-1');
      await waitFor(() => handled.length === before + 2);
      rest();
      open();
      gate = undefined;
      for (const call of [holding, within, beta]) expect((await call).error).toBeNull();
      expect(handled.slice(before)).toEqual(['acme', 'beta']);
      expect(budget.inUse).toBe(0);
      expect(budget.tenantInUse('acme')).toBe(0);
      expect(await metric('strata_ingest_requests_refused_total')).toMatch(/code="RESOURCE_EXHAUSTED",reason="tenant_bytes_in_flight"\} 2$/m);
    } finally {
      open();
      gate = undefined;
    }
  });
});

describe('IngestService: a tenant over its rate is refused before its body is decoded', () => {
  const harness = handlerHarness({ maxPointsPerRequest: 1_000, tenantPointsPerSecond: 1, tenantBurstPoints: 5 });
  const decoded: string[] = [];
  let server: GrpcServer;

  beforeAll(async () => {
    server = new GrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger: createLogger({ service: 'spec', level: 'silent' }),
      services: [
        ingestServiceBinding({
          keys: ApiKeyStore.parse('acme-secret-1:acme'),
          handler: {
            reserveRate: (tenant, points) => harness.handler.reserveRate(tenant, points),
            // Reached only with a decoded request: what a refused tenant must not cost.
            write: async (tenant, request, options) => {
              decoded.push(tenant);
              return harness.handler.write(tenant, request, options);
            },
          },
          metrics: harness.metrics,
          logger: createLogger({ service: 'spec', level: 'silent' }),
          budget: new RequestBytesBudget(IN_FLIGHT_BYTES, undefined, TENANT_IN_FLIGHT_BYTES),
          shape: { maxPoints: 1_000, maxSeries: 100, maxLabels: 100 },
          maxListedRejections: 100,
        }),
      ],
    });
    await server.start();
  });

  afterAll(async () => {
    await server.stop(100);
  });

  it('takes the rate from the scanned point count: within it, written; past it, RESOURCE_EXHAUSTED and never decoded', async () => {
    const client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    const send = (points: number) => {
      const metadata = new grpc.Metadata();
      metadata.set('x-api-key', 'acme-secret-1');
      const body = Buffer.from(
        WriteRequest.encode({ series: [{ name: 'm', labels: [], points: Array.from({ length: points }, (_, i) => ({ timestampMs: NOW - 60_000 - i, value: i })) }] }).finish(),
      );
      return new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest('/strata.v1.IngestService/Write', (b: Buffer) => b, (b: Buffer) => WriteResponse.decode(b), body, metadata, (error) => resolve(error)),
      );
    };
    try {
      expect(await send(5)).toBeNull(); // the whole burst
      const refused = await send(2);
      expect(refused?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(refused?.details).toMatch(/rate|retry/i);
      expect(decoded).toEqual(['acme']);
    } finally {
      client.close();
    }
  });
});

describe('IngestService bytes rate per tenant (STRATA_TENANT_BYTES_PER_SECOND)', () => {
  const harness = handlerHarness({ maxPointsPerRequest: 1_000 });
  const logger = createLogger({ service: 'spec', level: 'silent' });
  let now = 1_000_000;
  const handled: string[] = [];
  let server: GrpcServer;

  beforeAll(async () => {
    server = new GrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger,
      maxReceiveMessageLength: 16 * 1024,
      services: [
        ingestServiceBinding({
          keys: ApiKeyStore.parse('acme-secret-1:acme,beta-secret-1:beta'),
          handler: { write: async (tenant, request) => (handled.push(tenant), harness.handler.write(tenant, request)) },
          metrics: harness.metrics,
          logger,
          byteRate: new TenantRate(4_096, () => now),
          budget: new RequestBytesBudget(64 * 1024),
          shape: SHAPE,
          maxListedRejections: 100,
        }),
      ],
    });
    await server.start();
  });

  afterAll(async () => {
    await server.stop(100);
  });

  const send = (body: Buffer, key: string) => {
    const client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set('x-api-key', key);
    return new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest('/strata.v1.IngestService/Write', (b: Buffer) => b, (b: Buffer) => WriteResponse.decode(b), body, metadata, (error) => {
        client.close();
        resolve(error);
      }),
    );
  };

  it('charges every body received, garbage too, and refuses a tenant in debt before reading its next body, while another tenant writes', async () => {
    const garbage = Buffer.alloc(3_000, 0xff);
    expect((await send(garbage, 'acme-secret-1'))?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await send(garbage, 'acme-secret-1'))?.code).toBe(grpc.status.INVALID_ARGUMENT); // 6,000 of 4,096: in debt
    // Past the largest message too: refused on its metadata, so its size was never looked at.
    const refused = await send(Buffer.alloc(20 * 1024, 0xff), 'acme-secret-1');
    expect(refused?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refused?.details).toMatch(/tenant acme sent more than its 4096 request bytes\/s \(STRATA_TENANT_BYTES_PER_SECOND\).*refused before its body was read; retry in 465 ms/);
    const valid = Buffer.from(WriteRequest.encode({ series: [{ name: 'm', labels: [], points: [{ timestampMs: NOW - 60_000, value: 1 }] }] }).finish());
    expect(await send(valid, 'beta-secret-1')).toBeNull();
    expect(handled).toEqual(['beta']);
    expect(await harness.registry.getSingleMetricAsString('strata_ingest_requests_refused_total')).toMatch(/code="RESOURCE_EXHAUSTED",reason="bytes_rate_limited"} 1/);
    now += 465; // paid back
    expect(await send(valid, 'acme-secret-1')).toBeNull();
    expect(handled).toEqual(['beta', 'acme']);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
