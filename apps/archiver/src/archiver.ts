import { RetentionPolicy } from '@strata/storage';
import { dayIso, dayNumber, monthOfDay, monthIso, type ColdKeys, type ObjectStore } from '@strata/storage/cold';
import type { LateWriteLedger } from '@strata/storage/hot';
import type { DayIndexEntry } from '@strata/storage/warm';
import { mapConcurrently, sleep, type Logger } from '@strata/runtime';
import type { ArchiverMetrics } from './archiver-metrics';
import type { BlockBuilder } from './block-pool';
import { ColdObjects } from './cold-objects';
import { compactMonth, isMonthCompactable, type CompactedMonth } from './compactor';
import type { ArchiveSettings } from './config';
import { archiveTenantDay, type ArchivedTenantDay, type WarmArchiveSource } from './day-archiver';
import { clearEntries, discoverDay, entriesToClear } from './discovery';
import { collectExpired, settleCatalogs, type UpkeepDeps } from './retention';

export interface ArchiverDeps {
  readonly warm: WarmArchiveSource;
  readonly store: ObjectStore;
  readonly keys: ColdKeys;
  readonly builder: BlockBuilder;
  readonly settings: ArchiveSettings;
  readonly metrics: ArchiverMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** Cold days past a tenant's retention are deleted. @default 460 days for every tenant */
  readonly retention?: RetentionPolicy;
  /** Human-readable progress lines (the one-shot command prints them). */
  readonly progress?: (line: string) => void;
  /**
   * Where tenant-days with no chunk left in DynamoDB are marked, so readers skip their
   * Query (Redis). Without it, readers query DynamoDB for every day, as they always may.
   */
  readonly ledger?: Pick<LateWriteLedger, 'writeCounts' | 'markClean'>;
}

export interface RunOptions {
  /** Exactly these days (the `--day` command); otherwise the recent days, or the whole lookback on a full sweep. */
  readonly days?: readonly number[];
  readonly fullSweep?: boolean;
  readonly signal?: AbortSignal;
}

export interface RunReport {
  readonly days: number;
  readonly tenantDays: number;
  readonly seriesDays: number;
  readonly windows: number;
  readonly blocksWritten: number;
  readonly bytesWritten: number;
  readonly monthsCompacted: number;
  readonly chunksDeleted: number;
  readonly deleteConflicts: number;
  /** Day-index entries removed (their series' chunks of the day all left DynamoDB). */
  readonly indexEntriesCleared: number;
  readonly objectsCollected: number;
  /** Tenant-days or months that failed; the run as a whole then counts as failed. */
  readonly failures: number;
}

/** A day can be archived once it ended at least this long ago (the reader looks in S3 for every older day). */
export const MIN_ARCHIVE_AGE_DAYS = 2;

/** A tenant-day whose archiving finished: its day-index entries, and what was archived (none if no chunk was left). */
interface SettledTenantDay {
  readonly tenant: string;
  readonly day: number;
  readonly entries: readonly DayIndexEntry[];
  readonly archived?: ArchivedTenantDay;
  /** The ledger's write count of the tenant-day, read before the day index was (none: no ledger). */
  readonly seenWrites?: number;
}

/**
 * One archive run: find what the day index lists for the days in scope, archive each
 * tenant's day (blocks, then the manifest), build month rollups for complete months, wait
 * until readers' cached manifests have expired, then delete what the new manifests made
 * redundant: replaced blocks and, conditionally, the archived chunks in DynamoDB, and last
 * the day-index entries of series whose chunks all left.
 *
 * Crash safety: nothing is deleted before the manifest naming its replacement is durable,
 * and every step is repeatable. A run killed at any point leaves the day index listing
 * every series with chunks still in DynamoDB (entries go after the chunks); the next run
 * rebuilds the same blocks (same bytes, same names), rewrites the same manifest and
 * finishes the deletes.
 */
export class Archiver {
  private readonly objects: ColdObjects;

