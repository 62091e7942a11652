import { isRetriable, isStrataError } from '@strata/runtime';
import { StorageError, StorageRequestError, type StorageService } from '../errors';

/** Error names the AWS services use to say "slow down"; retrying after a backoff helps. */
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'SlowDown',
  'TooManyRequestsException',
]);

/** Server-side failures that say nothing about the request itself. */
const TRANSIENT = new Set(['InternalServerError', 'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'TimeoutError', 'TransactionInProgressException']);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Maps whatever an AWS SDK call threw onto the storage error tree; the only place in
 * Strata that reads SDK error names. Errors already in the tree pass through unchanged.
 *
 * Retriable: throttling, server faults (5xx), errors the SDK itself marks `$retryable`,
 * and network failures. Everything else the service refused because of the request
 * (ValidationException: a key over its size limit, an item over 400 KB; AccessDenied;
 * a missing table) fails the same way every time, so it is not retriable.
 */
export function fromAwsError(service: StorageService, operation: string, error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  if (isStrataError(error)) return new StorageError(error.message, isRetriable(error), { cause: error, context: error.context });
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const code = e.name && e.name !== 'Error' ? e.name : (e.code ?? 'Error');
  const throttled = THROTTLING.has(code);
  const status = e.$metadata?.httpStatusCode;
  const retriable =
    throttled ||
    TRANSIENT.has(code) ||
    e.$fault === 'server' ||
    (status !== undefined && status >= 500) ||
    e.$retryable !== undefined ||
    (e.code !== undefined && NETWORK_CODES.has(e.code));
  const detail = e.message ?? String(error);
  const conditionFailed = code === 'ConditionalCheckFailedException' || code === 'PreconditionFailed';
  return new StorageRequestError({ service, operation, code, retriable, throttled, conditionFailed, detail, cause: error });
}
