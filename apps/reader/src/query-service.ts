import {
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import type {
  ListSeriesRequest,
  ListSeriesResponse,
  QueryServiceServer,
  ReadRequest,
  ReadResponse,
} from '@strata/proto';
import { grpcError, tenantFromMetadata, UnauthenticatedError, type ApiKeyStore, type Logger } from '@strata/runtime';

/**
 * strata.v1.QueryService. Authenticates every call; the tier merge behind it is not built
 * yet, so authenticated calls are answered UNIMPLEMENTED rather than with an empty result
 * a client could mistake for "no data".
 */
export function createQueryService(deps: { keys: ApiKeyStore; logger: Logger }): QueryServiceServer {
  const refuse = (metadata: ServerUnaryCall<unknown, unknown>['metadata'], rpc: string): ServiceError => {
    try {
      const tenant = tenantFromMetadata(metadata, deps.keys);
      deps.logger.debug({ tenant, rpc }, 'query refused: not implemented');
      return grpcError(status.UNIMPLEMENTED, `QueryService/${rpc} is not implemented yet`);
    } catch (error) {
      if (error instanceof UnauthenticatedError) return grpcError(status.UNAUTHENTICATED, error.message);
      throw error;
    }
  };
  return {
    read(call: ServerWritableStream<ReadRequest, ReadResponse>) {
      call.destroy(refuse(call.metadata, 'Read'));
    },
    listSeries(call: ServerUnaryCall<ListSeriesRequest, ListSeriesResponse>, callback: sendUnaryData<ListSeriesResponse>) {
      callback(refuse(call.metadata, 'ListSeries'));
    },
  };
}