  constructor(private readonly deps: ArchiverDeps) {
    this.objects = new ColdObjects(deps.store, deps.keys, deps.metrics);
  }

  /**
   * Sets strata_archiver_last_success_timestamp_seconds at start-up: to the last completed
   * run recorded in S3, or to `fallbackMs` (the process start) when there is none or S3 does
   * not answer, so an archiver that never succeeds alerts a day after it started, not at
   * once and not never (docs/operations.md, StrataArchiverNotSucceeding).
   */
  async restoreLastSuccess(fallbackMs: number): Promise<number> {
    let last = fallbackMs;
    try {
      const bytes = await this.deps.store.get(this.deps.keys.status());
      const recorded = bytes ? Number((JSON.parse(Buffer.from(bytes).toString('utf8')) as { lastSuccessMs?: unknown }).lastSuccessMs) : NaN;
      if (Number.isFinite(recorded)) last = recorded;
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not read the last archive run from S3; counting from the process start');
    }
    this.deps.metrics.lastSuccess.set(last / 1_000);
    return last;
  }

  /** The newest day old enough to archive at `nowMs`: it ended STRATA_WARM_SPAN_DAYS ago. */
  lastEligibleDay(nowMs: number): number {
    return dayNumber(nowMs) - this.deps.settings.warmSpanDays - 1;
  }

  /** Days a run looks at. */
  daysInScope(nowMs: number, fullSweep: boolean): number[] {
    const last = this.lastEligibleDay(nowMs);
    const first = fullSweep ? dayNumber(nowMs) - this.deps.settings.lookbackDays : last - this.deps.settings.recentDays + 1;
    const days: number[] = [];
    for (let d = first; d <= last; d++) days.push(d);
    return days;
  }

