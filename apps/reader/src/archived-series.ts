import { BlockKind, hexHash, monthOfDay, yearMonths, yearOfMonth, type BlockSet, type ColdReader } from '@strata/storage/cold';
import type { ArchivedPeriod, ArchivedSeriesSource } from './label-index';

/**
 * The series of a tenant's archived days, for the label index: per month, the month rollup
 * blocks when it has them (every series of the days it lists, in a few index GETs), else each
 * archived day's blocks. A period's id names its blocks (their hashes), so a month archived
 * again (a new day, a late chunk) is read again, and an unchanged one never is.
 */
export class ColdArchivedSeries implements ArchivedSeriesSource {
  constructor(
    private readonly reader: Pick<ColdReader, 'year' | 'blockSetKeys'>,
    private readonly now: () => number = Date.now,
  ) {}

  async periods(tenant: string, sinceDay: number, signal?: AbortSignal): Promise<ArchivedPeriod[]> {
    const firstMonth = monthOfDay(Math.max(0, sinceDay));
    const lastYear = yearOfMonth(monthOfDay(Math.floor(this.now() / 86_400_000)));
    const periods: ArchivedPeriod[] = [];
    for (let year = yearOfMonth(firstMonth); year <= lastYear; year++) {
      const { first, last } = yearMonths(year);
      const view = await this.reader.year(tenant, year, Array.from({ length: last - first + 1 }, (_, i) => first + i));
      for (const [month, manifest] of view.months) {
        if (month < firstMonth || manifest.days.length === 0) continue;
        const days = manifest.days.map((d) => d.day);
        if (manifest.rollup) {
          const set = manifest.rollup;
          periods.push(this.period(tenant, `m${month}`, BlockKind.Month, month, set, Math.min(...days), Math.max(...days), signal));
        } else {
          for (const d of manifest.days) periods.push(this.period(tenant, `d${d.day}`, BlockKind.Day, d.day, d, d.day, d.day, signal));
        }
      }
    }
    return periods;
  }

  private period(tenant: string, name: string, kind: BlockKind, period: number, set: BlockSet, oldestDay: number, newestDay: number, signal?: AbortSignal): ArchivedPeriod {
    return {
      id: `${name}:${set.shardCount}:${set.blocks.map((b) => hexHash(b.hash)).join(',')}`,
      oldestDay,
      newestDay,
      keys: () => this.reader.blockSetKeys(tenant, kind, period, set, signal),
    };
  }
}
