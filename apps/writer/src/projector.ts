import { seriesKey } from '@strata/model';
import type { Logger } from '@strata/runtime';
import { catalogDays, utcDay, type HotSeriesWrite, type RedisHotStore } from '@strata/storage/hot';
import { recordKey, type ConsumedBatch } from '@strata/stream';
import type { SeriesCache } from './series-cache';
import type { UtilisationTracker } from './utilisation';
import type { WriterMetrics } from './writer-metrics';

export interface ProjectorDeps {
  readonly hot: Pick<RedisHotStore, 'append'>;
  readonly cache: SeriesCache;
  readonly metrics: WriterMetrics;
  readonly utilisation: UtilisationTracker;
  readonly logger: Logger;
  readonly now: () => number;
  /**
   * The replay group (`--replay-from`): apply a record only where Redis holds no write of
   * its points from a later record, since the main group may already have projected one.
   * @default false
   */
  readonly replay?: boolean;
}

/**
 * Projects a batch of log records into the hot tier. Resolves once Redis has every point;
 * the consumer commits the batch's offsets only then. Throwing leaves the offsets where
 * they were, and Kafka re-delivers the batch (rewriting the same values is harmless).
 *
 * Every point is stored with its record's offset. The main group applies records in log
 * order and overwrites; the replay group writes only over older offsets, so old records it
 * applies late never replace what clients wrote meanwhile (docs/write-path.md).
 */
export class Projector {
  constructor(private readonly deps: ProjectorDeps) {}

  /**
   * With `projected`, also advances the partition's projected offset in the same pipeline
   * (HotRecovery) and resolves with whether Redis took it: false means Redis lost data.
   */
  async project(batch: ConsumedBatch, projected?: { expect: number | null; next: number }): Promise<boolean | undefined> {
    const { metrics, cache } = this.deps;
    const began = this.deps.now();
    const writes: HotSeriesWrite[] = [];
    let points = 0;
    batch.events.forEach((event, i) => {
      const series = event.series;
      // A packed record's points are its chunk, stored as it is where it can be (hot-store.ts).
      const { packed } = event;
      const count = packed ? packed.count : (series?.points.length ?? 0);
      if (!series || count === 0) return;
      const key = seriesKey(series.name, series.labels);
      const offset = Number(batch.offsets[i]);
      if (!Number.isSafeInteger(offset)) {
        throw new Error(`record ${i} of partition ${batch.partition} (last offset ${batch.lastOffset}) has no usable offset: ${batch.offsets[i]}`);
      }
      const days = packed ? { oldestDay: utcDay(packed.firstMs), newestDay: utcDay(packed.lastMs) } : catalogDays(series.points);
      const index = cache.touch(recordKey(event.tenant, series.name, series.labels), days.oldestDay, days.newestDay) ? days : undefined;
      writes.push({ tenant: event.tenant, seriesKey: key, points: series.points, packed, index, offset });
      points += count;
    });
    let advanced: boolean | undefined;
    try {
      ({ projectedAdvanced: advanced } = await this.deps.hot.append(batch.partition, writes, { ifNewer: this.deps.replay ?? false, projected }));
    } catch (error) {
      metrics.errors.inc({ tier: 'redis' });
      this.deps.logger.error(
        { partition: batch.partition, lastOffset: batch.lastOffset, err: error },
        'hot tier write failed; the batch will be re-delivered',
      );
      throw error;
    }
    const done = this.deps.now();
    for (const event of batch.events) metrics.endToEndSeconds.observe(Math.max(0, done - event.acceptedAtMs) / 1_000);
    metrics.points.inc(points);
    metrics.records.inc(batch.records);
    metrics.batchSeconds.observe((done - began) / 1_000);
    metrics.consumerLag.set({ partition: String(batch.partition) }, Math.max(0, Number(batch.highWatermark) - Number(batch.lastOffset) - 1));
    metrics.cachedSeries.set(cache.size);
    this.deps.utilisation.record(done, done - began);
    return advanced;
  }
}
