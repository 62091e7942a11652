import { createHash } from 'node:crypto';
import { concatRollupStats, type RollupStats } from '@strata/model';
import { BLOCK_HASH_BYTES, BlockKind, buildYearSection, compareSeriesKeys, decodeCatalog, decodeRollupPart, encodeBlock, encodeCatalog, encodeManifest, monthFirstDay, monthIso, openBlock, shardOf, yearMonths, type BlockRef, type BlockSet, type Manifest } from '@strata/storage/cold';
import type { Logger } from '@strata/runtime';
import type { ArchiverMetrics } from './archiver-metrics';
import { buildBlock, type BlockBuilder } from './block-pool';
import { packBytes, type MonthBlockTask, type Span } from './block-task';
import type { ColdObjects } from './cold-objects';
import { chooseShardCount } from './day-archiver';

export interface CompactorDeps {
  readonly objects: ColdObjects;
  readonly builder: BlockBuilder;
  readonly blockTargetBytes: number;
  readonly metrics: ArchiverMetrics;
  readonly logger: Logger;
}

export interface CompactedMonth {
  readonly tenant: string;
  readonly month: number;
  /** Objects the manifest names under the month's prefix; anything else there is garbage. */
  readonly keep: readonly string[];
  readonly blocksWritten: number;
}

/** 1 h and 1 d rows are about a tenth of a day block (the rest is raw points and 5 m rows). */
const MONTH_BYTES_PER_DAY_BLOCK_BYTE = 0.1;

/**
 * Whether a month may have a rollup: some day of it is old enough to be archived. The month
 * to date is compacted too (its rollup covers the days archived so far; archiving another
 * day drops it from the manifest and the next compaction rebuilds it), so a long read pays
 * no per-day GETs for the newest month.
 */
export function isMonthCompactable(month: number, lastEligibleDay: number): boolean {
  return monthFirstDay(month) <= lastEligibleDay;
}

/**
 * Builds the month rollup blocks of a tenant's month from its day blocks (their 1 h and
 * 1 d parts; raw points and 5 m rows stay in the day blocks), then lists them in the
 * manifest, which must still name exactly the days it was built from. A 460-day read at a
 * 1 h step then costs one index and one range GET per month instead of per day. Does
 * nothing when the manifest already has its rollup or lists no day.
 *
 * Each month shard reads the month's day blocks once, one at a time, keeping only its
 * series' 1 h and 1 d parts: memory is one day block plus a shard's rollup rows.
 */
export async function compactMonth(deps: CompactorDeps, tenant: string, month: number): Promise<CompactedMonth | undefined> {
  const { manifest, bytes } = await deps.objects.readManifest(tenant, month);
  if (!manifest || manifest.rollup || manifest.days.length === 0) return undefined;
  const dayBytes = manifest.days.reduce((n, d) => n + d.blocks.reduce((m, b) => m + b.size, 0), 0);
  const shardCount = chooseShardCount(dayBytes * MONTH_BYTES_PER_DAY_BLOCK_BYTE, deps.blockTargetBytes);
  const blocks: BlockRef[] = [];
  let blocksWritten = 0;
  for (let shard = 0; shard < shardCount; shard++) {
    const series = new Map<string, { points: number; days: Array<{ h1: Uint8Array; d1: Uint8Array }> }>();
    for (const day of manifest.days) {
      for (const ref of day.blocks) {
        const key = deps.objects.keys.dayBlock(tenant, day.day, ref.shard, day.shardCount, ref.hash);
        const block = await deps.objects.store.get(key);
        if (!block) throw new Error(`the manifest of ${tenant} ${monthIso(month)} names ${key}, which is missing`);
        const opened = openBlock(block);
        for (const entry of opened.index.entries) {
          if (shardOf(entry.seriesKey, shardCount) !== shard) continue;
          const { parts } = opened.section(entry);
          const s = series.get(entry.seriesKey) ?? { points: 0, days: [] };
          s.points += entry.points;
          s.days.push({ h1: parts.h1.slice(), d1: parts.d1.slice() });
          series.set(entry.seriesKey, s);
        }
      }
    }
    if (series.size === 0) continue;
    const entries = [...series.entries()];
    const { buffer, spans } = packBytes(entries.flatMap(([, s]) => s.days.flatMap((d) => [d.h1, d.d1])));
    let next = 0;
    const take = (): Span => spans[next++];
    const task: MonthBlockTask = {
      type: 'month',
      id: shard,
      tenant,
      month,
      shard,
      shardCount,
      buffer,
      series: entries.map(([key, s]) => ({ key, points: s.points, days: s.days.map(() => ({ h1: take(), d1: take() })) })),
    };
    const { bytes, ref } = await buildBlock(deps.builder, deps.metrics, 'month', shard, task);
    await deps.objects.put(deps.objects.keys.monthBlock(tenant, month, shard, shardCount, ref.hash), bytes, 'month_block');
    blocksWritten++;
    blocks.push(ref);
  }
  const rollup: BlockSet = { shardCount, blocks };
  await deps.objects.writeManifest({ ...manifest, rollup }, bytes);
  deps.logger.info({ tenant, month: monthIso(month), days: manifest.days.length, shardCount, blocksWritten }, 'built the month rollup blocks');
  return { tenant, month, keep: deps.objects.monthBlockKeys(tenant, month, rollup), blocksWritten };
}

