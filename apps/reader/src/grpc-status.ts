import { status } from '@grpc/grpc-js';
import { UnauthenticatedError } from '@strata/runtime';
import { HotChunkCorruptError, HotReadError } from '@strata/storage/hot';
import {
  DecodeQueueFullError,
  HotTierFailedError,
  InvalidQueryError,
  MalformedRequestError,
  QueryLimitError,
  ReadCancelledError,
} from './errors';

/** The one place where reader errors become gRPC statuses. */
export function toGrpcStatus(error: unknown): { code: status; details: string } {
  if (error instanceof UnauthenticatedError) return { code: status.UNAUTHENTICATED, details: error.message };
  if (error instanceof MalformedRequestError || error instanceof InvalidQueryError) {
    return { code: status.INVALID_ARGUMENT, details: error.message };
  }
  if (error instanceof QueryLimitError || error instanceof DecodeQueueFullError) {
    return { code: status.RESOURCE_EXHAUSTED, details: error.message };
  }
  if (error instanceof HotTierFailedError) {
    return { code: error.cause instanceof HotChunkCorruptError ? status.DATA_LOSS : status.UNAVAILABLE, details: error.message };
  }
  if (error instanceof HotReadError) return { code: status.UNAVAILABLE, details: `${error.message}; retry` };
  if (error instanceof ReadCancelledError) return { code: status.CANCELLED, details: error.message };
  return { code: status.INTERNAL, details: 'internal error in the reader; the answer is incomplete, see the reader log' };
}
