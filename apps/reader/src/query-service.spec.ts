import { Metadata, status, type ServerUnaryCall, type ServerWritableStream, type ServiceError } from '@grpc/grpc-js';
import type { ListSeriesRequest, ListSeriesResponse, ReadRequest, ReadResponse } from '@strata/proto';
import { ApiKeyStore, createLogger } from '@strata/runtime';
import { createQueryService } from './query-service';

const service = createQueryService({
  keys: ApiKeyStore.parse('acme-secret-1:acme'),
  logger: createLogger({ service: 'spec', level: 'silent' }),
});

function metadataWith(key?: string): Metadata {
  const metadata = new Metadata();
  if (key !== undefined) metadata.set('x-api-key', key);
  return metadata;
}

function read(key?: string): ServiceError {
  let destroyedWith: ServiceError | undefined;
  const call = {
    metadata: metadataWith(key),
    request: {},
    destroy: (error: ServiceError) => (destroyedWith = error),
  } as unknown as ServerWritableStream<ReadRequest, ReadResponse>;
  service.read(call);
  return destroyedWith!;
}

function listSeries(key?: string): Promise<ServiceError | null> {
  const call = { metadata: metadataWith(key), request: { match: '*' } } as unknown as ServerUnaryCall<
    ListSeriesRequest,
    ListSeriesResponse
  >;
  return new Promise((resolve) => service.listSeries(call, (error) => resolve(error as ServiceError | null)));
}

describe('QueryService', () => {
  it('refuses unauthenticated reads and listings', async () => {
    expect(read().code).toBe(status.UNAUTHENTICATED);
    expect(read('acme-secret-9').code).toBe(status.UNAUTHENTICATED);
    expect((await listSeries())?.code).toBe(status.UNAUTHENTICATED);
  });

  it('answers UNIMPLEMENTED, never an empty result, before the read path exists', async () => {
    expect(read('acme-secret-1').code).toBe(status.UNIMPLEMENTED);
    expect((await listSeries('acme-secret-1'))?.code).toBe(status.UNIMPLEMENTED);
  });
});
