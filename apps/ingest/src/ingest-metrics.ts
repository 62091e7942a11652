import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What an operator asks of ingest: how much came in, what was refused and why, how fast. */
export class IngestMetrics {
  readonly pointsAccepted: Counter<'tenant'>;
  readonly pointsRefused: Counter<'tenant' | 'code'>;
  readonly requests: Counter<'code'>;
  readonly requestSeconds: Histogram;
  readonly produceSeconds: Histogram<'result'>;
  readonly produceBatchRecords: Histogram;
  readonly inFlight: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.pointsAccepted = new Counter({
      name: 'strata_ingest_points_accepted_total',
      help: 'Points acknowledged by Kafka and reported accepted to clients',
      labelNames: ['tenant'],
      registers,
    });
    this.pointsRefused = new Counter({
      name: 'strata_ingest_points_refused_total',
      help: 'Points refused, by rejection code (whole-request refusals count every point of the request)',
      labelNames: ['tenant', 'code'],
      registers,
    });
    this.requests = new Counter({
      name: 'strata_ingest_requests_total',
      help: 'Write calls by gRPC status code',
      labelNames: ['code'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'strata_ingest_request_duration_seconds',
      help: 'Write call latency, from receipt to reply',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.produceSeconds = new Histogram({
      name: 'strata_ingest_produce_duration_seconds',
      help: 'Kafka produce latency per batch (acks = all)',
      labelNames: ['result'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.produceBatchRecords = new Histogram({
      name: 'strata_ingest_produce_batch_records',
      help: 'Records per Kafka produce request',
      buckets: [1, 10, 50, 100, 500, 1000, 2000, 5000, 10000],
      registers,
    });
    this.inFlight = new Gauge({
      name: 'strata_ingest_in_flight_requests',
      help: 'Write calls being processed',
      registers,
    });
  }
}
