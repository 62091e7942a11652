import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Seconds a Write, or a part of one, takes: from a millisecond to seconds under load. */
const CALL_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** What an operator asks of ingest: how much came in, what was refused and why, how fast. */
export class IngestMetrics {
  readonly pointsAccepted: Counter<'tenant'>;
  readonly pointsRefused: Counter<'tenant' | 'code'>;
  readonly requests: Counter<'code'>;
  readonly requestsRefused: Counter<'code' | 'reason'>;
  readonly bytesInFlight: Gauge;
  readonly bytesInFlightLimit: Gauge;
  readonly rejectionsUnlisted: Counter<'code'>;
  readonly requestSeconds: Histogram;
  readonly produceSeconds: Histogram<'result'>;
  readonly produceBatchRecords: Histogram;
  readonly inFlight: Gauge;
  readonly seriesCacheLookups: Counter<'result'>;
  readonly seriesRegistryRoundTrips: Counter<'result'>;
  readonly seriesRegistrySeconds: Histogram;
  readonly seriesAdmittedUnchecked: Counter<'tenant'>;
  readonly seriesRefusedUnverified: Counter<'tenant'>;
  readonly activeSeries: Gauge<'tenant'>;
  readonly cachedSeries: Gauge;
  readonly preparationQueueDepth: Gauge;
  readonly preparationSeconds: Histogram;
  readonly remoteWriteRequests: Counter<'status' | 'version'>;
  readonly remoteWriteSeconds: Histogram;
  readonly remoteWriteRefused: Counter<'tenant' | 'code'>;
  readonly metadataWrites: Counter<'result'>;
  readonly metadataRefused: Counter<'tenant' | 'reason'>;

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
    this.requestsRefused = new Counter({
      name: 'strata_ingest_requests_refused_total',
      help:
        'Write calls refused as a whole, by gRPC code and reason (missing_key, unknown_key, bytes_in_flight, ' +
        'malformed_body, too_many_points, rate_limited, log_unavailable, internal)',
      labelNames: ['code', 'reason'],
      registers,
    });
    this.bytesInFlight = new Gauge({
      name: 'strata_ingest_request_bytes_in_flight',
      help: 'Raw request bytes of admitted Write calls not yet answered (compare with strata_ingest_request_bytes_in_flight_limit)',
      registers,
    });
    this.bytesInFlightLimit = new Gauge({
      name: 'strata_ingest_request_bytes_in_flight_limit',
      help: 'STRATA_INGEST_MAX_INFLIGHT_BYTES: past it, Writes are refused RESOURCE_EXHAUSTED before they are decoded',
      registers,
    });
    this.rejectionsUnlisted = new Counter({
      name: 'strata_ingest_rejections_unlisted_total',
      help: 'Rejections answered only as a count per code, past STRATA_MAX_LISTED_REJECTIONS in one answer',
      labelNames: ['code'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'strata_ingest_request_duration_seconds',
      help: 'Write call latency, from receipt to reply',
      buckets: CALL_SECONDS_BUCKETS,
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
    this.seriesCacheLookups = new Counter({
      name: 'strata_ingest_series_cache_lookups_total',
      help: 'Series of accepted writes looked up in the admitted-series cache: hit (no Redis), refresh or miss (asked the registry)',
      labelNames: ['result'],
      registers,
    });
    this.seriesRegistryRoundTrips = new Counter({
      name: 'strata_ingest_series_registry_round_trips_total',
      help: 'Requests that asked the series registry in Redis, by result (ok, error: admitted unchecked)',
      labelNames: ['result'],
      registers,
    });
    this.seriesRegistrySeconds = new Histogram({
      name: 'strata_ingest_series_registry_duration_seconds',
      help: 'Series registry round trip latency, including timeouts',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.seriesAdmittedUnchecked = new Counter({
      name: 'strata_ingest_series_admitted_unchecked_total',
      help: 'New series admitted without the series limit check because the registry in Redis did not answer (within STRATA_SERIES_UNCHECKED_ALLOWANCE)',
      labelNames: ['tenant'],
      registers,
    });
    this.seriesRefusedUnverified = new Counter({
      name: 'strata_ingest_series_refused_unverified_total',
      help: 'New series refused SERIES_LIMIT_UNVERIFIED: the registry did not answer and the tenant had used its unchecked allowance',
      labelNames: ['tenant'],
      registers,
    });
    this.activeSeries = new Gauge({
      name: 'strata_ingest_tenant_active_series',
      help: 'Active series of a tenant as last reported by the series registry (compare with its limit)',
      labelNames: ['tenant'],
      registers,
    });
    this.cachedSeries = new Gauge({
      name: 'strata_ingest_series_cache_entries',
      help: 'Series held in this replica\'s admitted-series cache',
      registers,
    });
    this.preparationQueueDepth = new Gauge({
      name: 'strata_ingest_preparation_queue_depth',
      help: 'Large Write bodies waiting for a preparation worker (STRATA_INGEST_PREPARATION_WORKERS)',
      registers,
    });
    this.preparationSeconds = new Histogram({
      name: 'strata_ingest_preparation_duration_seconds',
      help: 'Time from queueing a large Write body to its decoded, validated and encoded result, waiting for a worker included',
      buckets: CALL_SECONDS_BUCKETS,
      registers,
    });
    this.remoteWriteRequests = new Counter({
      name: 'strata_ingest_remote_write_requests_total',
      help: 'Prometheus remote write requests (POST /api/v1/write) by HTTP status and protocol version',
      labelNames: ['status', 'version'],
      registers,
    });
    this.remoteWriteSeconds = new Histogram({
      name: 'strata_ingest_remote_write_duration_seconds',
      help: 'Prometheus remote write request latency, from its headers to the answer',
      buckets: CALL_SECONDS_BUCKETS,
      registers,
    });
    this.remoteWriteRefused = new Counter({
      name: 'strata_ingest_remote_write_refused_total',
      help:
        'What the remote write door did not store before validation, by code: samples of series without __name__, ' +
        'staleness markers, native histogram samples, exemplars (validation refusals are in strata_ingest_points_refused_total)',
      labelNames: ['tenant', 'code'],
      registers,
    });
    this.metadataWrites = new Counter({
      name: 'strata_ingest_metadata_writes_total',
      help: 'Writes of changed metric metadata (type, help, unit) to Redis, by result (ok, error: the sender sends it again)',
      labelNames: ['result'],
      registers,
    });
    this.metadataRefused = new Counter({
      name: 'strata_ingest_metadata_refused_total',
      help: 'Metric metadata entries not stored: past STRATA_METADATA_MAX_PER_TENANT (tenant_limit) or help/unit over 4,096 characters (too_long)',
      labelNames: ['tenant', 'reason'],
      registers,
    });
  }
}
