/** Base of the storage lib's errors: `retriable` tells a caller whether trying again can help. */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A storage setting that cannot work; `field` names it. */
export class StorageConfigError extends StorageError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`, false);
  }
}

/** A table exists under the configured name with another key schema. */
export class TableSchemaMismatchError extends StorageError {
  constructor(
    readonly tableName: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`table ${tableName} exists with key schema ${actual}, expected ${expected}`, false);
  }
}

/** A table did not become ACTIVE in time. */
export class TableNotActiveError extends StorageError {
  constructor(
    readonly tableName: string,
    readonly waitedMs: number,
  ) {
    super(`table ${tableName} was not ACTIVE after ${waitedMs} ms`, true);
  }
}

/** The bucket name is taken by another account, or we may not use it. */
export class BucketNotOwnedError extends StorageError {
  constructor(
    readonly bucket: string,
    reason: string,
  ) {
    super(`bucket ${bucket} cannot be used: ${reason}`, false);
  }
}
