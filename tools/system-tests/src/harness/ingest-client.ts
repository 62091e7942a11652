import * as grpc from '@grpc/grpc-js';
import { IngestServiceClient, type WriteRequest, type WriteResponse } from '@strata/proto';

export type WriteOutcome = { ok: true; response: WriteResponse } | { ok: false; error: grpc.ServiceError };

export function createIngestClient(address: string): IngestServiceClient {
  return new IngestServiceClient(address, grpc.credentials.createInsecure());
}

/** One Write with `x-api-key`; never rejects: a gRPC error is an outcome like any other. */
export function write(client: IngestServiceClient, apiKey: string, request: WriteRequest, timeoutMs = 10_000): Promise<WriteOutcome> {
  const metadata = new grpc.Metadata();
  metadata.set('x-api-key', apiKey);
  return new Promise((resolve) => {
    client.write(request, metadata, { deadline: Date.now() + timeoutMs }, (error, response) =>
      resolve(error ? { ok: false, error } : { ok: true, response }),
    );
  });
}

/**
 * Sends `body` as the request message of IngestService/Write without encoding it, so a
 * test can send bytes no client library would produce.
 */
export function writeRawBytes(client: grpc.Client, apiKey: string, body: Buffer, timeoutMs = 10_000): Promise<WriteOutcome> {
  const metadata = new grpc.Metadata();
  metadata.set('x-api-key', apiKey);
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, WriteResponse>(
      '/strata.v1.IngestService/Write',
      (bytes) => bytes,
      () => ({ accepted: 0, rejections: [] }),
      body,
      metadata,
      { deadline: Date.now() + timeoutMs },
      (error, response) => resolve(error ? { ok: false, error } : { ok: true, response: response! }),
    );
  });
}
