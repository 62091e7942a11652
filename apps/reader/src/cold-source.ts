import { DAY_MS } from '@strata/storage';
import { BlockKind, ColdBlockMissingError, dayNumber, monthEndDay, monthFirstDay, monthOfDay, rollupPartOf, splitRawPart, yearOfMonth, type BlockIndexEntry, type ColdReader, type Manifest, type PartName } from '@strata/storage/cold';
import { planColdBuckets, type ColdBucketPlan } from './cold-plan';
import type { StoredRollupPart, TierAnswer, TierRequest, TierSource, TierWindow, WindowUnit } from './tier-sources';

/** The cold tier's chunks hold UTC days. */
const DAY: WindowUnit = { name: 'day', ms: DAY_MS };

/**
 * S3: the year catalogs of the range's years (cached; a year without one falls back to its
 * month manifests), then per archived day one range GET of the series' section parts it
 * needs (raw points, and/or the rollup rows of the plan's resolution, or the raw points
 * where the day stores no rows of that resolution), or one per year when
 * the year rollup block answers the 1 d rows, or one per month when the month's rollup block
 * answers the 1 h (or 1 d) rows. A block named by a cached catalog but gone (replaced since)
 * refreshes the catalogs and tries once more.
 */
export class ColdTierSource implements TierSource {
  readonly tier = 'cold' as const;

  constructor(private readonly reader: Pick<ColdReader, 'year' | 'invalidateYear' | 'seriesParts'>) {}

  windowUnit(): WindowUnit {
    return DAY;
  }

  /**
   * One window per archived day read raw (start = the day's start, layers = its chunks); for
   * a rollup read, the stored rows of the plan's resolution as well. The signal aborts the
   * range GETs of the series' sections (catalog and index loads are shared, so they finish).
   */
  async fetch(tenant: string, seriesKey: string, request: TierRequest): Promise<TierAnswer> {
    try {
      return await this.attempt(tenant, seriesKey, request);
    } catch (error) {
      if (!(error instanceof ColdBlockMissingError)) throw error;
      const last = yearOfMonth(monthOfDay(dayNumber(request.range.toStart)));
      for (let y = yearOfMonth(monthOfDay(dayNumber(request.range.fromStart))); y <= last; y++) this.reader.invalidateYear(tenant, y);
      return this.attempt(tenant, seriesKey, request);
    }
  }

  /** The days in [firstDay, lastDay] that the tenant's manifests (as cached) list as archived, ascending. */
  async archivedDays(tenant: string, firstDay: number, lastDay: number): Promise<number[]> {
    return (await this.catalogued(tenant, firstDay, lastDay)).archivedDays;
  }

  private async catalogued(tenant: string, firstDay: number, lastDay: number) {
    const months: number[] = [];
    for (let m = monthOfDay(firstDay); m <= monthOfDay(lastDay); m++) months.push(m);
    const years = [...new Set(months.map(yearOfMonth))];
    const views = await Promise.all(years.map((y) => this.reader.year(tenant, y, months.filter((m) => yearOfMonth(m) === y))));
    const manifests = new Map<number, Manifest | undefined>(months.map((m) => [m, views[years.indexOf(yearOfMonth(m))].months.get(m)]));
    const archivedDays: number[] = [];
    for (const manifest of manifests.values()) for (const d of manifest?.days ?? []) if (d.day >= firstDay && d.day <= lastDay) archivedDays.push(d.day);
    archivedDays.sort((a, b) => a - b);
    return { months, years, views, manifests, archivedDays };
  }

