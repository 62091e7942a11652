import { StorageError } from '../errors';

/** Why cold-tier bytes could not be read. Stable strings: safe to use as metric labels. */
export type ColdFormatReason = 'truncated' | 'bad-magic' | 'unsupported-version' | 'checksum-mismatch' | 'malformed';

/**
 * Bytes that should be a cold-tier block, block index or manifest are not one. Never
 * retriable: the same bytes fail the same way. `what` names the structure ("manifest",
 * "block index", "rollup part"...).
 */
export class ColdFormatError extends StorageError {
  constructor(
    readonly reason: ColdFormatReason,
    readonly what: string,
    detail: string,
  ) {
    super(`cold format: ${what}: ${reason}: ${detail}`, false, { context: { reason, what } });
  }
}

/** Input that the cold-format encoders refuse (unsorted series, bad shard...): a caller bug. */
export class InvalidColdInputError extends StorageError {
  constructor(message: string) {
    super(`cannot encode cold-tier object: ${message}`, false);
  }
}
