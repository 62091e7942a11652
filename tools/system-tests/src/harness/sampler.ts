import { sleep } from '@strata/testing';

export interface Sample<T> {
  /** ms since the epoch. */
  readonly at: number;
  readonly value: T;
}

/**
 * Calls `probe` every `intervalMs` until stopped and keeps what it returned, to show how
 * a number moved during a fault. A probe that throws is recorded as undefined (the
 * thing probed may be the thing that is down).
 */
export class Sampler<T> {
  readonly samples: Sample<T | undefined>[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(probe: () => Promise<T>, intervalMs: number) {
    this.loop = (async () => {
      while (!this.stopped) {
        const at = Date.now();
        const value = await probe().catch(() => undefined);
        this.samples.push({ at, value });
        await sleep(Math.max(0, intervalMs - (Date.now() - at)));
      }
    })();
  }

  async stop(): Promise<Sample<T | undefined>[]> {
    this.stopped = true;
    await this.loop;
    return this.samples;
  }

  /** Samples taken in [from, to). */
  between(from: number, to: number): Sample<T | undefined>[] {
    return this.samples.filter((s) => s.at >= from && s.at < to);
  }
}
