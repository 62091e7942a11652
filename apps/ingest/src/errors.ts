import { appliedSetting } from '@strata/model';
import { StrataError } from '@strata/runtime';

/** What a request may hold too many of, with the setting that bounds it. */
export type RequestCountLimit = 'points' | 'series' | 'labels';

const REQUEST_COUNT_SETTINGS: Record<RequestCountLimit, string> = {
  points: 'STRATA_MAX_POINTS_PER_REQUEST',
  series: 'STRATA_MAX_SERIES_PER_REQUEST',
  labels: 'STRATA_MAX_LABELS_PER_REQUEST',
};

/** The request as a whole breaks a limit; nothing in it was stored. */
export class RequestTooLargeError extends StrataError {
  readonly setting: string;

  constructor(
    /** How many were counted: all of them, or (with `partial`) as far as the count went before it passed the limit. */
    readonly count: number,
    readonly limit: number,
    readonly what: RequestCountLimit = 'points',
    /** The body was not counted to its end: the count is a lower bound. */
    readonly partial = false,
  ) {
    const setting = REQUEST_COUNT_SETTINGS[what];
    super(
      `request holds ${partial ? 'at least ' : ''}${count} ${what}; the limit is ${limit} per request (${setting}); ` +
        'nothing was stored: split it into smaller requests',
      { context: { count, limit, what, partial, setting } },
    );
    this.setting = setting;
  }
}

/** The tenant is over its point rate; nothing in the request was stored. */
export class RateLimitedError extends StrataError {
  /**
   * @param overridden the rate is the tenant's own (STRATA_TENANT_POINTS_PER_SECOND_OVERRIDES),
   *   not every tenant's (STRATA_TENANT_POINTS_PER_SECOND): the message names the one that applied
   */
  constructor(
    readonly tenant: string,
    readonly points: number,
    readonly ratePerSecond: number,
    readonly retryAfterMs: number,
    overridden = false,
  ) {
    const setting = appliedSetting('STRATA_TENANT_POINTS_PER_SECOND', tenant, overridden);
    super(
      `tenant ${tenant} is over its rate of ${ratePerSecond} points/s (${setting}); ` +
        `this request of ${points} points was not stored; retry in ${retryAfterMs} ms`,
      { retriable: true, context: { tenant, points, ratePerSecond, retryAfterMs, setting } },
    );
  }
}

/**
 * The tenant sent more request bytes than STRATA_TENANT_BYTES_PER_SECOND allows: refused
 * before its body is read, whatever the body holds.
 */
export class BytesRateLimitedError extends StrataError {
  constructor(
    readonly tenant: string,
    readonly bytesPerSecond: number,
    readonly retryAfterMs: number,
    overridden = false,
  ) {
    const setting = appliedSetting('STRATA_TENANT_BYTES_PER_SECOND', tenant, overridden);
    super(
      `tenant ${tenant} sent more than its ${bytesPerSecond} request bytes/s (${setting}), valid or not; ` +
        `this request was refused before its body was read; retry in ${retryAfterMs} ms`,
      { retriable: true, context: { tenant, bytesPerSecond, retryAfterMs, setting } },
    );
  }
}

/** The request body did not decode as a strata.v1.WriteRequest. */
export class MalformedRequestError extends StrataError {
  constructor(readonly reason: string) {
    super(`request body is not a valid strata.v1.WriteRequest (${reason}); nothing was stored`, { context: { reason } });
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
      { retriable: true, context: { bytes, inUse, limit, setting: 'STRATA_INGEST_MAX_INFLIGHT_BYTES' } },
    );
  }
}

/**
 * The calling tenant's requests already hold its share of the bytes in flight; this
 * request was refused before it was decoded, and other tenants' writes still have room.
 * Retriable: the share frees as the tenant's own answers go out.
 */
export class TenantBytesInFlightError extends StrataError {
  constructor(
    readonly tenant: string,
    readonly bytes: number | undefined,
    readonly inUse: number,
    readonly limit: number,
  ) {
    super(
      `tenant ${tenant}'s writes hold ${inUse} request bytes in this ingest, ` +
        `${bytes === undefined ? 'its whole share' : `and this request of ${bytes} bytes would pass its share`} of ${limit} ` +
        '(STRATA_INGEST_TENANT_MAX_INFLIGHT_BYTES); nothing was stored: retry with backoff, or send fewer large requests at once',
      { retriable: true, context: { tenant, bytes, inUse, limit, setting: 'STRATA_INGEST_TENANT_MAX_INFLIGHT_BYTES' } },
    );
  }
}
