import { seriesKey } from '@strata/model';
import type { WriteRequest, WriteResponse } from '@strata/proto';

/** What the client knows about one point (tenant, series, timestamp). */
export interface PointFate {
  /** The value of the last write the server acknowledged. */
  readonly acknowledged?: number;
  /**
   * Values of writes sent after that acknowledgement whose outcome is unknown (the call
   * failed): each may or may not have reached Kafka, so each may be what is stored.
   */
  readonly unconfirmed: readonly number[];
}

export interface LedgerSeries {
  readonly tenant: string;
  readonly seriesKey: string;
  /** By timestamp. */
  readonly points: ReadonlyMap<number, PointFate>;
}

/**
 * The client's record of what the system promised to keep: every point acknowledged by a
 * Write (and not refused in its rejections) with its last acknowledged value. Calls must
 * be recorded in the order they were answered, and a point must not be in two calls at
 * once, or "last" would be ambiguous.
 */
export class AckLedger {
  private readonly series = new Map<string, { tenant: string; seriesKey: string; points: Map<number, PointFate> }>();
  private acknowledgedWrites = 0;

  /** A Write that answered OK: every point not listed in `response.rejections` is acknowledged. */
  recordAnswer(tenant: string, request: WriteRequest, response: WriteResponse): void {
    const refusedSeries = new Set<number>();
    const refusedPoints = new Set<string>();
    for (const r of response.rejections) {
      if (r.pointIndex === -1) refusedSeries.add(r.seriesIndex);
      else refusedPoints.add(`${r.seriesIndex}/${r.pointIndex}`);
    }
    request.series.forEach((series, s) => {
      if (refusedSeries.has(s)) return;
      series.points.forEach((point, p) => {
        if (refusedPoints.has(`${s}/${p}`)) return;
        this.fates(tenant, series).set(point.timestampMs, { acknowledged: point.value, unconfirmed: [] });
        this.acknowledgedWrites++;
      });
    });
  }

  /** A Write that failed: none of its points is acknowledged, but any may have been stored. */
  recordFailure(tenant: string, request: WriteRequest): void {
    for (const series of request.series) {
      const fates = this.fates(tenant, series);
      for (const point of series.points) {
        const fate = fates.get(point.timestampMs) ?? { unconfirmed: [] };
        fates.set(point.timestampMs, { ...fate, unconfirmed: [...fate.unconfirmed, point.value] });
      }
    }
  }

  allSeries(): LedgerSeries[] {
    return [...this.series.values()];
  }

  /** Distinct points acknowledged at least once. */
  get acknowledgedPoints(): number {
    let count = 0;
    for (const s of this.series.values()) for (const fate of s.points.values()) if (fate.acknowledged !== undefined) count++;
    return count;
  }

  /** Acknowledged point writes, overwrites included. */
  get acknowledgedPointWrites(): number {
    return this.acknowledgedWrites;
  }

  private fates(tenant: string, series: WriteRequest['series'][number]): Map<number, PointFate> {
    const key = seriesKey(series.name, series.labels);
    const id = `${tenant}/${key}`;
    let entry = this.series.get(id);
    if (!entry) this.series.set(id, (entry = { tenant, seriesKey: key, points: new Map() }));
    return entry.points;
  }
}
