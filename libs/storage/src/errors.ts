import { StrataError, type StrataErrorOptions } from '@strata/runtime';

/**
 * Base of the storage lib's errors, a branch of Strata's one error tree (StrataError):
 * `retriable` tells a caller whether trying again unchanged can help, so retry decisions
 * read it instead of messages or SDK error names.
 */
export class StorageError extends StrataError {
  constructor(message: string, retriable: boolean, options: Pick<StrataErrorOptions, 'cause' | 'context'> = {}) {
    super(message, { retriable, ...options });
  }
}

/** Which store an SDK error came from (it names the tier in the message and in metrics). */
export type StorageService = 'dynamodb' | 's3';

/**
 * A storage service refused or failed a request. Built only by `fromAwsError`
 * (aws/aws-errors.ts), the one place that reads SDK error names and faults: `retriable`
 * is false for refusals that repeat whatever the timing (a key too long, an item too
 * large, a malformed request, access denied), true for throttling, server faults and
 * network errors. `code` is the service's error name, kept for logs.
 */
export class StorageRequestError extends StorageError {
  readonly service: StorageService;
  readonly operation: string;
  readonly code: string;
  /** The service asked us to slow down (retriable; counted apart from other retries). */
  readonly throttled: boolean;
  /** A conditional write found the item changed: an answer, not a failure. */
  readonly conditionFailed: boolean;

  constructor(context: { service: StorageService; operation: string; code: string; retriable: boolean; throttled: boolean; conditionFailed?: boolean; detail: string; cause: unknown }) {
    const { service, operation, code, throttled } = context;
    super(`${service} ${operation} ${context.retriable ? 'failed' : 'refused'} (${code}): ${context.detail}`, context.retriable, {
      cause: context.cause,
      context: { service, operation, code, throttled },
    });
    this.service = context.service;
    this.operation = context.operation;
    this.code = context.code;
    this.throttled = context.throttled;
    this.conditionFailed = context.conditionFailed ?? false;
  }
}

/** A storage setting that cannot work; `field` names it. */
export class StorageConfigError extends StorageError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`, false, { context: { field } });
  }
}

/** A table exists under the configured name with another key schema. */
export class TableSchemaMismatchError extends StorageError {
  constructor(
    readonly tableName: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`table ${tableName} exists with key schema ${actual}, expected ${expected}`, false, { context: { tableName, expected, actual } });
  }
}

/** A table did not become ACTIVE in time. */
export class TableNotActiveError extends StorageError {
  constructor(
    readonly tableName: string,
    readonly waitedMs: number,
  ) {
    super(`table ${tableName} was not ACTIVE after ${waitedMs} ms`, true, { context: { tableName, waitedMs } });
  }
}

/** The bucket name is taken by another account, or we may not use it. */
export class BucketNotOwnedError extends StorageError {
  constructor(
    readonly bucket: string,
    reason: string,
  ) {
    super(`bucket ${bucket} cannot be used: ${reason}`, false, { context: { bucket } });
  }
}