export interface RefreshedCatalog {
  readonly tenant: string;
  readonly year: number;
  /** Year blocks the catalog names; anything else under the year's prefix is garbage. */
  readonly keep: readonly string[];
  /** Whether the catalog object was written (or removed) by this call. */
  readonly changed: boolean;
}

/**
 * Makes a tenant's year catalog agree with its month manifests: the manifests of the year,
 * and the year rollup blocks (1 d rows of every listed day) when every month has its month
 * rollup, built from those months' blocks (their 1 d parts). A year with no manifest left
 * loses its catalog. Deterministic (same manifests, same bytes) and idempotent: the catalog
 * is written only when its bytes change, and an unchanged set of months keeps its year
 * blocks. Must run after the month manifests are written and before anything they replaced
 * is deleted: readers that find a catalog trust it instead of the manifests.
 */
export async function refreshCatalog(deps: CompactorDeps, tenant: string, year: number): Promise<RefreshedCatalog> {
  const { objects } = deps;
  const { first, last } = yearMonths(year);
  const months: Manifest[] = [];
  for (let m = first; m <= last; m++) {
    const { manifest } = await objects.readManifest(tenant, m);
    if (manifest && manifest.days.length > 0) months.push(manifest);
  }
  const key = objects.keys.catalog(tenant, year);
  const previous = await objects.store.get(key);
  if (months.length === 0) {
    if (previous) await objects.store.delete([key]);
    return { tenant, year, keep: [], changed: previous !== undefined };
  }
  const old = previous ? decodeCatalog(previous) : undefined;
  let rollup: BlockSet | undefined;
  if (months.every((m) => m.rollup)) {
    rollup = old?.rollup && sameManifests(old.months, months) ? old.rollup : await buildYearRollup(deps, tenant, year, months);
  }
  const bytes = encodeCatalog({ tenant, year, months, ...(rollup && { rollup }) });
  const changed = !previous || Buffer.compare(Buffer.from(previous), Buffer.from(bytes)) !== 0;
  if (changed) await objects.put(key, bytes, 'catalog');
  const keep = (rollup?.blocks ?? []).map((b) => objects.keys.yearBlock(tenant, year, b.shard, rollup!.shardCount, b.hash));
  return { tenant, year, keep, changed };
}

function sameManifests(a: readonly Manifest[], b: readonly Manifest[]): boolean {
  return a.length === b.length && a.every((m, i) => Buffer.compare(Buffer.from(encodeManifest(m)), Buffer.from(encodeManifest(b[i]))) === 0);
}

/** 1 d rows are about a tenth of a month block (the rest is 1 h rows). */
const YEAR_BYTES_PER_MONTH_BLOCK_BYTE = 0.1;

/**
 * The year rollup blocks: per series, the 1 d rows of its month blocks in month order.
 * Each year shard reads the months' rollup blocks once (they are small: 1 h and 1 d rows).
 */
async function buildYearRollup(deps: CompactorDeps, tenant: string, year: number, months: readonly Manifest[]): Promise<BlockSet> {
  const { objects } = deps;
  const monthBytes = months.reduce((n, m) => n + m.rollup!.blocks.reduce((k, b) => k + b.size, 0), 0);
  const shardCount = chooseShardCount(monthBytes * YEAR_BYTES_PER_MONTH_BLOCK_BYTE, deps.blockTargetBytes);
  const blocks: BlockRef[] = [];
  for (let shard = 0; shard < shardCount; shard++) {
    const series = new Map<string, { points: number; rows: RollupStats[] }>();
    for (const manifest of months) {
      const set = manifest.rollup!;
      for (const ref of set.blocks) {
        const key = objects.keys.monthBlock(tenant, manifest.month, ref.shard, set.shardCount, ref.hash);
        const bytes = await objects.store.get(key);
        if (!bytes) throw new Error(`the manifest of ${tenant} ${monthIso(manifest.month)} names ${key}, which is missing`);
        const opened = openBlock(bytes);
        for (const entry of opened.index.entries) {
          if (shardOf(entry.seriesKey, shardCount) !== shard) continue;
          const s = series.get(entry.seriesKey) ?? { points: 0, rows: [] };
          s.points += entry.points;
          s.rows.push(decodeRollupPart(opened.section(entry).parts.d1));
          series.set(entry.seriesKey, s);
        }
      }
    }
    if (series.size === 0) continue;
    const sections = [...series.entries()]
      .sort(([a], [b]) => compareSeriesKeys(a, b))
      .map(([key, s]) => buildYearSection(key, s.points, concatRollupStats(s.rows)));
    const stop = deps.metrics.blockBuildSeconds.startTimer({ kind: 'year' });
    const block = encodeBlock({ kind: BlockKind.Year, tenant, period: year, shard, shardCount }, sections);
    const hash = Uint8Array.from(createHash('sha256').update(block.bytes).digest().subarray(0, BLOCK_HASH_BYTES));
    stop();
    const ref: BlockRef = { shard, series: block.series, points: block.points, size: block.bytes.length, indexOffset: block.indexOffset, indexLength: block.indexLength, hash };
    await objects.put(objects.keys.yearBlock(tenant, year, shard, shardCount, hash), block.bytes, 'year_block');
    blocks.push(ref);
  }
  deps.logger.info({ tenant, year, months: months.length, shardCount, blocks: blocks.length }, 'built the year rollup blocks');
  return { shardCount, blocks };
}
