import { isPermanent, StrataError } from '@strata/runtime';
import { TIER_LABEL, type TierName } from './planner';

/** A ReadRequest or ListSeriesRequest that can never succeed as sent. */
export class InvalidQueryError extends StrataError {}

/** The request body did not decode as the RPC's request message. */
export class MalformedRequestError extends StrataError {
  constructor(
    readonly requestType: 'ReadRequest' | 'ListSeriesRequest',
    readonly reason: string,
  ) {
    super(`request body is not a valid strata.v1.${requestType} (${reason})`, { context: { requestType, reason } });
  }
}

/** The request's shape breaks a limit (series per call, range width): INVALID_ARGUMENT, split it. */
export class RequestTooLargeError extends InvalidQueryError {
  constructor(
    message: string,
    readonly setting: string,
    readonly limit: number,
  ) {
    super(message, { context: { setting, limit } });
  }
}

/**
 * The work the request would take exceeds a limit (points, storage requests, time, a
 * listing's budget): RESOURCE_EXHAUSTED. Not retriable unless the limit is the reader's
 * load (a full queue), which passes.
 */
export class QueryLimitError extends StrataError {
  constructor(
    message: string,
    readonly setting: string,
    readonly limit: number,
    options: { retriable?: boolean; context?: Record<string, string | number> } = {},
  ) {
    super(message, { retriable: options.retriable, context: { ...options.context, setting, limit } });
  }
}

/** The tenant already has as many reads waiting as it may (STRATA_READ_TENANT_QUEUE): retry later. */
export class ReadQueueFullError extends QueryLimitError {
  constructor(tenant: string, limit: number, running: number) {
    super(
      `tenant ${tenant} already has ${running} reads running and ${limit} waiting (STRATA_READ_TENANT_QUEUE=${limit}); ` +
        'retry when some have finished, or send fewer at once',
      'STRATA_READ_TENANT_QUEUE',
      limit,
      { retriable: true, context: { tenant, running } },
    );
  }
}

/** A tier did not answer within STRATA_READ_TIER_TIMEOUT_MS. */
export class TierTimeoutError extends StrataError {
  constructor(
    readonly tier: TierName,
    readonly timeoutMs: number,
  ) {
    super(`${TIER_LABEL[tier]} gave no answer within ${timeoutMs} ms (STRATA_READ_TIER_TIMEOUT_MS)`, {
      retriable: true,
      context: { tier, timeoutMs, setting: 'STRATA_READ_TIER_TIMEOUT_MS' },
    });
  }
}

/**
 * The hot tier failed for a series, so the read as a whole fails: without it the newest
 * points would be silently missing. `cause` is the tier's error.
 */
export class HotTierFailedError extends StrataError {
  constructor(
    readonly seriesKey: string,
    readonly fromMs: number,
    readonly toMs: number,
    cause: unknown,
  ) {
    super(
      `${TIER_LABEL.hot} failed reading ${seriesKey} in [${iso(fromMs)}, ${iso(toMs)}): ` +
        `${cause instanceof Error ? cause.message : String(cause)}; the read was abandoned, retry it`,
      // Storage errors carry their own `retriable` (a corrupt chunk is not); an unknown
      // error from a client library is most likely a connection problem.
      { retriable: !isPermanent(cause), cause, context: { seriesKey, fromMs, toMs } },
    );
  }
}

/** Every decode worker is busy and the queue (or this tenant's share of it) is full: the reader is overloaded. */
export class DecodeQueueFullError extends StrataError {
  constructor(
    readonly maxQueue: number,
    readonly tenantShare: number = maxQueue,
  ) {
    super(
      `the chunk decode queue is full (${maxQueue} tasks, STRATA_DECODE_QUEUE, at most ${tenantShare} of one tenant's reads); ` +
        'the reader is overloaded, retry later',
      { retriable: true, context: { maxQueue, tenantShare, setting: 'STRATA_DECODE_QUEUE' } },
    );
  }
}

/** The client cancelled the call, or its deadline passed. */
export class ReadCancelledError extends StrataError {
  constructor() {
    super('the call was cancelled by the client');
  }
}

/** Why `signal` aborted, as a reader error: its reason when the reader set one, else the client cancelled. */
export function abortReason(signal: AbortSignal): StrataError {
  return signal.reason instanceof StrataError ? signal.reason : new ReadCancelledError();
}

export function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}
