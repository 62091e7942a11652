import { status } from '@grpc/grpc-js';
import { UnauthenticatedError } from '@strata/runtime';
import { LogUnavailableError } from '@strata/stream';
import { MalformedRequestError, RateLimitedError, RequestTooLargeError } from './errors';

/** The one place where ingest errors become gRPC statuses. */
export function toGrpcStatus(error: unknown): { code: status; details: string } {
  if (error instanceof UnauthenticatedError) return { code: status.UNAUTHENTICATED, details: error.message };
  if (error instanceof MalformedRequestError) return { code: status.INVALID_ARGUMENT, details: error.message };
  if (error instanceof RequestTooLargeError) return { code: status.INVALID_ARGUMENT, details: error.message };
  if (error instanceof RateLimitedError) return { code: status.RESOURCE_EXHAUSTED, details: error.message };
  if (error instanceof LogUnavailableError) {
    return { code: status.UNAVAILABLE, details: `${error.message}; nothing in this request was stored, retry it` };
  }
  return { code: status.INTERNAL, details: 'internal error; nothing in this request is known to be stored, retry it' };
}
