import { StrataError } from '@strata/runtime';

/** The request as a whole breaks a limit; nothing in it was stored. */
export class RequestTooLargeError extends StrataError {
  constructor(
    readonly points: number,
    readonly limit: number,
  ) {
    super(
      `request holds ${points} points; the limit is ${limit} per request (STRATA_MAX_POINTS_PER_REQUEST); ` +
        'nothing was stored: split it into smaller requests',
    );
  }
}

/** The tenant is over its point rate; nothing in the request was stored. */
export class RateLimitedError extends StrataError {
  constructor(
    readonly tenant: string,
    readonly points: number,
    readonly ratePerSecond: number,
    readonly retryAfterMs: number,
  ) {
    super(
      `tenant ${tenant} is over its rate of ${ratePerSecond} points/s (STRATA_TENANT_POINTS_PER_SECOND); ` +
        `this request of ${points} points was not stored; retry in ${retryAfterMs} ms`,
      { retriable: true },
    );
  }
}

/** The request body did not decode as a strata.v1.WriteRequest. */
export class MalformedRequestError extends StrataError {
  constructor(readonly reason: string) {
    super(`request body is not a valid strata.v1.WriteRequest (${reason}); nothing was stored`);
  }
}

/**
 * The process already holds as many request bytes as it may work on at once; this
 * request was refused before it was decoded. Retriable: room frees as answers go out.
 */
export class BytesInFlightError extends StrataError {
  constructor(
    readonly bytes: number | undefined,
    readonly inUse: number,
    readonly limit: number,
  ) {
    super(
      `ingest is working on ${inUse} request bytes, ${bytes === undefined ? 'its whole budget' : `and this request of ${bytes} bytes would pass its budget`} ` +
        `of ${limit} (STRATA_INGEST_MAX_INFLIGHT_BYTES); nothing was stored: retry with backoff, or spread writes over more ingest replicas`,
      { retriable: true },
    );
  }
}
