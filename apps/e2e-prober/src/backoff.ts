export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

/** Reads poll fast at first (a healthy pipeline makes a point readable in milliseconds). */
export const READ_POLL_BACKOFF: BackoffPolicy = { initialMs: 5, maxMs: 100, factor: 1.5 };
/** Writes are retried more patiently: a refused write is usually an unreachable ingest or Kafka. */
export const WRITE_RETRY_BACKOFF: BackoffPolicy = { initialMs: 50, maxMs: 1_000, factor: 2 };

/** Delay before attempt `attempt + 1` (attempt counts from 1): initial × factor^(attempt-1), capped. */
export function backoffMs(attempt: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1));
}
