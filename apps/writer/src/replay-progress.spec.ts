import { ReplayProgress } from './replay-progress';

describe('ReplayProgress', () => {
  it('is done when every partition reached the end offset captured at start', () => {
    const progress = new ReplayProgress(new Map([[0, 10n], [1, 5n], [2, 0n]]), new Map([[0, 4n], [1, 5n], [2, 0n]]));
    expect(progress.totals()).toEqual({ replayed: 0, total: 6 });
    expect(progress.done()).toBe(false);
    progress.record(0, '6');
    expect(progress.totals()).toEqual({ replayed: 3, total: 6 });
    progress.record(0, '3'); // a re-delivered older batch does not move progress back
    progress.record(0, '12'); // records written after the start count only up to the end
    expect(progress.totals()).toEqual({ replayed: 6, total: 6 });
    expect(progress.done()).toBe(true);
  });
});
