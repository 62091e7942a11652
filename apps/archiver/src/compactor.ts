import { monthEndDay, monthIso, openBlock, shardOf, type BlockRef, type BlockSet } from '@strata/storage';
import type { Logger } from '@strata/runtime';
import type { ArchiverMetrics } from './archiver-metrics';
import type { BlockBuilder } from './block-pool';
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

/** Whether every day of the month is old enough to be archived. */
export function isMonthComplete(month: number, lastEligibleDay: number): boolean {
  return monthEndDay(month) - 1 <= lastEligibleDay;
}

/**
 * Builds the month rollup blocks of a tenant's complete month from its day blocks (their
 * 1 h and 1 d parts; raw points and 5 m rows stay in the day blocks), then lists them in
 * the manifest, which must still name exactly the days it was built from. A 460-day read
 * at a 1 h or 1 d step then costs one index and one range GET per month instead of per
 * day. Does nothing when the manifest already has its rollup or lists no day.
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
    const stop = deps.metrics.blockBuildSeconds.startTimer({ kind: 'month' });
    const result = await deps.builder.build(task);
    stop();
    const ref: BlockRef = {
      shard,
      series: result.series,
      points: result.points,
      size: result.bytes.byteLength,
      indexOffset: result.indexOffset,
      indexLength: result.indexLength,
      hash: result.hash,
    };
    await deps.objects.put(deps.objects.keys.monthBlock(tenant, month, shard, shardCount, ref.hash), new Uint8Array(result.bytes), 'month_block');
    blocksWritten++;
    blocks.push(ref);
  }
  const rollup: BlockSet = { shardCount, blocks };
  await deps.objects.writeManifest({ ...manifest, rollup }, bytes);
  deps.logger.info({ tenant, month: monthIso(month), days: manifest.days.length, shardCount, blocksWritten }, 'built the month rollup blocks');
  return { tenant, month, keep: deps.objects.monthBlockKeys(tenant, month, rollup), blocksWritten };
}
