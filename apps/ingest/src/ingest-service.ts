import { status as grpcStatus, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import type { IngestServiceServer, WriteRequest, WriteResponse } from '@strata/proto';
import type { Tracer } from '@opentelemetry/api';
import {
  grpcError,
  malformedRequestReason,
  startGrpcServerSpan,
  tenantFromMetadata,
  type ApiKeyStore,
  type Logger,
} from '@strata/runtime';
import { MalformedRequestError } from './errors';
import { toGrpcStatus } from './grpc-status';
import type { IngestMetrics } from './ingest-metrics';
import type { WriteHandler } from './write-handler';

export interface IngestServiceDeps {
  readonly keys: ApiKeyStore;
  readonly handler: Pick<WriteHandler, 'write'>;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
  /** Each Write is a server span when set (tracing on). */
  readonly tracer?: Tracer;
}

/** strata.v1.IngestService over gRPC: authentication, then the write handler. */
export function createIngestService(deps: IngestServiceDeps): IngestServiceServer {
  return {
    write(call: ServerUnaryCall<WriteRequest, WriteResponse>, callback: sendUnaryData<WriteResponse>) {
      const stopTimer = deps.metrics.requestSeconds.startTimer();
      deps.metrics.inFlight.inc();
      const span = startGrpcServerSpan(deps.tracer, 'strata.v1.IngestService', 'Write', call.metadata);
      const finish = (code: grpcStatus, details?: string) => {
        deps.metrics.inFlight.dec();
        deps.metrics.requests.inc({ code: grpcStatus[code] });
        stopTimer();
        span.end(code, details);
      };
      let tenant: string | undefined;
      Promise.resolve()
        .then(() => {
          tenant = tenantFromMetadata(call.metadata, deps.keys);
          const malformed = malformedRequestReason(call.request);
          if (malformed !== undefined) throw new MalformedRequestError(malformed);
          span.setAttributes({ 'strata.tenant': tenant });
          const request = call.request;
          return span.run(() => deps.handler.write(tenant!, request));
        })
        .then(
          (response) => {
            span.setAttributes({
              'strata.points.accepted': Number(response.accepted),
              'strata.points.rejected': response.rejections.length,
            });
            finish(grpcStatus.OK);
            callback(null, response);
          },
          (error: unknown) => {
            const { code, details } = toGrpcStatus(error);
            finish(code, details);
            const level = code === grpcStatus.INTERNAL || code === grpcStatus.UNAVAILABLE ? 'error' : 'info';
            deps.logger[level]({ tenant, code: grpcStatus[code], err: error }, 'write refused');
            callback(grpcError(code, details));
          },
        );
    },
  };
}