  async run(options: RunOptions = {}): Promise<RunReport> {
    const { metrics, logger, settings } = this.deps;
    const began = this.deps.now();
    const stopTimer = metrics.runSeconds.startTimer();
    const days = options.days ?? this.daysInScope(began, options.fullSweep ?? false);
    const lastEligible = this.lastEligibleDay(began);
    const archived: ArchivedTenantDay[] = [];
    const settled: SettledTenantDay[] = [];
    const compacted: CompactedMonth[] = [];
    let failures = 0;
    let seriesDays = 0;
    try {
      const knownTenants = this.deps.ledger ? await this.tenantsInS3() : [];
      for (const day of days) {
        if (options.signal?.aborted) break;
        // Read before the day index: a chunk written after that look moves the count.
        const seen = await this.writeCounts(day);
        const byTenant = await this.discover(day);
        if (seen) {
          // No entry (strongly consistent) means no chunk: nothing of the day is left in DynamoDB.
          const empty = knownTenants.filter((t) => !byTenant.has(t));
          await this.markClean(empty.map((tenant) => ({ tenant, day, seenWrites: seen.get(tenant) ?? 0 })));
        }
        const tenants = [...byTenant.keys()].sort();
        if (tenants.length === 0) continue;
        const count = [...byTenant.values()].reduce((n, s) => n + s.length, 0);
        seriesDays += count;
        this.say(`${dayIso(day)}: ${count} series of ${tenants.length} tenant(s) have chunks to archive`);
        for (const tenant of tenants) {
          if (options.signal?.aborted) break;
          try {
            const result = await archiveTenantDay(
              {
                warm: this.deps.warm,
                objects: this.objects,
                builder: this.deps.builder,
                concurrency: settings.concurrency,
                blockTargetBytes: settings.blockTargetBytes,
                metrics,
                logger,
                onBlock: ({ shard, shardCount, bytes, written }) =>
                  this.say(`  ${dayIso(day)} ${tenant}: shard ${shard + 1}/${shardCount} ${written ? 'written' : 'unchanged'} (${bytes} bytes)`),
              },
              tenant,
              day,
              byTenant.get(tenant)!.map((e) => e.seriesKey),
            );
            settled.push({ tenant, day, entries: byTenant.get(tenant)!, ...(result && { archived: result }), ...(seen && { seenWrites: seen.get(tenant) ?? 0 }) });
            if (result) {
              archived.push(result);
              this.say(`  ${dayIso(day)} ${tenant}: ${result.series} series, ${result.chunks.length} windows in the manifest`);
            }
          } catch (error) {
            failures++;
            metrics.failures.inc({ stage: 'archive' });
            logger.error({ err: error, tenant, day: dayIso(day) }, 'archiving a tenant day failed; its chunks stay in DynamoDB and the next run retries');
          }
        }
      }
      metrics.pendingSeriesDays.set(seriesDays);
      if (settings.compact && !options.signal?.aborted) {
        for (const [tenant, month] of await this.compactionCandidates(archived, lastEligible, options.fullSweep ?? false)) {
          try {
            const result = await compactMonth({ objects: this.objects, builder: this.deps.builder, blockTargetBytes: settings.blockTargetBytes, metrics, logger }, tenant, month);
            if (result) {
              compacted.push(result);
              this.say(`${monthIso(month)} ${tenant}: month rollup built (${result.blocksWritten} block(s))`);
            }
          } catch (error) {
            failures++;
            metrics.failures.inc({ stage: 'compact' });
            logger.error({ err: error, tenant, month: monthIso(month) }, 'building a month rollup failed; reads use the day blocks meanwhile');
          }
        }
      }
      // Year catalogs (and retention on the manifests) before anything is deleted; throws if a stale catalog cannot be removed.
      const upkeep = await settleCatalogs(this.upkeepDeps(), [...archived.map((a) => ({ tenant: a.tenant, month: monthOfDay(a.day) })), ...compacted], {
        fullSweep: options.fullSweep ?? false,
        ...(options.signal && { signal: options.signal }),
      });
      failures += upkeep.failures;
      const deleted = await this.deleteReplaced(settled, compacted, options.signal);
      failures += deleted.failures;
      await this.markClean(deleted.clean);
      const expired = await collectExpired(this.upkeepDeps(), upkeep, options.signal);
      failures += expired.failures;
      const report: RunReport = {
        days: days.length,
        tenantDays: archived.length,
        seriesDays: archived.reduce((n, a) => n + a.series, 0),
        windows: archived.reduce((n, a) => n + a.chunks.length, 0),
        blocksWritten: archived.reduce((n, a) => n + a.blocksWritten, 0) + compacted.reduce((n, c) => n + c.blocksWritten, 0),
        bytesWritten: archived.reduce((n, a) => n + a.bytesWritten, 0),
        monthsCompacted: compacted.length,
        chunksDeleted: deleted.chunks,
        deleteConflicts: deleted.conflicts,
        indexEntriesCleared: deleted.entries,
        objectsCollected: deleted.objects + expired.objects,
        failures,
      };
      const ok = failures === 0 && !options.signal?.aborted;
      metrics.runs.inc({ result: ok ? 'success' : 'failure' });
      if (ok) await this.recordSuccess(this.deps.now());
      logger.info({ ...report, ms: this.deps.now() - began }, ok ? 'archive run finished' : 'archive run finished with failures');
      return report;
    } catch (error) {
      metrics.runs.inc({ result: 'failure' });
      throw error;
    } finally {
      stopTimer();
    }
  }

  /** The series the day index lists for `day`, by tenant. */
  private discover(day: number): Promise<Map<string, DayIndexEntry[]>> {
    return discoverDay(this.deps.warm, day, this.deps.settings.concurrency);
  }

