import { seriesKey } from '@strata/model';
import { Aggregation, type ReadRequest, type Series } from '@strata/proto';

export type ExpectedRead = Map<string, Array<[timestampMs: number, value: number]>>;

/**
 * What a reader must answer, from the points a spec wrote (the last write of a timestamp
 * wins): raw points, or one point per bucket of `step_ms` stamped with the bucket start,
 * as the proto defines them. Sums add a bucket's points in time order, as the rollups do.
 */
export class PointModel {
  private readonly series = new Map<string, Map<number, number>>();

  record(series: readonly Series[]): void {
    for (const s of series) {
      const key = seriesKey(s.name, s.labels);
      let points = this.series.get(key);
      if (!points) this.series.set(key, (points = new Map()));
      for (const p of s.points) points.set(p.timestampMs, p.value);
    }
  }

  /** The answer to `request`, from the points `keep` accepts (all by default): a tier's share, say. */
  expected(request: ReadRequest, keep: (key: string, timestampMs: number) => boolean = () => true): ExpectedRead {
    const out: ExpectedRead = new Map();
    for (const selector of request.series) {
      const key = seriesKey(selector.name, selector.labels);
      const points = [...(this.series.get(key) ?? [])]
        .filter(([t]) => t >= request.fromMs && t < request.toMs && keep(key, t))
        .sort((a, b) => a[0] - b[0]);
      if (points.length === 0) continue;
      if (request.stepMs === 0) {
        out.set(key, points);
        continue;
      }
      const buckets = new Map<number, number[]>();
      for (const [t, v] of points) {
        const start = Math.floor(t / request.stepMs) * request.stepMs;
        let values = buckets.get(start);
        if (!values) buckets.set(start, (values = []));
        values.push(v);
      }
      out.set(
        key,
        [...buckets].map(([start, values]) => [start, aggregate(request.aggregation, values)]),
      );
    }
    return out;
  }
}

function aggregate(aggregation: Aggregation, values: readonly number[]): number {
  const sum = () => values.reduce((a, b) => a + b, 0);
  switch (aggregation) {
    case Aggregation.AVG:
      return sum() / values.length;
    case Aggregation.MIN:
      return Math.min(...values);
    case Aggregation.MAX:
      return Math.max(...values);
    case Aggregation.SUM:
      return sum();
    case Aggregation.COUNT:
      return values.length;
    case Aggregation.LAST:
      return values[values.length - 1];
    default:
      throw new Error(`no model for aggregation ${aggregation}`);
  }
}
