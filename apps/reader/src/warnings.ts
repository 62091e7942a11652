import { iso } from './errors';
import type { TierFailure } from './fanout';
import { TIER_LABEL, type TierName } from './planner';

interface Group {
  readonly failure: TierFailure;
  readonly series: string[];
}

const NAMED_SERIES = 3;

/**
 * Gathers the colder tiers' failures of one Read into warnings a person can act on: one
 * per distinct (tier, reason, missing range), naming how many series it hit, the first
 * few of them, and the time range whose points may be missing. A DynamoDB outage during a
 * 500-series read is then one warning, not 500.
 */
export class WarningCollector {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly totalSeries: number) {}

  add(seriesKey: string, failures: readonly TierFailure[]): void {
    for (const failure of failures) {
      const id = `${failure.tier}\u0000${failure.reason}\u0000${failure.fromMs}\u0000${failure.toMs}`;
      let group = this.groups.get(id);
      if (!group) this.groups.set(id, (group = { failure, series: [] }));
      group.series.push(seriesKey);
    }
  }

  /** Tiers with at least one warning, once each. */
  tiers(): TierName[] {
    return [...new Set([...this.groups.values()].map((g) => g.failure.tier))];
  }

  render(): string[] {
    return [...this.groups.values()].map(({ failure, series }) => {
      const named = series.slice(0, NAMED_SERIES).join(', ') + (series.length > NAMED_SERIES ? ', ...' : '');
      const gap =
        failure.toMs > failure.fromMs
          ? `points in [${iso(failure.fromMs)}, ${iso(failure.toMs)}) (ms ${failure.fromMs} to ${failure.toMs}) that only this tier holds are missing`
          : 'the hot tier covers the whole range, so points are missing only if Redis lost some';
      return `${TIER_LABEL[failure.tier]} failed for ${series.length} of ${this.totalSeries} series (${named}): ${failure.reason}; ${gap}`;
    });
  }
}
