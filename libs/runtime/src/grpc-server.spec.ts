import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { IngestServiceService, strataPackageDefinition } from '@strata/proto';
import { healthStatus } from '@strata/testing';
import { GrpcServer } from './grpc-server';
import { memoryLogger } from './testing';

type Constructor = new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client;

function clientConstructor(protoFile: string, service: string, includeDirs: string[] = []): Constructor {
  const loaded = grpc.loadPackageDefinition(loadSync(protoFile, { keepCase: true, enums: String, includeDirs }));
  return service.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], loaded) as Constructor;
}

function listServices(client: grpc.Client): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const call = (client as unknown as { serverReflectionInfo(): grpc.ClientDuplexStream<unknown, unknown> }).serverReflectionInfo();
    call.on('data', (response: { list_services_response?: { service: Array<{ name: string }> } }) => {
      resolve((response.list_services_response?.service ?? []).map((s) => s.name).sort());
      call.end();
    });
    call.on('error', reject);
    call.write({ list_services: '' });
  });
}

describe('GrpcServer', () => {
  const reflectionProto = join(
    dirname(require.resolve('@grpc/reflection/package.json')),
    'build/proto/grpc/reflection/v1/reflection.proto',
  );
  let server: GrpcServer;
  let address: string;
  let reflection: grpc.Client;

  beforeEach(async () => {
    server = new GrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger: memoryLogger().logger,
      reflection: strataPackageDefinition(),
      services: [
        {
          name: 'strata.v1.IngestService',
          definition: IngestServiceService,
          implementation: {
            write: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
              callback({ code: grpc.status.UNIMPLEMENTED, details: 'not yet' }),
          },
        },
      ],
    });
    await server.start();
    address = `127.0.0.1:${server.port}`;
    const ReflectionClient = clientConstructor(reflectionProto, 'grpc.reflection.v1.ServerReflection');
    reflection = new ReflectionClient(address, grpc.credentials.createInsecure());
  });

  afterEach(async () => {
    reflection.close();
    await server.stop(100);
  });

  it('reports SERVING for the server and each service once started', async () => {
    expect(await healthStatus(address)).toBe('SERVING');
    expect(await healthStatus(address, { service: 'strata.v1.IngestService' })).toBe('SERVING');
  });

  it('reports NOT_SERVING while draining', async () => {
    server.setServing(false);
    expect(await healthStatus(address, { service: 'strata.v1.IngestService' })).toBe('NOT_SERVING');
  });

  it('lists the Strata and health services through reflection', async () => {
    expect(await listServices(reflection)).toEqual(
      expect.arrayContaining(['grpc.health.v1.Health', 'strata.v1.IngestService', 'strata.v1.QueryService']),
    );
  });
});

describe('GrpcServer refuseBeforeBody', () => {
  let server: GrpcServer;
  let calls = 0;
  const bodies: number[] = [];

  beforeAll(async () => {
    server = new GrpcServer({
      host: '127.0.0.1',
      port: 0,
      logger: memoryLogger().logger,
      maxReceiveMessageLength: 4 * 1024 * 1024,
      maxConcurrentStreams: 4,
      services: [
        {
          name: 'strata.v1.IngestService',
          definition: {
            ...IngestServiceService,
            write: { ...IngestServiceService.write, requestDeserialize: (bytes: Buffer) => (bodies.push(bytes.length), bytes) },
          },
          implementation: {
            write: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
              calls++;
              callback({ code: grpc.status.UNIMPLEMENTED, details: 'reached the handler' });
            },
          },
          refuseBeforeBody: (metadata) =>
            metadata.get('x-api-key').length === 0 ? { code: grpc.status.UNAUTHENTICATED, details: 'no key' } : undefined,
        },
      ],
    });
    await server.start();
  });

  afterAll(() => server.stop(100));

  const call = (body: Buffer, key?: string) => {
    const client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    if (key) metadata.set('x-api-key', key);
    return new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest('/strata.v1.IngestService/Write', (b: Buffer) => b, (b: Buffer) => b, body, metadata, (error) => {
        client.close();
        resolve(error);
      }),
    );
  };

  it('ends a refused call with its status before the body is deserialized or the handler runs', async () => {
    const error = await call(Buffer.alloc(3 * 1024 * 1024, 0x0a));
    expect([error?.code, error?.details]).toEqual([grpc.status.UNAUTHENTICATED, 'no key']);
    expect({ calls, bodies }).toEqual({ calls: 0, bodies: [] });
  });

  it('lets an admitted call through to its handler with its body', async () => {
    const error = await call(Buffer.alloc(10), 'a-key');
    expect(error?.details).toBe('reached the handler');
    expect({ calls, bodies }).toEqual({ calls: 1, bodies: [10] });
  });

  it('refuses many large bodies on one connection, each with its status', async () => {
    const client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    const body = Buffer.alloc(2 * 1024 * 1024);
    const codes = await Promise.all(
      Array.from({ length: 12 }, () =>
        new Promise<number | undefined>((resolve) =>
          client.makeUnaryRequest('/strata.v1.IngestService/Write', (b: Buffer) => b, (b: Buffer) => b, body, new grpc.Metadata(), (e) =>
            resolve(e?.code),
          ),
        ),
      ),
    );
    client.close();
    expect(codes).toEqual(Array(12).fill(grpc.status.UNAUTHENTICATED));
    expect(calls).toBe(1);
  });
});
