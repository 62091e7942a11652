import { sleep } from '@strata/runtime';
import { DAY_MS, type RetentionPolicy } from '@strata/storage';
import { dayIso, monthEndDay, monthFirstDay, monthIso, parseDayIso, parseMonthIso, yearMonths, yearOfMonth } from '@strata/storage/cold';
import { compactMonth, refreshCatalog, type CompactorDeps, type RefreshedCatalog } from './compactor';

/**
 * The cold tier's upkeep around an archive run, in two steps with the archiver's own
 * deletes between them:
 *
 * 1. `settleCatalogs` (after the month manifests and month rollups are written, before
 *    anything is deleted): drops the days past each tenant's retention from its month
 *    manifests (the manifest goes first), rebuilds the month rollups those lost, then makes
 *    every touched year catalog agree with its manifests. A catalog that can be neither
 *    refreshed nor removed stops the run before any delete, since readers trust it.
 * 2. `collectExpired` (once the readers' cached catalogs and manifests have expired): deletes
 *    the objects of the dropped days, and month and year blocks no manifest or catalog names
 *    any more.
 */
export interface UpkeepDeps extends CompactorDeps {
  readonly retention: RetentionPolicy;
  /** Rebuild month rollups that retention made stale (STRATA_ARCHIVE_COMPACT). */
  readonly compact: boolean;
  readonly deleteDelayMs: number;
  readonly now: () => number;
  readonly say?: (line: string) => void;
}

/** A month of which retention dropped days from the manifest. */
export interface ExpiredMonth {
  readonly tenant: string;
  readonly month: number;
  readonly days: readonly number[];
  /** No day of the month is left: its manifest was deleted. */
  readonly emptied: boolean;
}

export interface PendingUpkeep {
  readonly expired: readonly ExpiredMonth[];
  /** Tenants whose expired objects are looked for (those trimmed now, or all on a full sweep), with their first kept day. */
  readonly sweeps: ReadonlyArray<{ readonly tenant: string; readonly firstKept: number }>;
  readonly catalogs: readonly RefreshedCatalog[];
  /** When the last manifest or catalog changed (what readers may still cache until the delay passed). */
  readonly changedAt?: number;
  readonly monthsCompacted: number;
  readonly failures: number;
}

/** Months (numbers) of a tenant that have a manifest, from one LIST of its manifest prefix. */
export async function listedMonths(deps: Pick<CompactorDeps, 'objects'>, tenant: string): Promise<number[]> {
  const { keys } = await deps.objects.store.list(deps.objects.keys.manifestPrefix(tenant));
  return keys.flatMap((key) => deps.objects.keys.manifestMonth(tenant, key) ?? []).sort((a, b) => a - b);
}

/**
 * Drops the days of a tenant that ended at or before its retention cutoff from their month
 * manifests: a month left with days is rewritten without them (and without its month
 * rollup, which covered them), a month left empty loses its manifest. Idempotent: a second
 * call finds nothing to drop. Deletes no block.
 */
export async function trimExpired(deps: UpkeepDeps, tenant: string, months: readonly number[]): Promise<ExpiredMonth[]> {
  const firstKept = deps.retention.firstKeptDay(tenant, deps.now());
  const out: ExpiredMonth[] = [];
  for (const month of months) {
    if (monthFirstDay(month) >= firstKept) continue;
    const { manifest, bytes } = await deps.objects.readManifest(tenant, month);
    if (!manifest) continue;
    const dropped = manifest.days.filter((d) => d.day < firstKept).map((d) => d.day);
    const kept = manifest.days.filter((d) => d.day >= firstKept);
    if (dropped.length === 0 && kept.length > 0) continue;
    if (kept.length === 0) {
      await deps.objects.store.delete([deps.objects.keys.manifest(tenant, month)]);
    } else {
      await deps.objects.writeManifest({ tenant, month, days: kept }, bytes);
    }
    deps.logger.info(
      { tenant, month: monthIso(month), days: dropped.map(dayIso), retentionDays: deps.retention.retentionMs(tenant) / DAY_MS },
      'cold days past the tenant retention left the manifest; their blocks are deleted after the delete delay',
    );
    out.push({ tenant, month, days: dropped, emptied: kept.length === 0 });
  }
  return out;
}