  private async attempt(tenant: string, seriesKey: string, request: TierRequest): Promise<TierAnswer> {
    const { signal } = request;
    signal?.throwIfAborted();
    const { months, years, views, manifests, archivedDays } = await this.catalogued(tenant, dayNumber(request.range.fromStart), dayNumber(request.range.toStart));

    let plan: ColdBucketPlan | undefined;
    let rawDays: readonly number[];
    let rollupDays: readonly number[] = [];
    if (request.rawDays) {
      const archived = new Set(archivedDays);
      rawDays = request.rawDays.filter((d) => archived.has(d));
    } else if (request.rollup) {
      plan = planColdBuckets(request.rollup.window, archivedDays);
      ({ rawDays, rollupDays } = plan);
    } else {
      rawDays = archivedDays;
    }
    const part = request.rollup ? rollupPartOf(request.rollup.resolutionMs) : undefined;
    const raw = new Set(rawDays);
    const rolled = new Set(rollupDays);
    // The 1 d rows of a year with a rollup block come from that block: one GET for the year.
    const yearRollups = part === 'd1' ? years.filter((y, i) => views[i].rollup && rollupDays.some((d) => yearOfMonth(monthOfDay(d)) === y)) : [];
    const fromYearBlock = new Set(yearRollups);
    // The 1 h and 1 d rows of a month with a rollup block come from that block: one GET for the month.
    const monthRollups =
      part === 'h1' || part === 'd1'
        ? months.filter((m) => !fromYearBlock.has(yearOfMonth(m)) && manifests.get(m)?.rollup && rollupDays.some((d) => monthOfDay(d) === m))
        : [];
    const fromMonthBlock = new Set(monthRollups);
    const fromBlock = (day: number) => fromMonthBlock.has(monthOfDay(day)) || fromYearBlock.has(yearOfMonth(monthOfDay(day)));

    const rawWindows: TierWindow[] = [];
    const rollups: StoredRollupPart[] = [];
    const unrolledDays: number[] = [];
    const reads: Array<Promise<void>> = [];
    for (const day of archivedDays) {
      const wanted: PartName[] = [];
      if (raw.has(day)) wanted.push('raw');
      if (part && rolled.has(day) && !fromBlock(day)) wanted.push(part);
      if (wanted.length === 0) continue;
      const entry = manifests.get(monthOfDay(day))!.days.find((d) => d.day === day)!;
      // A day block may go without a resolution's rows (the 5 m rows of a sparse series):
      // its raw points come in the same GET instead, and its buckets are rolled up from them.
      const choose = (e: BlockIndexEntry): PartName[] => {
        if (!part || !wanted.includes(part) || e.lengths[part] > 0 || e.lengths.raw === 0) return wanted;
        unrolledDays.push(day);
        return wanted.includes('raw') ? wanted : ['raw', ...wanted];
      };
      reads.push(
        this.reader.seriesParts(tenant, BlockKind.Day, day, entry, seriesKey, choose, signal).then((found) => {
          if (!found) return;
          if (found.parts.raw && found.parts.raw.length > 0) rawWindows.push({ start: day * DAY_MS, layers: splitRawPart(found.parts.raw) });
          const rows = part && found.parts[part];
          if (rows && rows.length > 0) rollups.push({ fromMs: day * DAY_MS, toMs: (day + 1) * DAY_MS, bytes: rows });
        }),
      );
    }
    for (const month of monthRollups) {
      const set = manifests.get(month)!.rollup!;
      reads.push(
        this.reader.seriesParts(tenant, BlockKind.Month, month, set, seriesKey, [part!], signal).then((found) => {
          const rows = found?.parts[part!];
          if (rows && rows.length > 0) rollups.push({ fromMs: monthFirstDay(month) * DAY_MS, toMs: monthEndDay(month) * DAY_MS, bytes: rows });
        }),
      );
    }
    for (const year of yearRollups) {
      const set = views[years.indexOf(year)].rollup!;
      reads.push(
        this.reader.seriesParts(tenant, BlockKind.Year, year, set, seriesKey, ['d1'], signal).then((found) => {
          const rows = found?.parts.d1;
          if (rows && rows.length > 0) rollups.push({ fromMs: Date.UTC(year, 0, 1), toMs: Date.UTC(year + 1, 0, 1), bytes: rows });
        }),
      );
    }
    await Promise.all(reads);
    rawWindows.sort((a, b) => a.start - b.start);
    rollups.sort((a, b) => a.fromMs - b.fromMs);
    unrolledDays.sort((a, b) => a - b);
    return { windows: rawWindows, ...(plan && { rollups: { archivedDays, plan, parts: rollups, unrolledDays } }) };
  }
}
