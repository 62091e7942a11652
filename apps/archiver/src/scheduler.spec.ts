import { createLogger } from '@strata/runtime';
import type { RunOptions, RunReport } from './archiver';
import { ArchiveScheduler } from './scheduler';

const REPORT: RunReport = { days: 1, tenantDays: 0, seriesDays: 0, windows: 0, blocksWritten: 0, bytesWritten: 0, monthsCompacted: 0, chunksDeleted: 0, deleteConflicts: 0, indexEntriesCleared: 0, objectsCollected: 0, failures: 0 };
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ArchiveScheduler', () => {
  it('runs at start with a full sweep, then every interval, sweeping fully again only when the last sweep is old', async () => {
    let clock = 0;
    const runs: RunOptions[] = [];
    const archiver = { run: async (o: RunOptions) => (runs.push(o), clock += 1_000, REPORT) };
    const scheduler = new ArchiveScheduler({ archiver, intervalMs: 10, fullSweepIntervalMs: 2_500, logger: createLogger({ service: 'spec', level: 'silent' }), now: () => clock });
    scheduler.start();
    await tick(120);
    await scheduler.stop();
    const sweeps = runs.map((r) => r.fullSweep);
    expect(sweeps.length).toBeGreaterThanOrEqual(4);
    expect(sweeps.slice(0, 4)).toEqual([true, false, false, true]);
  });

  it('keeps going after a failed run, and stop() aborts the run in flight and waits for it', async () => {
    let calls = 0;
    let aborted = false;
    const archiver = {
      run: (o: RunOptions) => {
        calls++;
        if (calls === 1) return Promise.reject(new Error('DynamoDB is down'));
        return new Promise<RunReport>((resolve) => o.signal!.addEventListener('abort', () => ((aborted = true), resolve(REPORT))));
      },
    };
    const scheduler = new ArchiveScheduler({ archiver, intervalMs: 5, fullSweepIntervalMs: 1, logger: createLogger({ service: 'spec', level: 'silent' }), now: Date.now });
    scheduler.start();
    await tick(60);
    await scheduler.stop();
    expect(calls).toBe(2);
    expect(aborted).toBe(true);
  });
});
