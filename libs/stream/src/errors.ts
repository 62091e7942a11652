import { StrataError } from '@strata/runtime';

/** A Kafka setting that cannot work; `field` names the offending option. */
export class KafkaConfigError extends StrataError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`, { context: { field } });
  }
}

/** The cluster is reachable but not (yet) able to serve: retry later. */
export class KafkaNotReadyError extends StrataError {
  constructor(message: string) {
    super(message, { retriable: true });
  }
}

/** MSK IAM could not sign a token: no usable AWS credentials (yet). Retried on reconnect. */
export class MskIamCredentialsError extends StrataError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: true, cause: options.cause });
  }
}

/**
 * The log refused a record for its size, or it could never fit the broker's limit: the
 * same record will be refused again, so this is permanent for that record (the caller
 * re-encodes into smaller records, or reports the series refused). Only the caller whose
 * record it is gets this error; records of other callers are sent without it.
 */
export class RecordTooLargeError extends StrataError {
  constructor(
    readonly key: string,
    readonly bytes: number,
    readonly limitBytes: number,
    options: { cause?: unknown } = {},
  ) {
    super(
      `a log record of ${bytes} bytes for ${key.slice(0, 200)} does not fit the broker's message limit ` +
        `(${limitBytes} bytes usable for records, from the topic's max.message.bytes)`,
      { retriable: false, cause: options.cause, context: { key, bytes, limitBytes } },
    );
  }
}
