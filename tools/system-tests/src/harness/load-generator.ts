import { status } from '@grpc/grpc-js';
import type { IngestServiceClient } from '@strata/proto';
import { pollUntil, sleep } from '@strata/testing';
import type { AckLedger } from './ack-ledger';
import { write } from './ingest-client';
import { tickRequest, type LoadPlan } from './load-plan';

export interface LoadGeneratorOptions {
  readonly client: IngestServiceClient;
  readonly tenant: string;
  readonly apiKey: string;
  readonly plan: LoadPlan;
  readonly ledger: AckLedger;
  /** Pause between the start of one tick's request and the next. @default 100 */
  readonly tickIntervalMs?: number;
  /** @default 10000 */
  readonly callTimeoutMs?: number;
}

export interface LoadStats {
  readonly ticks: number;
  readonly succeeded: number;
  /** Failed calls by gRPC status name. */
  readonly failed: Readonly<Record<string, number>>;
  readonly acknowledgedPointWrites: number;
  readonly elapsedMs: number;
}

/**
 * Writes a plan's ticks one request at a time (so no point is in two calls at once) and
 * records every answer in the ledger. Runs until stopped or the plan's ticks run out.
 */
export class LoadGenerator {
  private tick = 0;
  private succeeded = 0;
  private readonly failed: Record<string, number> = {};
  private stopping = false;
  private began = 0;
  private finished_: Promise<LoadStats> | undefined;

  constructor(private readonly options: LoadGeneratorOptions) {}

  start(): void {
    this.began = Date.now();
    this.finished_ = this.run();
  }

  /** Stops after the call in flight; resolves with the totals. */
  async stop(): Promise<LoadStats> {
    this.stopping = true;
    return this.finished_ ?? this.stats();
  }

  /** Resolves when the plan's ticks have all been written (or stop() was called). */
  async finished(): Promise<LoadStats> {
    if (!this.finished_) throw new Error('the load was not started');
    return this.finished_;
  }

  /** Resolves once `ticks` ticks were answered (OK or not). */
  async waitForTicks(ticks: number, timeoutMs = 60_000): Promise<void> {
    await pollUntil(async () => (this.tick >= ticks ? true : undefined), {
      what: `${ticks} load ticks`,
      timeoutMs,
      intervalMs: 50,
      describe: () => `at tick ${this.tick}`,
    });
  }

  /** Waits until `n` more calls succeeded than now. */
  async waitForSuccesses(n: number, timeoutMs = 60_000): Promise<void> {
    const target = this.succeeded + n;
    await pollUntil(async () => (this.succeeded >= target ? true : undefined), {
      what: `${n} more acknowledged writes`,
      timeoutMs,
      intervalMs: 50,
      describe: () => `${this.succeeded}/${target}, failures ${JSON.stringify(this.failed)}`,
    });
  }

  stats(): LoadStats {
    return {
      ticks: this.tick,
      succeeded: this.succeeded,
      failed: { ...this.failed },
      acknowledgedPointWrites: this.options.ledger.acknowledgedPointWrites,
      elapsedMs: Date.now() - this.began,
    };
  }

  private async run(): Promise<LoadStats> {
    const { client, tenant, apiKey, plan, ledger } = this.options;
    const interval = this.options.tickIntervalMs ?? 100;
    while (!this.stopping && this.tick < plan.maxTicks) {
      const began = Date.now();
      const request = tickRequest(plan, this.tick);
      const outcome = await write(client, apiKey, request, this.options.callTimeoutMs ?? 10_000);
      if (outcome.ok) {
        ledger.recordAnswer(tenant, request, outcome.response);
        this.succeeded++;
      } else {
        ledger.recordFailure(tenant, request);
        const name = status[outcome.error.code] ?? String(outcome.error.code);
        this.failed[name] = (this.failed[name] ?? 0) + 1;
      }
      this.tick++;
      await sleep(Math.max(0, interval - (Date.now() - began)));
    }
    return this.stats();
  }
}
