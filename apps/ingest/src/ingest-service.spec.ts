import * as grpc from '@grpc/grpc-js';
import { IngestServiceClient, IngestServiceService, type WriteRequest, type WriteResponse } from '@strata/proto';
import { ApiKeyStore, createLogger, GrpcServer, tolerateMalformedRequests } from '@strata/runtime';
import { createIngestService } from './ingest-service';
import { NOW, handlerHarness } from './test-support';

describe('IngestService over gRPC', () => {
  const harness = handlerHarness({ maxPointsPerRequest: 5 });
  const logger = createLogger({ service: 'spec', level: 'silent' });
  let server: GrpcServer;
  let client: IngestServiceClient;
  let address: string;

  beforeAll(async () => {
    server = new GrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger,
      maxReceiveMessageLength: 16 * 1024,
      services: [
        {
          name: 'strata.v1.IngestService',
          definition: tolerateMalformedRequests(IngestServiceService),
          implementation: createIngestService({
            keys: ApiKeyStore.parse('acme-secret-1:acme'),
            handler: harness.handler,
            metrics: harness.metrics,
            logger,
          }),
        },
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

  const write = (request: WriteRequest, key = 'acme-secret-1') =>
    new Promise<{ error: grpc.ServiceError | null; response?: WriteResponse }>((resolve) =>
      client.write(request, withKey(key), (error, response) => resolve({ error, response })),
    );

  const point = { timestampMs: NOW - 60_000, value: 1 };

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

  it('answers INVALID_ARGUMENT for a body that is not a WriteRequest', async () => {
    const raw = new grpc.Client(address, grpc.credentials.createInsecure());
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      raw.makeUnaryRequest(
        '/strata.v1.IngestService/Write',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x0a, 0xff, 0xff, 0xff]),
        withKey('acme-secret-1'),
        (e) => resolve(e),
      ),
    );
    raw.close();
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/not a valid strata.v1.WriteRequest/);
  });

  it('answers UNAVAILABLE when the log cannot take the write', async () => {
    harness.log.failing = true;
    const { error, response } = await write({ series: [{ name: 'm', labels: [], points: [point] }] });
    harness.log.failing = false;
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(response).toBeUndefined();
  });
});
