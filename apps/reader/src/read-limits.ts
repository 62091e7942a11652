import type { Counter, Gauge, Histogram } from 'prom-client';
import { appliedSetting } from '@strata/model';
import { TenantRate } from '@strata/runtime';
import { QueryLimitError, ReadCancelledError, ReadQueueFullError } from './errors';

/** What a piece of query work is: a Read, or a ListSeries (later: a PromQL query). */
export type WorkKind = 'read' | 'list';

/**
 * The estimated cost of one piece of work, known before any storage is touched. Units
 * depend on the kind: storage requests for a Read (read-cost.ts), candidate names to
 * match for a listing (the series index's size; a label index will give its postings).
 */
export interface WorkCost {
  readonly kind: WorkKind;
  readonly units: number;
  /** How the estimate was made, for the refusal message: "1000 series x 502 requests". */
  readonly detail: string;
  /**
   * Further measures of the same work, each with its own ceiling (a Read's points to
   * decode, STRATA_READ_MAX_POINTS): refused like `units`, before anything is fetched.
   */
  readonly also?: readonly CostMeasure[];
}

/** One measure of a piece of work's cost and the setting that bounds it. */
export interface CostMeasure {
  readonly units: number;
  readonly limit: number;
  readonly setting: string;
  /** What is counted, for the message: "points to decode". */
  readonly unit: string;
  /** The `reason` label of strata_reader_limit_refusals_total. */
  readonly reason: string;
  /** How the estimate was made. */
  readonly detail: string;
  /** What the client can do instead. */
  readonly advice: string;
}

export interface AdmissionLimits {
  /** Reads and listings of one tenant running at once; more wait in the tenant's queue. @default 4 */
  readonly perTenantConcurrency: number;
  /** Reads and listings running at once over all tenants. @default 64 */
  readonly globalConcurrency: number;
  /** Work of one tenant waiting for a slot; past it, new work is refused. @default 32 */
  readonly perTenantQueue: number;
  /** The most cost units one piece of work may have, per kind, and the setting that sets it. */
  readonly maxCost: Readonly<Record<WorkKind, { readonly units: number; readonly setting: string; readonly unit: string }>>;
  /** Time one piece of work may take from admission (queueing included), per kind. */
  readonly timeoutMs: Readonly<Record<WorkKind, { readonly ms: number; readonly setting: string }>>;
  /**
   * Points one tenant's reads may decode per second, on average
   * (STRATA_READ_TENANT_POINTS_PER_SECOND); absent, no rate.
   */
  readonly tenantPointsPerSecond?: number;
  /** Decode rates of named tenants (STRATA_READ_TENANT_POINTS_PER_SECOND_OVERRIDES). */
  readonly tenantPointsPerSecondOverrides?: ReadonlyMap<string, number>;
}

export interface AdmissionMetrics {
  readonly refusals: Counter<'kind' | 'reason'>;
  readonly queued: Gauge<'tenant'>;
  readonly running: Gauge<'tenant'>;
  readonly queueSeconds: Histogram<'kind'>;
}

/** The right to run one piece of work; hold it until the work has stopped, then release it. */
export interface Permit {
  /**
   * Aborts when the caller cancels or the work's time limit passes; its `reason` is the
   * error to answer with (ReadCancelledError or a QueryLimitError naming the limit). Pass it
   * to every storage call and decode task, so stopping the answer also stops the work.
   */
  readonly signal: AbortSignal;
  /**
   * Counts points the work decoded against its tenant's rate (tenantPointsPerSecond). Call
   * it before release, with everything decoded, whether the work succeeded or not.
   */
  charge(points: number): void;
  /** Idempotent. Frees the slot for the next waiting tenant. */
  release(): void;
}

const RATE_SETTING = 'STRATA_READ_TENANT_POINTS_PER_SECOND';


interface Waiter {
  readonly kind: WorkKind;
  readonly queuedAt: number;
  readonly signal: AbortSignal;
  grant(): void;
}

interface TenantState {
  running: number;
  readonly queue: Waiter[];
}

/**
 * The one admission mechanism for query work (Read, ListSeries, and later PromQL): a cost
 * ceiling per piece of work, checked before anything is fetched; a time limit that aborts
 * the work itself; and a fair scheduler. Each tenant may run a few pieces at once and queue
 * a bounded number more; free slots go round robin over the tenants that wait, so one
 * tenant's heavy work queues behind its own and never behind everyone's.
 *
 * Single-threaded (event loop) state; safe for any number of concurrent calls.
 */
