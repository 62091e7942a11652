import { status as grpcStatus, type Metadata, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { IngestServiceService, type WriteRequest, type WriteResponse } from '@strata/proto';
import type { Tracer } from '@opentelemetry/api';
import {
  grpcError,
  rawRequestBodies,
  startGrpcServerSpan,
  tenantFromMetadata,
  type ApiKeyStore,
  type CallRefusal,
  type GrpcServiceBinding,
  type Logger,
  type TenantRate,
} from '@strata/runtime';
import { MalformedRequestError } from './errors';
import { toGrpcStatus } from './grpc-status';
import type { IngestMetrics } from './ingest-metrics';
import { capRejections } from './rejection-cap';
import { budgetRefusal, refusalBeforeBody, type RequestBytesBudget } from './request-bytes-budget';
import type { WriteHandler } from './write-handler';
import { scanWriteRequest, type WriteRequestShapeLimits } from './write-request-scan';

export interface IngestServiceDeps {
  readonly keys: ApiKeyStore;
  /**
   * `reserveRate`, when given, takes the tenant's rate from the scanned point count, before
   * decoding; `offloads` and `writeBody`, when given, take the bodies that `offloads` names
   * raw, to be decoded off the event loop.
   */
  readonly handler: Pick<WriteHandler, 'write'> & Partial<Pick<WriteHandler, 'reserveRate' | 'offloads' | 'writeBody'>>;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
  /** Raw request bytes this process works on at once (STRATA_INGEST_MAX_INFLIGHT_BYTES), and each tenant (STRATA_INGEST_TENANT_MAX_INFLIGHT_BYTES). */
  readonly budget: RequestBytesBudget;
  /**
   * Request bytes per tenant (STRATA_TENANT_BYTES_PER_SECOND), charged with each body as it
   * arrives, valid or not; a tenant in debt is refused before its next body is read.
   */
  readonly byteRate?: TenantRate;
  /** Counts a body must stay within, checked on its raw bytes before it is decoded. */
  readonly shape: WriteRequestShapeLimits;
  /** Rejections listed in full per answer (STRATA_MAX_LISTED_REJECTIONS). */
  readonly maxListedRejections: number;
  /** Each Write is a server span when set (tracing on). */
  readonly tracer?: Tracer;
}

// A type, not an interface: grpc-js wants an implementation with an index signature.
export type IngestServiceImplementation = {
  write(call: ServerUnaryCall<Buffer, WriteResponse>, callback: sendUnaryData<WriteResponse>): void;
};

const decodeWriteRequest = IngestServiceService.write.requestDeserialize;

/**
 * strata.v1.IngestService as a gRPC binding whose work is ordered by cost, cheapest
 * refusal first: before the body is read, the API key and the bytes budget, the process's
 * and the tenant's share (refuseBeforeBody); once the raw body is in, its bytes against
 * both; then a scan of its raw bytes (well-formed, within the point, series and label
 * counts) that makes no object; only then is it decoded (the expensive step) and handed to
 * the write handler. Register it with
 * GrpcServer as is: the raw-body definition and the early refusal belong together.
 */
export function ingestServiceBinding(deps: IngestServiceDeps): GrpcServiceBinding {
  return {
    name: 'strata.v1.IngestService',
    definition: rawRequestBodies(IngestServiceService),
    implementation: createIngestService(deps),
    refuseBeforeBody: (metadata) => refuseBeforeBody(deps, metadata),
  };
}

function refuseBeforeBody(deps: IngestServiceDeps, metadata: Metadata): CallRefusal | undefined {
  let refusal: ReturnType<typeof toGrpcStatus> | undefined;
  let tenant: string | undefined;
  try {
    tenant = tenantFromMetadata(metadata, deps.keys);
  } catch (error) {
    refusal = toGrpcStatus(error);
  }
  if (refusal === undefined && tenant !== undefined) {
    const early = refusalBeforeBody(deps.budget, deps.byteRate, tenant);
    if (early) refusal = toGrpcStatus(early);
  }
  if (refusal === undefined) return undefined;
  deps.metrics.requests.inc({ code: grpcStatus[refusal.code] });
  deps.metrics.requestsRefused.inc({ code: grpcStatus[refusal.code], reason: refusal.reason });
  return refusal;
}

/** The Write handler over raw bodies (see {@link ingestServiceBinding}). */
export function createIngestService(deps: IngestServiceDeps): IngestServiceImplementation {
  deps.metrics.bytesInFlightLimit.set(deps.budget.capacity);
  return {
    write(call, callback) {
      const stopTimer = deps.metrics.requestSeconds.startTimer();
      deps.metrics.inFlight.inc();
      const span = startGrpcServerSpan(deps.tracer, 'strata.v1.IngestService', 'Write', call.metadata);
      let release: (() => void) | undefined;
      const finish = (code: grpcStatus, details?: string) => {
        release?.();
        deps.metrics.inFlight.dec();
        deps.metrics.requests.inc({ code: grpcStatus[code] });
        stopTimer();
        span.end(code, details);
      };
      let tenant: string | undefined;
      Promise.resolve()
        .then(() => {
          // Again here, not only before the body: the handler must never trust that an
          // interceptor ran (a test server, a future second binding).
          tenant = tenantFromMetadata(call.metadata, deps.keys);
          const body = call.request;
          // Received is spent, whatever becomes of it: garbage costs the tenant as much as points.
          deps.byteRate?.charge(tenant, body.length);
          release = deps.budget.tryTake(body.length, tenant);
          if (release === undefined) throw budgetRefusal(deps.budget, tenant, body.length);
          const shape = scanWriteRequest(body, deps.shape);
          const rateReserved = deps.handler.reserveRate !== undefined;
          deps.handler.reserveRate?.(tenant, shape.points);
          span.setAttributes({ 'strata.tenant': tenant });
          const { writeBody } = deps.handler;
          // A large body would hold the event loop (every tenant's calls) for its whole
          // decode, validation and encoding: it goes to a worker thread as it is.
          if (writeBody && deps.handler.offloads?.(body.length)) {
            return span.run(() => writeBody.call(deps.handler, tenant!, body, { rateReserved }));
          }
          const request = decode(body);
          return span.run(() => deps.handler.write(tenant!, request, { rateReserved }));
        })
        .then(
          (full) => {
            const { rejections, unlisted } = capRejections(full.rejections, deps.maxListedRejections);
            for (const [code, count] of unlisted) deps.metrics.rejectionsUnlisted.inc({ code }, count);
            const response: WriteResponse = { accepted: full.accepted, rejections };
            span.setAttributes({
              'strata.points.accepted': Number(response.accepted),
              'strata.points.rejected': full.rejections.length,
            });
            finish(grpcStatus.OK);
            callback(null, response);
          },
          (error: unknown) => {
            const { code, details, reason } = toGrpcStatus(error);
            finish(code, details);
            deps.metrics.requestsRefused.inc({ code: grpcStatus[code], reason });
            const level = code === grpcStatus.INTERNAL || code === grpcStatus.UNAVAILABLE ? 'error' : 'info';
            deps.logger[level]({ tenant, code: grpcStatus[code], reason, err: error }, 'write refused');
            callback(grpcError(code, details));
          },
        );
    },
  };
}

function decode(body: Buffer): WriteRequest {
  try {
    return decodeWriteRequest(body);
  } catch (error) {
    throw new MalformedRequestError(error instanceof Error ? error.message : String(error));
  }
}
