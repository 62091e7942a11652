import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AdmissionMetrics } from './read-limits';

// Fine around 20 ms: the latency a one-series, one-day read is held to.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * What an operator asks of the reader: how many reads and how fast (overall and per
 * tier), how much data they move, when a tier fails and the answer is partial, and
 * whether decoding keeps up. There is no cache, so there is no hit-rate metric.
 */
export class ReaderMetrics {
  readonly requests: Counter<'rpc' | 'code'>;
  readonly remoteReadRequests: Counter<'status'>;
  readonly prometheusApiRequests: Counter<'endpoint' | 'status'>;
  readonly requestSeconds: Histogram<'rpc'>;
  readonly inFlightReads: Gauge;
  readonly seriesPerRead: Histogram;
  readonly tierSeconds: Histogram<'tier' | 'result'>;
  readonly tierFailures: Counter<'tier' | 'kind'>;
  readonly pointsRead: Counter<'tier'>;
  readonly pointsReturned: Counter<'tenant'>;
  readonly warnings: Counter<'tier'>;
  readonly chunksDecoded: Counter<'where'>;
  readonly decodeQueueDepth: Gauge;
  readonly decodeTaskSeconds: Histogram;
  readonly decodeRejected: Counter;
  readonly coldRequests: Counter<'kind'>;
  readonly coldBytes: Counter<'kind'>;
  readonly coldCache: Counter<'kind' | 'result'>;
  readonly warmPruning: Counter<'result'>;
  readonly warmCache: Counter<'result'>;
  readonly limitRefusals: Counter<'kind' | 'reason'>;
  readonly queuedWork: Gauge<'tenant'>;
  readonly runningWork: Gauge<'tenant'>;
  readonly queueSeconds: Histogram<'kind'>;
  readonly listingSeconds: Histogram<'result'>;
  readonly listingNames: Histogram;
  readonly hotTierRebuilding: Gauge;

  /** The read limiter's share of these metrics. */
  get admission(): AdmissionMetrics {
    return { refusals: this.limitRefusals, queued: this.queuedWork, running: this.runningWork, queueSeconds: this.queueSeconds };
  }

