import { Metadata, status, type ServerUnaryCall, type ServiceError } from '@grpc/grpc-js';
import type { WriteRequest, WriteResponse } from '@strata/proto';
import { ApiKeyStore, createLogger } from '@strata/runtime';
import { createIngestService } from './ingest-service';

function callWrite(key: string | undefined): Promise<ServiceError | null> {
  const service = createIngestService({
    keys: ApiKeyStore.parse('acme-secret-1:acme'),
    logger: createLogger({ service: 'spec', level: 'silent' }),
  });
  const metadata = new Metadata();
  if (key !== undefined) metadata.set('x-api-key', key);
  const call = { metadata, request: { series: [] } } as unknown as ServerUnaryCall<WriteRequest, WriteResponse>;
  return new Promise((resolve) => service.write(call, (error) => resolve(error as ServiceError | null)));
}

describe('IngestService.Write', () => {
  it.each([
    ['no key', undefined],
    ['an unknown key', 'acme-secret-2'],
  ])('answers UNAUTHENTICATED for %s', async (_case, key) => {
    expect((await callWrite(key))?.code).toBe(status.UNAUTHENTICATED);
  });

  it('does not claim to store anything before the write path exists', async () => {
    const error = await callWrite('acme-secret-1');
    expect(error?.code).toBe(status.UNIMPLEMENTED);
    expect(error?.details).toContain('nothing was stored');
  });
});
