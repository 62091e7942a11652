import { snappyCompress } from '@strata/prometheus';
import { prometheus, WriteRequest, type Series } from '@strata/proto';
import { MonitoringDataset } from '../dataset';

const MINUTE = 60_000;

/** A remote-write 1.0 body and how many samples it carries. */
export interface Body {
  readonly bytes: Buffer;
  readonly samples: number;
}

/**
 * The write bench's dataset (MonitoringDataset: 2-decimal gauges, integer counters, small
 * integers, noise) as Prometheus series: dots become underscores, so that every PromQL
 * engine takes the name bare, and `set` tells the parts of the run apart.
 */
export function promName(name: string): string {
  return name.replace(/\./g, '_');
}

/** Strata's gRPC WriteRequest of the same series, named and labelled as through remote write. */
function encodeGrpc(series: readonly Series[], set: string): Buffer {
  return Buffer.from(
    WriteRequest.encode({ series: series.map((s) => ({ name: promName(s.name), labels: [...s.labels, { name: 'set', value: set }], points: s.points })) }).finish(),
  );
}

function encode(series: readonly Series[], set: string): Buffer {
  const timeseries = series.map((s) => ({
    labels: [{ name: '__name__', value: promName(s.name) }, ...s.labels, { name: 'set', value: set }].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    samples: s.points.map((p) => ({ value: p.value, timestamp: p.timestampMs })),
    exemplars: [],
    histograms: [],
  }));
  return snappyCompress(prometheus.WriteRequest.encode({ timeseries, metadata: [] }).finish());
}

/**
 * Bodies for `connections` senders: the series are split in `connections` equal parts, and
 * body j carries part j % connections over the next `pointsPerSeries` minutes, so each
 * sender's series move forward in time (a receiver may refuse a sample older than its
 * series' last one). `seriesCount` must be a multiple of `connections`.
 */
export function ingestBodies(options: {
  seriesCount: number;
  connections: number;
  samplesPerBody: number;
  totalSamples: number;
  endMs: number;
  seed: number;
  /** Strata's gRPC WriteRequest bodies instead of remote write (the series labelled set="grpc"). */
  grpc?: boolean;
  /** The `set` label of remote-write bodies: other values make other series. @default 'ingest' */
  set?: string;
}): { bodies: Body[]; firstMs: number; minutes: number } {
  const { seriesCount, connections } = options;
  if (seriesCount % connections !== 0) throw new Error(`${seriesCount} series do not split into ${connections} equal parts`);
  const perBody = seriesCount / connections;
  const pointsPerSeries = Math.max(1, Math.round(options.samplesPerBody / perBody));
  const count = Math.max(connections, Math.floor(options.totalSamples / (perBody * pointsPerSeries) / connections) * connections);
  const minutes = (count / connections) * pointsPerSeries;
  const firstMs = Math.floor(options.endMs / MINUTE) * MINUTE - minutes * MINUTE;
  const dataset = new MonitoringDataset({ seriesCount, firstTimestampMs: firstMs, seed: options.seed, prefix: 'ingest' });
  const bodies: Body[] = [];
  for (let j = 0; j < count; j++) {
    const { series, points } = dataset.nextRequest(perBody, pointsPerSeries);
    bodies.push({ bytes: options.grpc ? encodeGrpc(series, 'grpc') : encode(series, options.set ?? 'ingest'), samples: points });
  }
  return { bodies, firstMs, minutes };
}

/** Every point of `seriesCount` series over `days` days up to `endMs`, in time order per series, `samplesPerBody` at a time. */
export function* historyBodies(options: { prefix: string; set: string; seriesCount: number; days: number; endMs: number; samplesPerBody: number; seed: number }): Generator<Body> {
  const minutes = options.days * 1_440;
  const firstMs = Math.floor(options.endMs / MINUTE) * MINUTE - minutes * MINUTE;
  const dataset = new MonitoringDataset({ seriesCount: options.seriesCount, firstTimestampMs: firstMs, seed: options.seed, prefix: options.prefix });
  const pointsPerSeries = Math.max(1, Math.floor(options.samplesPerBody / options.seriesCount));
  for (let done = 0; done < minutes; done += pointsPerSeries) {
    const n = Math.min(pointsPerSeries, minutes - done);
    const { series, points } = dataset.nextRequest(options.seriesCount, n);
    yield { bytes: encode(series, options.set), samples: points };
  }
}

/** The names of a dataset's series, as written: `prefix` and `seriesCount` as given to historyBodies. */
export function seriesNames(prefix: string, seriesCount: number): string[] {
  const dataset = new MonitoringDataset({ seriesCount, firstTimestampMs: 0, seed: 1, prefix });
  return dataset.nextRequest(seriesCount, 0).series.map((s) => promName(s.name));
}

/** One sample of one series, for the time-to-readable probe. */
export function probeBody(labels: Record<string, string>, value: number, timestampMs: number): Buffer {
  const sorted = Object.entries({ __name__: 'versus_probe', ...labels })
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({ name, value }));
  return snappyCompress(prometheus.WriteRequest.encode({ timeseries: [{ labels: sorted, samples: [{ value, timestamp: timestampMs }], exemplars: [], histograms: [] }], metadata: [] }).finish());
}