  constructor(registry: Registry) {
    const registers = [registry];
    this.prometheusApiRequests = new Counter({
      name: 'strata_reader_prometheus_api_requests_total',
      help: 'Prometheus HTTP API requests (series, labels, label_values) by endpoint and HTTP status',
      labelNames: ['endpoint', 'status'],
      registers,
    });
    this.remoteReadRequests = new Counter({
      name: 'strata_reader_remote_read_requests_total',
      help: 'Prometheus remote read requests (POST /api/v1/read) by HTTP status',
      labelNames: ['status'],
      registers: [registry],
    });
    this.limitRefusals = new Counter({
      name: 'strata_reader_limit_refusals_total',
      help: 'Reads and listings refused or stopped by a read limit, by kind (read, list) and reason (cost: estimate above the ceiling; queue_full; timeout; points; list_results; list_cpu)',
      labelNames: ['kind', 'reason'],
      registers,
    });
    this.queuedWork = new Gauge({
      name: 'strata_reader_queued_work',
      help: 'Reads and listings waiting for a slot, per tenant (STRATA_READ_TENANT_CONCURRENCY, STRATA_READ_GLOBAL_CONCURRENCY)',
      labelNames: ['tenant'],
      registers,
    });
    this.runningWork = new Gauge({ name: 'strata_reader_running_work', help: 'Reads and listings running, per tenant', labelNames: ['tenant'], registers });
    this.queueSeconds = new Histogram({
      name: 'strata_reader_queue_wait_seconds',
      help: 'Time reads and listings waited for a slot before running (only those that waited)',
      labelNames: ['kind'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.listingSeconds = new Histogram({
      name: 'strata_reader_listing_duration_seconds',
      help: 'ListSeries scans from admission to answer, by result (ok, or the limit that stopped it)',
      labelNames: ['result'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.listingNames = new Histogram({
      name: 'strata_reader_listing_scanned_names',
      help: 'Series one listing (ListSeries, a selection by matchers, label names or values) may touch, as the label index estimated it before admission',
      buckets: [10, 100, 1_000, 10_000, 100_000, 1_000_000],
      registers,
    });
    this.hotTierRebuilding = new Gauge({
      name: 'strata_reader_hot_tier_rebuilding',
      help: '1 while the hot tier state (h:{state}) says Redis is being rebuilt from the log, as this reader last read it; reads of the hot span carry a warning',
      registers,
    });
    this.warmPruning = new Counter({
      name: 'strata_reader_warm_pruning_total',
      help: 'Reads of archived days only, by whether their DynamoDB Query was skipped (skipped: no chunk left there; queried: a day is not archived or has late chunks; error: the lookup failed)',
      labelNames: ['result'],
      registers,
    });
    this.warmCache = new Counter({
      name: 'strata_reader_warm_cache_total',
      help: 'Warm-tier reads of one series by how the cache answered (hit: from memory, the ledger unchanged; miss: DynamoDB queried and kept; bypass: the ledger could not be read, DynamoDB queried; wide: the range spans too many windows to keep, DynamoDB queried)',
      labelNames: ['result'],
      registers,
    });
    this.coldRequests = new Counter({
      name: 'strata_reader_cold_requests_total',
      help: 'S3 requests of the cold tier by kind (catalog, list, manifest, index, range, block: a small block read whole)',
      labelNames: ['kind'],
      registers,
    });
    this.coldBytes = new Counter({ name: 'strata_reader_cold_bytes_total', help: 'Bytes read from S3 by kind', labelNames: ['kind'], registers });
    this.coldCache = new Counter({
      name: 'strata_reader_cold_cache_lookups_total',
      help: 'Manifest and block-index cache lookups by result (hit, miss)',
      labelNames: ['kind', 'result'],
      registers,
    });
    this.requests = new Counter({
      name: 'strata_reader_requests_total',
      help: 'QueryService calls by RPC and gRPC status code',
      labelNames: ['rpc', 'code'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'strata_reader_request_duration_seconds',
      help: 'QueryService call latency, from receipt to the last message (Read) or the reply (ListSeries)',
      labelNames: ['rpc'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.inFlightReads = new Gauge({ name: 'strata_reader_in_flight_reads', help: 'Read calls being served', registers });
    this.seriesPerRead = new Histogram({
      name: 'strata_reader_read_series',
      help: 'Series selected per Read call',
      buckets: [1, 2, 5, 10, 50, 100, 500, 1000, 5000],
      registers,
    });
    this.tierSeconds = new Histogram({
      name: 'strata_reader_tier_fetch_duration_seconds',
      help: 'Latency of fetching one series from one tier (before decoding)',
      labelNames: ['tier', 'result'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.tierFailures = new Counter({
      name: 'strata_reader_tier_failures_total',
      help: 'Series fetches that failed, by tier and kind (error, timeout, corrupt chunk)',
      labelNames: ['tier', 'kind'],
      registers,
    });
    this.pointsRead = new Counter({
      name: 'strata_reader_points_read_total',
      help: 'Raw points read from each tier, before merging (points held by two tiers count twice)',
      labelNames: ['tier'],
      registers,
    });
    this.pointsReturned = new Counter({
      name: 'strata_reader_points_returned_total',
      help: 'Points sent to clients (after rollup)',
      labelNames: ['tenant'],
      registers,
    });
    this.warnings = new Counter({
      name: 'strata_reader_warnings_total',
      help: 'Warnings sent with Read responses (a partial answer), by the tier that failed',
      labelNames: ['tier'],
      registers,
    });
    this.chunksDecoded = new Counter({
      name: 'strata_reader_chunks_decoded_total',
      help: 'Chunks decoded, inline on the event loop or in a worker thread',
      labelNames: ['where'],
      registers,
    });
    this.decodeQueueDepth = new Gauge({
      name: 'strata_reader_decode_queue_depth',
      help: 'Decode tasks waiting for a worker thread',
      registers,
    });
    this.decodeTaskSeconds = new Histogram({
      name: 'strata_reader_decode_task_duration_seconds',
      help: 'Time from queueing a decode task to its result, worker threads only',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.decodeRejected = new Counter({
      name: 'strata_reader_decode_rejected_total',
      help: 'Decode tasks refused because the queue was full (the Read failed RESOURCE_EXHAUSTED)',
      registers,
    });
  }
}