  /**
   * Months whose rollup may be missing: months this run touched (the month to date too),
   * and on a full sweep every month of every tenant in the lookback (one manifest GET each).
   */
  private async compactionCandidates(archived: readonly ArchivedTenantDay[], lastEligible: number, fullSweep: boolean): Promise<Array<[string, number]>> {
    const seen = new Set<string>();
    const out: Array<[string, number]> = [];
    const add = (tenant: string, month: number) => {
      const id = `${tenant}/${month}`;
      if (seen.has(id) || !isMonthCompactable(month, lastEligible)) return;
      seen.add(id);
      out.push([tenant, month]);
    };
    for (const a of archived) add(a.tenant, monthOfDay(a.day));
    if (fullSweep) {
      const firstMonth = monthOfDay(dayNumber(this.deps.now()) - this.deps.settings.lookbackDays);
      for (const tenant of await this.tenantsInS3()) {
        for (let m = firstMonth; isMonthCompactable(m, lastEligible); m++) add(tenant, m);
      }
    }
    return out;
  }

  /**
   * After the delete delay: removes objects no manifest names any more, then each archived
   * chunk that still holds exactly the archived bytes, then the day-index entries of the
   * series whose chunks all went. Skipped when the run was stopped; the next run repeats
   * the archive (same bytes) and then deletes.
   */
  private async deleteReplaced(settled: readonly SettledTenantDay[], compacted: readonly CompactedMonth[], signal?: AbortSignal) {
    const result = { chunks: 0, conflicts: 0, entries: 0, objects: 0, failures: 0, clean: [] as Array<{ tenant: string; day: number; seenWrites: number }> };
    if (settled.length === 0 && compacted.length === 0) return result;
    // Every entry of the tenant-day went (each only if unchanged): none of its chunks is left.
    const settle = (tenantDay: SettledTenantDay, cleared: number) => {
      const { tenant, day, entries, seenWrites } = tenantDay;
      if (seenWrites !== undefined && cleared === entries.length && entries.every((e) => e.token !== undefined)) result.clean.push({ tenant, day, seenWrites });
    };
    const { settings, metrics, logger } = this.deps;
    if (settings.deleteDelayMs > 0) {
      this.say(`waiting ${settings.deleteDelayMs} ms (STRATA_ARCHIVE_DELETE_DELAY_MS) for readers' cached manifests to expire before deleting`);
      await sleep(settings.deleteDelayMs, signal);
    }
    if (signal?.aborted) return result;
    for (const month of compacted) {
      try {
        result.objects += await this.objects.collect(this.deps.keys.monthPrefix(month.tenant, month.month), month.keep);
      } catch (error) {
        result.failures++;
        metrics.failures.inc({ stage: 'collect' });
        logger.error({ err: error, tenant: month.tenant, month: monthIso(month.month) }, 'removing replaced month blocks failed; the next compaction retries');
      }
    }
    const units = { onConsumedCapacity: (u: number) => metrics.dynamoWriteUnits.inc(u) };
    for (const { archived: a, ...tenantDay } of settled) {
      if (signal?.aborted) break;
      if (!a) {
        // Nothing left to archive: entries of a run killed between its deletes.
        try {
          const cleared = await clearEntries(this.deps.warm, entriesToClear(tenantDay.entries, []), settings.concurrency, units);
          result.entries += cleared;
          settle(tenantDay, cleared);
        } catch (error) {
          result.failures++;
          metrics.failures.inc({ stage: 'delete' });
          logger.error({ err: error, tenant: tenantDay.tenant, day: dayIso(tenantDay.day) }, 'clearing day-index entries failed; the next run retries');
        }
        continue;
      }
      try {
        result.objects += await this.objects.collect(this.deps.keys.dayPrefix(a.tenant, a.day), a.keep);
        const outcomes = await mapConcurrently(a.chunks, settings.concurrency, (c) => this.deps.warm.deleteChunkIf(c.tenant, c.seriesKey, c.start, c.chunk, units));
        const deleted = outcomes.filter(Boolean).length;
        result.chunks += deleted;
        result.conflicts += outcomes.length - deleted;
        metrics.chunksDeleted.inc(deleted);
        metrics.deleteConflicts.inc(outcomes.length - deleted);
        if (deleted < outcomes.length) {
          logger.warn({ tenant: a.tenant, day: dayIso(a.day), changed: outcomes.length - deleted }, 'chunks changed after archiving (late points); they stay in DynamoDB and the next run archives them again');
        }
        const kept = a.chunks.filter((_, i) => !outcomes[i]);
        const cleared = await clearEntries(this.deps.warm, entriesToClear(tenantDay.entries, kept), settings.concurrency, units);
        result.entries += cleared;
        if (kept.length === 0) settle(tenantDay, cleared);
        this.say(`  ${dayIso(a.day)} ${a.tenant}: ${deleted} of ${outcomes.length} chunks deleted from DynamoDB`);
      } catch (error) {
        result.failures++;
        metrics.failures.inc({ stage: 'delete' });
        logger.error({ err: error, tenant: a.tenant, day: dayIso(a.day) }, 'deleting archived chunks failed; they stay in both tiers until the next run');
      }
    }
    return result;
  }

