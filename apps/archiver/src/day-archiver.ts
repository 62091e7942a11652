import { DAY_MS } from '@strata/storage';
import { blockForShard, dayIso, monthOfDay, shardOf, type BlockRef, type ManifestDay } from '@strata/storage/cold';
import type { DynamoWarmStore, WarmChunk } from '@strata/storage/warm';
import { mapConcurrently, type Logger } from '@strata/runtime';
import type { ArchiverMetrics } from './archiver-metrics';
import { buildBlock, type BlockBuilder } from './block-pool';
import { packBytes, type DayBlockTask } from './block-task';
import { ColdObjects, sameHash } from './cold-objects';
import type { DayIndexSource } from './discovery';

export type WarmArchiveSource = Pick<DynamoWarmStore, 'queryChunks' | 'deleteChunkIf'> & DayIndexSource;

/** What archiving a tenant's day left to clean up once readers no longer trust the older manifest. */
export interface ArchivedTenantDay {
  readonly tenant: string;
  readonly day: number;
  /** The chunks now held by the day's blocks; each is deleted only if unchanged. */
  readonly chunks: readonly WarmChunk[];
  /** Objects the manifest names for the day; anything else under the day's prefix is garbage. */
  readonly keep: readonly string[];
  readonly blocksWritten: number;
  readonly bytesWritten: number;
  readonly series: number;
}

export interface DayArchiverDeps {
  readonly warm: WarmArchiveSource;
  readonly objects: ColdObjects;
  readonly builder: BlockBuilder;
  /** Blocks built (and S3 requests made) at once. */
  readonly concurrency: number;
  readonly blockTargetBytes: number;
  readonly metrics: ArchiverMetrics;
  readonly logger: Logger;
  readonly onBlock?: (info: { tenant: string; day: number; shard: number; shardCount: number; bytes: number; written: boolean }) => void;
}

/** Shards for a day not yet archived: a power of two keeping blocks near the target size. */
export function chooseShardCount(estimatedBytes: number, targetBytes: number): number {
  let n = 1;
  while (n < 65_536 && estimatedBytes / n > targetBytes) n *= 2;
  return n;
}

/**
 * Block bytes per byte of warm chunks, measured on 1-minute gauges (docs/cold-format.md):
 * a day chunk is a little smaller than twelve 2-hour chunks, and the 5 m / 1 h / 1 d
 * rollups add about twice the raw size.
 */
const BLOCK_BYTES_PER_CHUNK_BYTE = 3;

/**
 * Archives one tenant's day: reads the series' chunks of the day from DynamoDB
 * (consistently), merges them into the day's blocks (rebuilding only the shards they
 * touch; unchanged shards keep their objects), PUTs the new blocks, then the month's
 * manifest. Deleting anything is left to the caller (after the manifest is durable and
 * readers' caches expired). Deterministic: the same warm chunks and manifest give the
 * same objects, so a repeat after a crash writes the same bytes.
 */
