import type { Logger } from '@strata/runtime';
import type { Archiver, RunReport } from './archiver';

export interface SchedulerOptions {
  readonly archiver: Pick<Archiver, 'run'>;
  /** Between the end of one run and the start of the next. */
  readonly intervalMs: number;
  /** How often a run sweeps the whole lookback. */
  readonly fullSweepIntervalMs: number;
  readonly logger: Logger;
  readonly now: () => number;
}

/**
 * Runs the archiver on a schedule: the first run at start (a full sweep), then one every
 * `intervalMs` after the previous ended, a full sweep whenever the last is older than
 * `fullSweepIntervalMs`. A failed run is logged and retried at the next tick. stop()
 * aborts the run in flight between steps (never between a block and its manifest) and
 * waits for it.
 */
export class ArchiveScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RunReport | undefined> | undefined;
  private readonly abort = new AbortController();
  private lastFullSweepAt = -Infinity;

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      const fullSweep = this.options.now() - this.lastFullSweepAt >= this.options.fullSweepIntervalMs;
      const startedAt = this.options.now();
      this.running = this.options.archiver
        .run({ fullSweep, signal: this.abort.signal })
        .then((report) => {
          if (fullSweep && report.failures === 0) this.lastFullSweepAt = startedAt;
          return report;
        })
        .catch((error: unknown) => {
          this.options.logger.error({ err: error }, 'archive run failed; chunks stay in DynamoDB and the next run retries');
          return undefined;
        })
        .finally(() => {
          this.running = undefined;
          if (!this.abort.signal.aborted) this.schedule(this.options.intervalMs);
        });
    }, delayMs);
  }
}
