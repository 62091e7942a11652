/** One value that describes a failure: a series key, a tenant, a limit, a setting's name, a code. */
export type ErrorContextValue = string | number | boolean | undefined | readonly string[];

/** The values that describe one failure, by name; frozen, so a handler cannot alter what another logs. */
export type ErrorContext = Readonly<Record<string, ErrorContextValue>>;

export interface StrataErrorOptions {
  /** Whether the same operation may succeed if tried again unchanged. @default false */
  readonly retriable?: boolean;
  readonly cause?: unknown;
  /** What the failure concerns, for logs and status details. @default {} */
  readonly context?: Record<string, ErrorContextValue>;
}

/** The context of every error that names nothing: one frozen object, not one per error. */
const NO_CONTEXT: ErrorContext = Object.freeze({});

/**
 * The root of Strata's error tree. `retriable` tells callers (retry loops, gRPC status
 * mapping) whether the same operation may succeed if tried again unchanged; `context`
 * holds the values that describe the failure, so that every log line and status reads
 * one shape whatever the class.
 */
export class StrataError extends Error {
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(message: string, options: StrataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
    this.context = options.context === undefined ? NO_CONTEXT : Object.freeze({ ...options.context });
  }
}

/** One or more configuration variables were missing or malformed at start-up. */
export class ConfigError extends StrataError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`, { context: { problems } });
    this.problems = problems;
  }
}

export function isStrataError(error: unknown): error is StrataError {
  return error instanceof StrataError;
}

/** True when retrying may help; unknown errors are treated as not retriable. The one reader of `retriable`. */
export function isRetriable(error: unknown): boolean {
  return isStrataError(error) && error.retriable;
}

/**
 * True when the tree says the same operation fails again: a StrataError that is not
 * retriable. An error from outside the tree (a bug, a client library's failure) is
 * neither retriable nor known to be permanent, so a caller that would set work aside for
 * good on a permanent failure does not do it on a failure nobody classified.
 */
export function isPermanent(error: unknown): boolean {
  return isStrataError(error) && !isRetriable(error);
}
