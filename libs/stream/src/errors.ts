/** A Kafka setting that cannot work; `field` names the offending option. */
export class KafkaConfigError extends Error {
  readonly retriable = false;

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'KafkaConfigError';
  }
}

/** The cluster is reachable but not (yet) able to serve: retry later. */
export class KafkaNotReadyError extends Error {
  readonly retriable = true;

  constructor(message: string) {
    super(message);
    this.name = 'KafkaNotReadyError';
  }
}

/** MSK IAM could not sign a token: no usable AWS credentials (yet). Retried on reconnect. */
export class MskIamCredentialsError extends Error {
  readonly retriable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MskIamCredentialsError';
  }
}
