import { status } from '@grpc/grpc-js';
import { UnauthenticatedError } from '@strata/runtime';
import { LogUnavailableError } from '@strata/stream';
import { BytesInFlightError, BytesRateLimitedError, MalformedRequestError, RateLimitedError, RequestTooLargeError, TenantBytesInFlightError } from './errors';

export interface IngestStatus {
  readonly code: status;
  readonly details: string;
  /** Why a whole request was refused, for strata_ingest_requests_refused_total{reason}. */
  readonly reason: string;
}

/** The one place where ingest errors become gRPC statuses. */
export function toGrpcStatus(error: unknown): IngestStatus {
  if (error instanceof UnauthenticatedError) return { code: status.UNAUTHENTICATED, details: error.message, reason: `${error.reason}_key` };
  if (error instanceof MalformedRequestError) return { code: status.INVALID_ARGUMENT, details: error.message, reason: 'malformed_body' };
  if (error instanceof RequestTooLargeError) return { code: status.INVALID_ARGUMENT, details: error.message, reason: `too_many_${error.what}` };
  if (error instanceof RateLimitedError) return { code: status.RESOURCE_EXHAUSTED, details: error.message, reason: 'rate_limited' };
  if (error instanceof BytesRateLimitedError) return { code: status.RESOURCE_EXHAUSTED, details: error.message, reason: 'bytes_rate_limited' };
  if (error instanceof TenantBytesInFlightError) return { code: status.RESOURCE_EXHAUSTED, details: error.message, reason: 'tenant_bytes_in_flight' };
  if (error instanceof BytesInFlightError) return { code: status.RESOURCE_EXHAUSTED, details: error.message, reason: 'bytes_in_flight' };
  if (error instanceof LogUnavailableError) {
    return { code: status.UNAVAILABLE, details: `${error.message}; nothing in this request was stored, retry it`, reason: 'log_unavailable' };
  }
  return { code: status.INTERNAL, details: 'internal error; nothing in this request is known to be stored, retry it', reason: 'internal' };
}