/** Step 1: retention on the manifests, month rollups it made stale, then the year catalogs of `touched` months and of every trimmed one. */
export async function settleCatalogs(
  deps: UpkeepDeps,
  touched: ReadonlyArray<{ readonly tenant: string; readonly month: number }>,
  options: { readonly fullSweep: boolean; readonly signal?: AbortSignal },
): Promise<PendingUpkeep> {
  let failures = 0;
  let monthsCompacted = 0;
  let changedAt: number | undefined;
  const years = new Set(touched.map((t) => `${t.tenant}/${yearOfMonth(t.month)}`));
  let prefixes: string[] = [];
  try {
    ({ prefixes } = await deps.objects.store.list(deps.objects.keys.rootPrefix(), { delimiter: '/' }));
  } catch (error) {
    failures++;
    deps.metrics.failures.inc({ stage: 'retention' });
    deps.logger.error({ err: error }, 'listing the tenants of the cold tier failed; retention waits for the next run');
  }
  const expired: ExpiredMonth[] = [];
  const sweeps: Array<{ tenant: string; firstKept: number }> = [];
  for (const prefix of prefixes) {
    if (options.signal?.aborted) break;
    const tenant = prefix.slice(deps.objects.keys.rootPrefix().length, -1);
    try {
      const months = await listedMonths(deps, tenant);
      if (options.fullSweep) for (const m of months) years.add(`${tenant}/${yearOfMonth(m)}`);
      const trimmed = await trimExpired(deps, tenant, months);
      if (trimmed.length > 0 || options.fullSweep) sweeps.push({ tenant, firstKept: deps.retention.firstKeptDay(tenant, deps.now()) });
      if (trimmed.length > 0) changedAt = deps.now();
      for (const t of trimmed) {
        expired.push(t);
        years.add(`${tenant}/${yearOfMonth(t.month)}`);
        deps.say?.(`${monthIso(t.month)} ${tenant}: ${t.days.length} day(s) past retention left the manifest`);
        if (t.emptied || !deps.compact) continue;
        if (await compactMonth(deps, tenant, t.month)) monthsCompacted++;
      }
    } catch (error) {
      failures++;
      deps.metrics.failures.inc({ stage: 'retention' });
      deps.logger.error({ err: error, tenant }, 'applying retention to the cold tier failed; the next run retries');
    }
  }
  const catalogs: RefreshedCatalog[] = [];
  for (const id of [...years].sort()) {
    const slash = id.lastIndexOf('/');
    const tenant = id.slice(0, slash);
    const year = Number(id.slice(slash + 1));
    try {
      const refreshed = await refreshCatalog(deps, tenant, year);
      catalogs.push(refreshed);
      if (refreshed.changed) {
        changedAt = deps.now();
        deps.say?.(`${year} ${tenant}: year catalog ${refreshed.keep.length > 0 ? 'with year rollup ' : ''}written`);
      }
    } catch (error) {
      failures++;
      deps.metrics.failures.inc({ stage: 'catalog' });
      deps.logger.error({ err: error, tenant, year }, 'refreshing the year catalog failed; removing it so readers use the month manifests');
      // Readers that find a catalog trust it; one that no longer matches the manifests must go
      // before anything it names is deleted. If even that fails, this throws: no delete runs.
      await deps.objects.store.delete([deps.objects.keys.catalog(tenant, year)]);
      changedAt = deps.now();
    }
  }
  return { expired, sweeps, catalogs, ...(changedAt !== undefined && { changedAt }), monthsCompacted, failures };
}

/**
 * Step 2: once no reader can still trust what step 1 replaced, deletes the objects of every
 * day before a swept tenant's first kept day (those just trimmed, and any left by an earlier
 * run that failed here), month blocks of expired months and those a trimmed manifest no
 * longer names, year blocks of expired years, and year blocks a changed catalog replaced.
 */
export async function collectExpired(deps: UpkeepDeps, pending: PendingUpkeep, signal?: AbortSignal): Promise<{ objects: number; failures: number }> {
  const result = { objects: 0, failures: 0 };
  const changedCatalogs = pending.catalogs.filter((c) => c.changed);
  if (pending.sweeps.length === 0 && changedCatalogs.length === 0) return result;
  const wait = (pending.changedAt ?? 0) + deps.deleteDelayMs - deps.now();
  if (wait > 0) {
    deps.say?.(`waiting ${wait} ms (STRATA_ARCHIVE_DELETE_DELAY_MS) before deleting expired and replaced cold blocks`);
    await sleep(wait, signal);
  }
  if (signal?.aborted) return result;
  const { objects } = deps;
  for (const { tenant, firstKept } of pending.sweeps) {
    try {
      result.objects += await collectBefore(deps, tenant, firstKept);
    } catch (error) {
      result.failures++;
      deps.metrics.failures.inc({ stage: 'retention' });
      deps.logger.error({ err: error, tenant }, 'deleting expired cold blocks failed; the next full sweep retries');
    }
  }
  for (const catalog of changedCatalogs) {
    try {
      result.objects += await objects.collect(objects.keys.yearPrefix(catalog.tenant, catalog.year), catalog.keep);
    } catch (error) {
      result.failures++;
      deps.metrics.failures.inc({ stage: 'collect' });
      deps.logger.error({ err: error, tenant: catalog.tenant, year: catalog.year }, 'removing replaced year blocks failed; the next change of the catalog retries');
    }
  }
  return result;
}

/** Deletes a tenant's day, month and year blocks that lie wholly before `firstKept`, and month blocks of its first kept month that its manifest does not name. */
async function collectBefore(deps: UpkeepDeps, tenant: string, firstKept: number): Promise<number> {
  const { objects } = deps;
  const root = objects.keys.tenantPrefix(tenant);
  let deleted = 0;
  const periods = async (kind: string) => (await objects.store.list(`${root}${kind}/`, { delimiter: '/' })).prefixes.map((p) => p.slice(root.length + kind.length + 1, -1));
  for (const iso of await periods('day')) {
    const day = parseDayIso(iso);
    if (day !== undefined && day < firstKept) deleted += await objects.collect(objects.keys.dayPrefix(tenant, day), []);
  }
  for (const iso of await periods('month')) {
    const month = parseMonthIso(iso);
    if (month === undefined || monthFirstDay(month) >= firstKept) continue;
    let keep: string[] = [];
    if (monthEndDay(month) > firstKept) {
      const { manifest } = await objects.readManifest(tenant, month);
      keep = manifest?.rollup ? objects.monthBlockKeys(tenant, month, manifest.rollup) : [];
    }
    deleted += await objects.collect(objects.keys.monthPrefix(tenant, month), keep);
  }
  for (const iso of await periods('year')) {
    const year = Number(iso);
    if (/^\d{4}$/.test(iso) && monthEndDay(yearMonths(year).last) <= firstKept) deleted += await objects.collect(objects.keys.yearPrefix(tenant, year), []);
  }
  return deleted;
}