export class ReadLimiter {
  private readonly tenants = new Map<string, TenantState>();
  /** Tenants with waiters, in the order they get turns; `turn` is the next to be served. */
  private ring: string[] = [];
  private turn = 0;
  private running = 0;
  /**
   * Points decoded per tenant (tenantPointsPerSecond), charged when each read ends: a tenant
   * reading large series continuously gets its rate and leaves the rest of the reader's CPU
   * to the others, while a tenant under its rate never waits.
   */
  private readonly rate: TenantRate | undefined;
  /** Wakes the dispatcher when the first tenant in debt may start again. */
  private wake: { atMs: number; timer: NodeJS.Timeout } | undefined;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly metrics: AdmissionMetrics,
    private readonly now: () => number = Date.now,
  ) {
    this.rate = limits.tenantPointsPerSecond === undefined ? undefined : new TenantRate(limits.tenantPointsPerSecond, now, { perTenant: limits.tenantPointsPerSecondOverrides });
  }

  /**
   * Admits one piece of work of `tenant`, waiting for a slot if its tenant or the reader is
   * busy. Rejects with QueryLimitError when the cost is above the ceiling (before waiting),
   * ReadQueueFullError when the tenant's queue is full, and the permit signal's reason when
   * the caller cancels or the time limit passes while waiting.
   */
  admit(tenant: string, cost: WorkCost, callerSignal?: AbortSignal): Promise<Permit> {
    const ceiling = this.limits.maxCost[cost.kind];
    if (cost.units > ceiling.units) {
      this.metrics.refusals.inc({ kind: cost.kind, reason: 'cost' });
      return Promise.reject(
        new QueryLimitError(
          `this ${cost.kind === 'read' ? 'Read' : 'listing'} would take about ${cost.units} ${ceiling.unit} (${cost.detail}); ` +
            `the limit is ${ceiling.units} (${ceiling.setting}): ${cost.kind === 'read' ? 'narrow the time range, use a coarser step or select fewer series' : 'narrow the pattern'}`,
          ceiling.setting,
          ceiling.units,
        ),
      );
    }
    for (const measure of cost.also ?? []) {
      if (measure.units <= measure.limit) continue;
      this.metrics.refusals.inc({ kind: cost.kind, reason: measure.reason });
      return Promise.reject(
        new QueryLimitError(
          `this ${cost.kind === 'read' ? 'Read' : 'listing'} would take about ${measure.units} ${measure.unit} (${measure.detail}); ` +
            `the limit is ${measure.limit} (${measure.setting}), refused before fetching: ${measure.advice}`,
          measure.setting,
          measure.limit,
        ),
      );
    }
    const { signal, dispose } = this.deadline(cost.kind, callerSignal);
    if (signal.aborted) {
      dispose();
      return Promise.reject(signal.reason);
    }
    const waitMs = this.rate?.waitMs(tenant) ?? 0;
    const timeout = this.limits.timeoutMs[cost.kind];
    if (waitMs >= timeout.ms) {
      // It could only time out in the queue: said now, with when to come back.
      dispose();
      this.metrics.refusals.inc({ kind: cost.kind, reason: 'points_rate' });
      const rate = this.rate!;
      const setting = appliedSetting(RATE_SETTING, tenant, rate.overridden(tenant));
      return Promise.reject(
        new QueryLimitError(
          `tenant ${tenant} has decoded ${Math.round(rate.debt(tenant))} points more than its rate of ${rate.rateOf(tenant)} a second ` +
            `(${setting}) allows; its next ${cost.kind === 'read' ? 'Read' : 'listing'} may start in ${waitMs} ms, past this one's time limit ` +
            `(${timeout.setting}=${timeout.ms}): retry in ${waitMs} ms, or read less at a time`,
          setting,
          rate.rateOf(tenant),
          { retriable: true, context: { tenant, retryAfterMs: waitMs } },
        ),
      );
    }
    const state = this.state(tenant);
    if (waitMs === 0 && state.queue.length === 0 && state.running < this.limits.perTenantConcurrency && this.running < this.limits.globalConcurrency) {
      return Promise.resolve(this.start(tenant, state, signal, dispose));
    }
    if (state.queue.length >= this.limits.perTenantQueue) {
      dispose();
      this.metrics.refusals.inc({ kind: cost.kind, reason: 'queue_full' });
      this.forgetIfIdle(tenant, state);
      return Promise.reject(new ReadQueueFullError(tenant, this.limits.perTenantQueue, state.running));
    }
    return new Promise<Permit>((resolve, reject) => {
      const onAbort = () => {
        const at = state.queue.indexOf(waiter);
        if (at >= 0) state.queue.splice(at, 1);
        this.metrics.queued.set({ tenant }, state.queue.length);
        if (signal.reason instanceof QueryLimitError) this.metrics.refusals.inc({ kind: cost.kind, reason: 'timeout' });
        this.dropFromRing(tenant, state);
        this.forgetIfIdle(tenant, state);
        dispose();
        reject(signal.reason);
      };
      const waiter: Waiter = {
        kind: cost.kind,
        queuedAt: this.now(),
        signal,
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.start(tenant, state, signal, dispose));
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      state.queue.push(waiter);
      this.metrics.queued.set({ tenant }, state.queue.length);
      if (!this.ring.includes(tenant)) this.ring.push(tenant);
      if (waitMs > 0) this.wakeIn(waitMs);
    });
  }

  /** Work of `tenant` running and waiting now (for tests and the ops page). */
  load(tenant: string): { running: number; queued: number } {
    const state = this.tenants.get(tenant);
    return { running: state?.running ?? 0, queued: state?.queue.length ?? 0 };
  }

  private start(tenant: string, state: TenantState, signal: AbortSignal, dispose: () => void): Permit {
    state.running++;
    this.running++;
    this.metrics.running.set({ tenant }, state.running);
    let released = false;
    return {
      signal,
      charge: (points) => {
        if (!released) this.rate?.charge(tenant, points);
      },
      release: () => {
        if (released) return;
        released = true;
        dispose();
        state.running--;
        this.running--;
        this.metrics.running.set({ tenant }, state.running);
        this.forgetIfIdle(tenant, state);
        this.dispatch();
      },
    };
  }

  /**
   * Hands free slots to waiting tenants, one piece of work per tenant per turn; a tenant in
   * debt to its decode rate is passed over until it is paid back (a timer wakes this then).
   */
  private dispatch(): void {
    let soonestMs = Number.POSITIVE_INFINITY;
    while (this.running < this.limits.globalConcurrency && this.ring.length > 0) {
      let granted = false;
      for (let looked = 0; looked < this.ring.length && !granted; looked++) {
        const index = (this.turn + looked) % this.ring.length;
        const tenant = this.ring[index];
        const state = this.tenants.get(tenant)!;
        if (state.running >= this.limits.perTenantConcurrency) continue;
        const waitMs = this.rate?.waitMs(tenant) ?? 0;
        if (waitMs > 0) {
          soonestMs = Math.min(soonestMs, waitMs);
          continue;
        }
        const waiter = state.queue.shift()!;
        this.metrics.queued.set({ tenant }, state.queue.length);
        this.metrics.queueSeconds.observe({ kind: waiter.kind }, (this.now() - waiter.queuedAt) / 1000);
        // The next turn goes to the tenant after this one; an emptied queue leaves the ring.
        if (state.queue.length === 0) {
          this.ring.splice(index, 1);
          this.turn = this.ring.length === 0 ? 0 : index % this.ring.length;
        } else {
          this.turn = (index + 1) % this.ring.length;
        }
        waiter.grant();
        granted = true;
      }
      if (!granted) break;
    }
    if (soonestMs < Number.POSITIVE_INFINITY) this.wakeIn(soonestMs);
  }

  private wakeIn(ms: number): void {
    const atMs = this.now() + ms;
    if (this.wake && this.wake.atMs <= atMs) return;
    if (this.wake) clearTimeout(this.wake.timer);
    const timer = setTimeout(() => {
      this.wake = undefined;
      this.dispatch();
    }, ms);
    // Like the deadlines: the server keeps the process alive, a waiting read must not.
    timer.unref();
    this.wake = { atMs, timer };
  }

  private deadline(kind: WorkKind, callerSignal?: AbortSignal): { signal: AbortSignal; dispose: () => void } {
    const { ms, setting } = this.limits.timeoutMs[kind];
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new QueryLimitError(
            `this ${kind === 'read' ? 'Read' : 'listing'} took longer than ${ms} ms (${setting}), waiting for its turn included; ` +
              'its work was stopped: narrow it, or retry when the reader is less busy',
            setting,
            ms,
          ),
        ),
      ms,
    );
    // The server keeps the process alive; a pending read's timer must not.
    timer.unref();
    const onCancel = () => controller.abort(new ReadCancelledError());
    if (callerSignal?.aborted) onCancel();
    else callerSignal?.addEventListener('abort', onCancel, { once: true });
    return {
      signal: controller.signal,
      dispose: () => {
        clearTimeout(timer);
        callerSignal?.removeEventListener('abort', onCancel);
      },
    };
  }

  private state(tenant: string): TenantState {
    let state = this.tenants.get(tenant);
    if (!state) this.tenants.set(tenant, (state = { running: 0, queue: [] }));
    return state;
  }

  private dropFromRing(tenant: string, state: TenantState): void {
    if (state.queue.length > 0) return;
    const index = this.ring.indexOf(tenant);
    if (index < 0) return;
    this.ring.splice(index, 1);
    if (this.turn > index) this.turn--;
    if (this.turn >= this.ring.length) this.turn = 0;
  }

  /** Forgets a tenant with nothing running or waiting, so the map and the metrics stay small. */
  private forgetIfIdle(tenant: string, state: TenantState): void {
    if (state.running > 0 || state.queue.length > 0) return;
    this.tenants.delete(tenant);
    this.metrics.queued.remove({ tenant });
    this.metrics.running.remove({ tenant });
  }
}
