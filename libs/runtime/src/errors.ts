/**
 * The root of Strata's error tree. `retriable` tells callers (retry loops, gRPC status
 * mapping) whether the same operation may succeed if tried again unchanged.
 */
export class StrataError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** One or more configuration variables were missing or malformed at start-up. */
export class ConfigError extends StrataError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

export function isStrataError(error: unknown): error is StrataError {
  return error instanceof StrataError;
}

/** True when retrying may help; unknown errors are treated as not retriable. */
export function isRetriable(error: unknown): boolean {
  return isStrataError(error) && error.retriable;
}
