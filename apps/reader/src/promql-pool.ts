import { PromqlExecutionError, PromqlLimitError, type EngineOptions, type LoadedQuery, type QueryRange } from '@strata/promql';
import { WorkerPool, type Logger, type WorkerEntry } from '@strata/runtime';
import { QueryLimitError } from './errors';

/** What a PromQL worker is sent: the query text (it parses it again), what was read for it, and when to stop. */
export interface PromqlTask {
  readonly query: string;
  readonly range: QueryRange;
  readonly options: EngineOptions;
  readonly loaded: LoadedQuery;
  /** Epoch ms past which the worker abandons the evaluation (STRATA_PROMQL_TIMEOUT_MS). */
  readonly deadlineMs: number;
  /**
   * Shared with the worker: set to 1 when the caller gives up (the client went away), so
   * that the worker stops at its next slice of steps instead of at the deadline.
   */
  readonly cancel?: SharedArrayBuffer;
}

/** The answer: the envelope's `data` as JSON text, or why there is none. */
export type PromqlTaskResult = { readonly json: string } | { readonly error: { readonly kind: 'timeout' | 'limit' | 'execution' | 'internal'; readonly message: string; readonly setting?: string } };

/** The evaluation queue is full (STRATA_PROMQL_QUEUE), or the tenant's share of it: retry later. */
export class PromqlQueueFullError extends QueryLimitError {
  constructor(maxQueue: number, tenantShare: number) {
    super(
      `${maxQueue} PromQL evaluations are waiting for a worker (STRATA_PROMQL_QUEUE), or this tenant's share of them (${tenantShare}); retry later`,
      'STRATA_PROMQL_QUEUE',
      maxQueue,
      { retriable: true },
    );
  }
}

export interface PromqlPoolOptions {
  readonly entry: WorkerEntry;
  /** Worker threads (STRATA_PROMQL_WORKERS). */
  readonly size: number;
  /** Evaluations waiting for a worker before more are refused (STRATA_PROMQL_QUEUE). */
  readonly maxQueue: number;
  readonly logger: Logger;
}

/**
 * Worker threads that evaluate PromQL, so that a heavy query's steps, and the JSON of its
 * answer, run beside the event loop that serves every other call, not on it. The reads stay
 * on the main thread (they are I/O and share its connections and caches); a worker gets the
 * query text and what was read for it, parses the text again and evaluates. A tenant may
 * hold at most a quarter of the queue, and a free worker takes the tenant with the fewest
 * evaluations running (the runtime's WorkerPool).
 */
export class PromqlPool {
  private readonly pool: WorkerPool;

  constructor(options: PromqlPoolOptions) {
    const tenantShare = Math.max(1, Math.ceil(options.maxQueue / 4));
    this.pool = new WorkerPool({ ...options, name: 'promql', tenantShare, refusal: ({ maxQueue }) => new PromqlQueueFullError(maxQueue, tenantShare) });
  }

  start(): Promise<void> {
    return this.pool.start();
  }

  stop(): Promise<void> {
    return this.pool.stop();
  }

  /** The answer's `data` JSON; errors as the in-process evaluation throws them. */
  async evaluate(task: PromqlTask, tenant: string, signal: AbortSignal, timeoutMs: number): Promise<string> {
    const cancel = new SharedArrayBuffer(4);
    const onAbort = () => Atomics.store(new Int32Array(cancel), 0, 1);
    signal.addEventListener('abort', onAbort, { once: true });
    let result: PromqlTaskResult;
    try {
      result = await this.pool.run<PromqlTaskResult>(() => ({ message: { ...task, cancel } }), { tenant, signal });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if ('json' in result) return result.json;
    const { kind, message, setting } = result.error;
    switch (kind) {
      case 'timeout':
        throw new QueryLimitError(`the query took longer than ${timeoutMs} ms (STRATA_PROMQL_TIMEOUT_MS); narrow its range, step or selectors`, 'STRATA_PROMQL_TIMEOUT_MS', timeoutMs);
      case 'limit':
        throw new PromqlLimitError(message, setting ?? '');
      case 'execution':
        throw new PromqlExecutionError(message);
      default:
        throw new Error(`PromQL worker: ${message}`);
    }
  }
}