export async function archiveTenantDay(deps: DayArchiverDeps, tenant: string, day: number, seriesKeys: readonly string[]): Promise<ArchivedTenantDay | undefined> {
  const month = monthOfDay(day);
  const dayStart = day * DAY_MS;
  const { manifest, bytes: manifestBytes } = await deps.objects.readManifest(tenant, month);
  const existing = manifest?.days.find((d) => d.day === day);
  const fetched = await mapConcurrently(seriesKeys, deps.concurrency, async (key) => ({
    key,
    chunks: await deps.warm.queryChunks(tenant, key, dayStart, dayStart + DAY_MS - 1, { consistent: true }),
  }));
  const live = fetched.filter((s) => s.chunks.length > 0);
  if (live.length === 0) return undefined;
  const chunkBytes = live.reduce((n, s) => n + s.chunks.reduce((m, c) => m + c.chunk.length, 0), 0);
  const shardCount = existing?.shardCount ?? chooseShardCount(chunkBytes * BLOCK_BYTES_PER_CHUNK_BYTE, deps.blockTargetBytes);
  const byShard = new Map<number, typeof live>();
  for (const series of live) {
    const shard = shardOf(series.key, shardCount);
    byShard.set(shard, [...(byShard.get(shard) ?? []), series]);
  }
  const blocks = new Map<number, BlockRef>((existing?.blocks ?? []).map((b) => [b.shard, b]));
  let blocksWritten = 0;
  let bytesWritten = 0;
  const shards = [...byShard.keys()].sort((a, b) => a - b);
  await mapConcurrently(shards, deps.concurrency, async (shard) => {
    const oldRef = existing && blockForShard(existing, shard);
    let oldBytes: Uint8Array | undefined;
    if (oldRef) {
      const key = deps.objects.keys.dayBlock(tenant, day, shard, shardCount, oldRef.hash);
      oldBytes = await deps.objects.store.get(key);
      if (!oldBytes) throw new Error(`the manifest of ${tenant} ${dayIso(day)} names ${key}, which is missing; refusing to rebuild the shard without it`);
    }
    const series = byShard.get(shard)!.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const pieces = [...(oldBytes ? [oldBytes] : []), ...series.flatMap((s) => s.chunks.map((c) => c.chunk))];
    const { buffer, spans } = packBytes(pieces);
    let next = oldBytes ? 1 : 0;
    const task: DayBlockTask = {
      type: 'day',
      id: shard,
      tenant,
      day,
      shard,
      shardCount,
      buffer,
      ...(oldBytes && { oldBlock: spans[0] }),
      series: series.map((s) => ({ key: s.key, chunks: s.chunks.map(() => spans[next++]) })),
    };
    const { bytes, ref } = await buildBlock(deps.builder, deps.metrics, 'day', shard, task);
    const written = !oldRef || !sameHash(oldRef.hash, ref.hash);
    if (written) {
      await deps.objects.put(deps.objects.keys.dayBlock(tenant, day, shard, shardCount, ref.hash), bytes, 'day_block');
      blocksWritten++;
      bytesWritten += ref.size;
    }
    deps.onBlock?.({ tenant, day, shard, shardCount, bytes: ref.size, written });
    blocks.set(shard, ref);
  });
  const entry: ManifestDay = { day, shardCount, blocks: [...blocks.values()].sort((a, b) => a.shard - b.shard) };
  const unchanged = existing !== undefined && sameDay(existing, entry);
  const days = [...(manifest?.days ?? []).filter((d) => d.day !== day), entry].sort((a, b) => a.day - b.day);
  // A month rollup covers exactly the days listed; a changed day makes it stale, so it
  // leaves the manifest in the same PUT (compaction rebuilds it).
  const rollup = unchanged ? manifest?.rollup : undefined;
  await deps.objects.writeManifest({ tenant, month, days, ...(rollup && { rollup }) }, manifestBytes);
  const chunks = live.flatMap((s) => s.chunks);
  deps.metrics.windowsArchived.inc(chunks.length);
  deps.metrics.pointsArchived.inc(chunks.reduce((n, c) => n + c.count, 0));
  deps.metrics.seriesDaysArchived.inc(live.length);
  deps.logger.info(
    { tenant, day: dayIso(day), series: live.length, windows: chunks.length, shards: shards.length, shardCount, blocksWritten, bytesWritten },
    'archived a tenant day; its chunks leave DynamoDB after the delete delay',
  );
  return { tenant, day, chunks, keep: deps.objects.dayBlockKeys(tenant, day, entry), blocksWritten, bytesWritten, series: live.length };
}

function sameDay(a: ManifestDay, b: ManifestDay): boolean {
  return a.shardCount === b.shardCount && a.blocks.length === b.blocks.length && a.blocks.every((x, i) => x.shard === b.blocks[i].shard && sameHash(x.hash, b.blocks[i].hash));
}
