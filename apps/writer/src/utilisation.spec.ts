import { UtilisationTracker } from './utilisation';

describe('UtilisationTracker', () => {
  it('divides busy time in the last minute by the time the partitions had', () => {
    const tracker = new UtilisationTracker(60_000);
    tracker.record(1_000, 30_000);
    tracker.record(2_000, 12_000);
    expect(tracker.ratio(2_000, 2)).toBeCloseTo(42_000 / 120_000);
    expect(tracker.ratio(61_500, 2)).toBeCloseTo(12_000 / 120_000);
    expect(tracker.ratio(61_500, 0)).toBe(0);
  });
});
