import * as grpc from '@grpc/grpc-js';
import { IngestServiceClient, type WriteRequest, type WriteResponse } from '@strata/proto';
import { ApiKeyStore, createLogger, GrpcServer } from '@strata/runtime';
import { ingestServiceBinding } from './ingest-service';
import { RequestBytesBudget } from './request-bytes-budget';
import { NOW, handlerHarness } from '../test/handler-harness';

const MAX_REQUEST_BYTES = 16 * 1024;
const IN_FLIGHT_BYTES = 24 * 1024;
const LISTED_REJECTIONS = 3;

describe('IngestService over gRPC', () => {
  const harness = handlerHarness({ maxPointsPerRequest: 5 });
  const logger = createLogger({ service: 'spec', level: 'silent' });
  const budget = new RequestBytesBudget(IN_FLIGHT_BYTES, (inUse) => harness.metrics.bytesInFlight.set(inUse));
  /** Writes reaching the handler (past authentication, the budget and decoding). */
  let handled = 0;
  /** While set, the handler waits for it: a request then holds its bytes. */
  let gate: Promise<void> | undefined;
  let server: GrpcServer;
  let client: IngestServiceClient;
  let address: string;

  beforeAll(async () => {
    server = new GrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger,
      maxReceiveMessageLength: MAX_REQUEST_BYTES,
      services: [
        ingestServiceBinding({
          keys: ApiKeyStore.parse('acme-secret-1:acme'),
          handler: {
            write: async (tenant, request) => {
              handled++;
              await gate;
              return harness.handler.write(tenant, request);
            },
          },
          metrics: harness.metrics,
          logger,
          budget,
          shape: { maxPoints: 5, maxSeries: 5, maxLabels: 8 },
          maxListedRejections: LISTED_REJECTIONS,
        }),
      ],
    });
    await server.start();
    address = `127.0.0.1:${server.port}`;
    client = new IngestServiceClient(address, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await server.stop(100);
  });

  const withKey = (key?: string) => {
    const metadata = new grpc.Metadata();
    if (key) metadata.set('x-api-key', key);
    return metadata;
  };

  const write = (request: WriteRequest, key: string | undefined = 'acme-secret-1') =>
    new Promise<{ error: grpc.ServiceError | null; response?: WriteResponse }>((resolve) =>
      client.write(request, withKey(key), (error, response) => resolve({ error, response })),
    );

  /** Sends bytes as the Write body, as no client library would. */
  const writeRaw = (body: Buffer, key: string | undefined) => {
    const raw = new grpc.Client(address, grpc.credentials.createInsecure());
    return new Promise<grpc.ServiceError | null>((resolve) =>
      raw.makeUnaryRequest('/strata.v1.IngestService/Write', (b: Buffer) => b, (b: Buffer) => b, body, withKey(key), (e) => {
        raw.close();
        resolve(e);
      }),
    );
  };

  const metric = (name: string) => harness.registry.getSingleMetricAsString(name);

  const point = { timestampMs: NOW - 60_000, value: 1 };
  /** A body of about `bytes` bytes, within the point limit. */
  const sized = (bytes: number): WriteRequest => ({
    series: [{ name: 'm', labels: [{ name: 'pad', value: 'x'.repeat(bytes) }], points: [point] }],
  });

  it.each([
    ['no key', undefined, 'missing x-api-key metadata', 'missing_key'],
    ['an unknown key', 'nope-nope-nope', 'unknown API key', 'unknown_key'],
  ])('refuses a body with %s UNAUTHENTICATED before reading it: the handler never runs', async (_case, key, details, reason) => {
    const before = { handled, records: harness.log.records.length };
    // Not even a WriteRequest: a server that decoded first would answer INVALID_ARGUMENT.
    const error = await writeRaw(Buffer.from([0x0a, 0xff, 0xff, 0xff]), key);
    expect(error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(error?.details).toBe(details);
    expect({ handled, records: harness.log.records.length }).toEqual(before);
    expect(await metric('strata_ingest_requests_refused_total')).toMatch(new RegExp(`code="UNAUTHENTICATED",reason="${reason}"\\} 1$`, 'm'));
  });

  it('answers UNAUTHENTICATED for an unknown key and stores nothing', async () => {
    const before = harness.log.records.length;
    const { error } = await write({ series: [{ name: 'm', labels: [], points: [point] }] }, 'nope-nope-nope');
    expect(error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(harness.log.records.length).toBe(before);
  });

  it('stores the good points and lists the refused ones', async () => {
    const { error, response } = await write({
      series: [
        { name: 'm', labels: [], points: [point, { timestampMs: -1, value: 1 }] },
        { name: '', labels: [], points: [point] },
      ],
    });
    expect(error).toBeNull();
    expect(response?.accepted).toBe(1);
    expect(response?.rejections.map((r) => r.code)).toEqual(['INVALID_TIMESTAMP', 'INVALID_NAME']);
  });

  it('answers INVALID_ARGUMENT for too many points, naming the limit', async () => {
    const points = Array.from({ length: 6 }, (_, i) => ({ timestampMs: NOW - i, value: i }));
    const { error } = await write({ series: [{ name: 'm', labels: [], points }] });
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/6 points; the limit is 5 per request/);
  });

  it('answers RESOURCE_EXHAUSTED for a body over the byte limit', async () => {
    const { error } = await write({ series: [{ name: 'm', labels: [{ name: 'big', value: 'x'.repeat(20_000) }], points: [point] }] });
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('answers INVALID_ARGUMENT for a body that is not a WriteRequest, once authenticated', async () => {
    const error = await writeRaw(Buffer.from([0x0a, 0xff, 0xff, 0xff]), 'acme-secret-1');
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/not a valid strata.v1.WriteRequest/);
    expect(budget.inUse).toBe(0);
  });

  it('refuses a body past the bytes in flight RESOURCE_EXHAUSTED before decoding it, and takes it once room is free', async () => {
    let open!: () => void;
    gate = new Promise<void>((resolve) => (open = resolve));
    const holding = write(sized(15_000)); // holds ~15 KB of the 24 KB budget while the gate is shut
    await waitFor(() => budget.inUse > 0);
    const before = handled;
    const { error } = await write(sized(10_000)); // 15 + 10 > 24
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error?.details).toMatch(/this request of \d+ bytes would pass its budget of 24576 \(STRATA_INGEST_MAX_INFLIGHT_BYTES\); nothing was stored/);
    expect(handled).toBe(before);
    const fitting = write(sized(8_000)); // 15 + 8 fits: admitted, and waits at the gate too
    await waitFor(() => handled === before + 1);
    open();
    gate = undefined;
    expect((await holding).error).toBeNull();
    expect((await fitting).error).toBeNull();
    expect(budget.inUse).toBe(0);
    expect((await write(sized(10_000))).error).toBeNull();
    expect(await metric('strata_ingest_requests_refused_total')).toMatch(/code="RESOURCE_EXHAUSTED",reason="bytes_in_flight"\} 1$/m);
    expect(await metric('strata_ingest_request_bytes_in_flight')).toMatch(/ 0$/m);
  });

  it('refuses a new call before its body while the budget is spent', async () => {
    const take = budget.tryTake(IN_FLIGHT_BYTES)!;
    try {
      const before = handled;
      const { error } = await write(sized(10));
      expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(error?.details).toMatch(/ingest is working on 24576 request bytes, its whole budget of 24576/);
      expect(handled).toBe(before);
    } finally {
      take();
    }
    // Even spent, the key comes first: a caller without one learns nothing about load.
    expect((await writeRaw(Buffer.alloc(0), undefined))?.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('lists the first rejections in full and the rest as a count per code', async () => {
    const bad = Array.from({ length: 4 }, (_, i) => ({ timestampMs: -1 - i, value: 1 }));
    const { error, response } = await write({
      series: [
        { name: 'm', labels: [], points: bad },
        { name: '', labels: [], points: [point] },
      ],
    });
    expect(error).toBeNull();
    expect(response?.rejections.map((r) => [r.seriesIndex, r.pointIndex, r.code])).toEqual([
      [0, 0, 'INVALID_TIMESTAMP'],
      [0, 1, 'INVALID_TIMESTAMP'],
      [0, 2, 'INVALID_TIMESTAMP'],
      [-1, -1, 'INVALID_TIMESTAMP'],
      [-1, -1, 'INVALID_NAME'],
    ]);
    expect(response?.rejections[3].message).toMatch(/^1 more rejections with code INVALID_TIMESTAMP/);
    expect(response?.rejections[4].message).toMatch(/^1 more rejections with code INVALID_NAME/);
    expect(await metric('strata_ingest_rejections_unlisted_total')).toMatch(/code="INVALID_TIMESTAMP"\} 1$/m);
  });

  it('answers UNAVAILABLE when the log cannot take the write', async () => {
    harness.log.failing = true;
    const { error, response } = await write({ series: [{ name: 'm', labels: [], points: [point] }] });
    harness.log.failing = false;
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(response).toBeUndefined();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