  /** Tenants with anything in S3 (one LIST of the root). */
  private async tenantsInS3(): Promise<string[]> {
    const root = this.deps.keys.rootPrefix();
    const { prefixes } = await this.deps.store.list(root, { delimiter: '/' });
    return prefixes.map((p) => p.slice(root.length, -1));
  }

  /** The ledger's write counts of `day`; undefined without a ledger or when Redis fails (no marks for the day then). */
  private async writeCounts(day: number): Promise<Map<string, number> | undefined> {
    if (!this.deps.ledger) return undefined;
    try {
      return await this.deps.ledger.writeCounts(day);
    } catch (error) {
      this.deps.metrics.cleanMarks.inc({ result: 'error' });
      this.deps.logger.warn({ err: error, day: dayIso(day) }, 'could not read the late-write ledger; reads of this day keep querying DynamoDB');
      return undefined;
    }
  }

  /**
   * Marks tenant-days clean for readers. A failure costs reads speed, never points: an
   * unmarked day is read from DynamoDB too.
   */
  private async markClean(days: ReadonlyArray<{ tenant: string; day: number; seenWrites: number }>): Promise<void> {
    const { ledger, metrics, logger } = this.deps;
    if (!ledger) return;
    // Concurrent calls share round trips (the client pipelines them): a full sweep marks days × tenants.
    await mapConcurrently(days, this.deps.settings.concurrency, async ({ tenant, day, seenWrites }) => {
      try {
        const set = await ledger.markClean(tenant, day, seenWrites);
        metrics.cleanMarks.inc({ result: set ? 'set' : 'refused' });
      } catch (error) {
        metrics.cleanMarks.inc({ result: 'error' });
        logger.warn({ err: error, tenant, day: dayIso(day) }, 'could not mark a tenant-day clean; reads of it keep querying DynamoDB');
      }
    });
  }

  private async recordSuccess(nowMs: number): Promise<void> {
    this.deps.metrics.lastSuccess.set(nowMs / 1_000);
    const status = { lastSuccessMs: nowMs, lastSuccess: new Date(nowMs).toISOString() };
    await this.deps.store.put(this.deps.keys.status(), Buffer.from(`${JSON.stringify(status)}\n`)).catch((error: unknown) => {
      this.deps.logger.warn({ err: error }, 'could not record the completed run in S3; a restart counts from its own start');
    });
  }

  private upkeepDeps(): UpkeepDeps {
    const { settings, metrics, logger, now } = this.deps;
    return {
      objects: this.objects,
      builder: this.deps.builder,
      blockTargetBytes: settings.blockTargetBytes,
      metrics,
      logger,
      retention: this.deps.retention ?? new RetentionPolicy(),
      compact: settings.compact,
      deleteDelayMs: settings.deleteDelayMs,
      now,
      say: (line) => this.say(line),
    };
  }

  private say(line: string): void {
    this.deps.progress?.(line);
  }
}
