import { status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import type { IngestServiceServer, WriteRequest, WriteResponse } from '@strata/proto';
import { grpcError, tenantFromMetadata, UnauthenticatedError, type ApiKeyStore, type Logger } from '@strata/runtime';

/**
 * strata.v1.IngestService. Authenticates every call; the write path behind it (validate,
 * produce to Kafka, acknowledge) is not built yet, so an authenticated Write is answered
 * UNIMPLEMENTED rather than pretending to store anything.
 */
export function createIngestService(deps: { keys: ApiKeyStore; logger: Logger }): IngestServiceServer {
  return {
    write(call: ServerUnaryCall<WriteRequest, WriteResponse>, callback: sendUnaryData<WriteResponse>) {
      try {
        const tenant = tenantFromMetadata(call.metadata, deps.keys);
        deps.logger.debug({ tenant, series: call.request.series.length }, 'write refused: not implemented');
        callback(grpcError(status.UNIMPLEMENTED, 'IngestService/Write is not implemented yet; nothing was stored'));
      } catch (error) {
        if (error instanceof UnauthenticatedError) return callback(grpcError(status.UNAUTHENTICATED, error.message));
        throw error;
      }
    },
  };
}
