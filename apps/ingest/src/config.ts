import { DEFAULT_VALIDATION_LIMITS, readFutureGraceMs, readTenantOverrides, type ValidationLimits } from '@strata/model';
import { EnvReader, readApiKeys, readStandardConfig, type ApiKeyStore, type Env, type StandardConfig } from '@strata/runtime';
import { HOUR_MS, readRetentionEnv } from '@strata/storage';
import { readHotRedisEnv, type HotRedisConfig } from '@strata/storage/hot';
import { readKafkaEnv, type KafkaConfig, type LogCompression } from '@strata/stream';

export interface IngestLimits {
  /** Points in one Write call (all series). @default 100000 */
  readonly maxPointsPerRequest: number;
  /** Series in one Write call: every stored series carries a point, so the point limit is the natural bound. @default maxPointsPerRequest */
  readonly maxSeriesPerRequest: number;
  /** Labels in one Write call, all series together: bounds the objects a body decodes into. @default 250000 */
  readonly maxLabelsPerRequest: number;
  /** Largest Write message accepted, in bytes. @default 8 MiB */
  readonly maxRequestBytes: number;
  /** Sustained points per second per tenant. @default 1000000 */
  readonly tenantPointsPerSecond: number;
  /** Points a tenant may send in a burst above the sustained rate. @default 2 × the rate */
  readonly tenantBurstPoints: number;
  /** Rates of named tenants (STRATA_TENANT_POINTS_PER_SECOND_OVERRIDES), each with a burst of twice its rate, at least a full request. */
  readonly tenantPointsPerSecondOverrides: ReadonlyMap<string, number>;
}

/** What ingest admits before it decodes a body: docs/operations.md, "Ingest limits". */
export interface FrontDoorLimits {
  /** Raw request bytes being worked on at once in this process. @default 2 × maxRequestBytes (16 MiB) */
  readonly maxInFlightBytes: number;
  /**
   * Of maxInFlightBytes, what one tenant's requests may hold at once, so that one tenant's
   * large bodies leave room for everyone else's. @default half of maxInFlightBytes, and at least maxRequestBytes
   */
  readonly tenantMaxInFlightBytes: number;
  /**
   * Request bytes per second per tenant, valid or not, charged as each body arrives; a
   * tenant past it is refused before its next body is read. @default 32 MiB
   */
  readonly tenantBytesPerSecond: number;
  /** Byte rates of named tenants (STRATA_TENANT_BYTES_PER_SECOND_OVERRIDES). */
  readonly tenantBytesPerSecondOverrides: ReadonlyMap<string, number>;
  /** HTTP/2 streams (calls) one connection may have open at once. @default 32 */
  readonly maxConcurrentStreams: number;
  /** Rejections listed in full in one WriteResponse; the rest as a count per code. @default 100 */
  readonly maxListedRejections: number;
}

/**
 * Where Write bodies are decoded, validated and encoded: docs/write-path.md, "Large bodies
 * off the event loop".
 */
export interface PreparationConfig {
  /** Worker threads for large bodies; 0 prepares every body on the event loop. @default min(cores, 4) */
  readonly workers: number;
  /**
   * Bodies of at least this many bytes go to a worker. Smaller ones (a batch of 1,000
   * series of 5 points is about 110 KiB) stay on the event loop: they hold it for a few
   * milliseconds, and prepared in a worker they cost more CPU in all (the copy, the trip
   * back) and would wait behind another tenant's large bodies. @default 262144
   */
  readonly minBytes: number;
}

/** The active-series limit per tenant (docs/write-path.md, "Series per tenant"). */
export interface SeriesLimitConfig {
  /** Active series a tenant may have. @default 1000000 */
  readonly maxSeriesPerTenant: number;
  /** Overrides of maxSeriesPerTenant by tenant. */
  readonly tenantMaxSeries: ReadonlyMap<string, number>;
  /** A series stops counting this long after its last write. @default 26 h (the writer's hot retention) */
  readonly activeMs: number;
  /** Series each replica remembers as admitted. @default 250000 */
  readonly cacheSize: number;
  /** How long each registry call may take before its series count as unchecked. @default 500 */
  readonly registryTimeoutMs: number;
  /** Series per registry call: a large request makes several calls, one after another, each under the timeout. @default 5000 */
  readonly registryChunkSize: number;
  /** New series a tenant may have admitted unchecked per interval while the registry does not answer. @default 100 */
  readonly uncheckedAllowance: number;
  /** The interval of uncheckedAllowance. @default 60000 */
  readonly uncheckedIntervalMs: number;
}

export interface IngestConfig extends StandardConfig {
  readonly apiKeys: ApiKeyStore;
  readonly kafka: KafkaConfig;
  readonly producer: { readonly lingerMs: number; readonly maxBatchRecords: number; readonly compression: LogCompression };
  /**
   * One record per partition per Write rather than one per series (STRATA_LOG_BATCH_RECORDS,
   * docs/write-path.md "Batch records"); off only while writers older than batch records run.
   */
  readonly batchRecords: boolean;
  /**
   * A series' run of at least 8 points in time order goes to the log as one chunk
   * (STRATA_LOG_PACKED_POINTS, docs/write-path.md "Packed log records"), which the writer
   * stores as it is; off only while writers older than packed records run.
   */
  readonly packedPoints: boolean;
  readonly validation: ValidationLimits;
  /** Retention overrides by tenant, in ms; others use validation.retentionMs. */
  readonly tenantRetentionMs: ReadonlyMap<string, number>;
  readonly limits: IngestLimits;
  readonly frontDoor: FrontDoorLimits;
  readonly preparation: PreparationConfig;
  readonly seriesLimit: SeriesLimitConfig;
  /** Where the series registry lives: the hot tier's Redis. */
  readonly redis: HotRedisConfig;
  /** The HTTP API port: Prometheus remote write (`POST /api/v1/write`). @default 7101 */
  readonly httpApiPort: number;
  /** Metric families whose metadata (type, help, unit) is kept per tenant. @default 10000 */
  readonly metadataMaxPerTenant: number;
}

function readSeriesLimit(reader: EnvReader): SeriesLimitConfig {
  return {
    maxSeriesPerTenant: reader.int('STRATA_MAX_SERIES_PER_TENANT', 1_000_000, { min: 1 }),
    tenantMaxSeries: readTenantOverrides(reader, 'STRATA_TENANT_MAX_SERIES', { min: 1, unit: 'series' }),
    activeMs: reader.int('STRATA_SERIES_ACTIVE_HOURS', 26, { min: 1, max: 24 * 36_500 }) * HOUR_MS,
    cacheSize: reader.int('STRATA_SERIES_CACHE_SIZE', 250_000, { min: 0 }),
    registryTimeoutMs: reader.int('STRATA_SERIES_REGISTRY_TIMEOUT_MS', 500, { min: 1, max: 60_000 }),
    registryChunkSize: reader.int('STRATA_SERIES_REGISTRY_CHUNK', 5_000, { min: 1, max: 100_000 }),
    uncheckedAllowance: reader.int('STRATA_SERIES_UNCHECKED_ALLOWANCE', 100, { min: 0 }),
    uncheckedIntervalMs: reader.int('STRATA_SERIES_UNCHECKED_INTERVAL_MS', 60_000, { min: 1_000, max: 3_600_000 }),
  };
}

/** Series known to a replica are re-confirmed this often, well inside the active span. */
export function seriesRefreshMs(activeMs: number): number {
  return Math.min(HOUR_MS, activeMs / 4);
}

/** Parses and validates the ingest settings once; throws ConfigError naming every bad variable. */
export function loadIngestConfig(env: Env, host: { cores: number } = { cores: 1 }): IngestConfig {
  const reader = new EnvReader(env);
  const standard = readStandardConfig(reader, 'ingest', { grpcPort: 7001, opsPort: 9001 });
  const kafka = readKafkaEnv(reader, 'strata-ingest');
  const producer = {
    lingerMs: reader.int('STRATA_INGEST_LINGER_MS', 2, { min: 0, max: 1_000 }),
    maxBatchRecords: reader.int('STRATA_INGEST_MAX_BATCH_RECORDS', 2_000, { min: 1, max: 100_000 }),
    compression: reader.oneOf<LogCompression>('STRATA_KAFKA_COMPRESSION', ['none', 'gzip'], 'gzip'),
  };
  const batchRecords = reader.bool('STRATA_LOG_BATCH_RECORDS', true);
  const packedPoints = reader.bool('STRATA_LOG_PACKED_POINTS', true);
  const retention = readRetentionEnv(reader);
  const validation: ValidationLimits = {
    maxLabels: reader.int('STRATA_MAX_LABELS', DEFAULT_VALIDATION_LIMITS.maxLabels, { min: 0, max: 1_000 }),
    maxLabelNameLength: reader.int('STRATA_MAX_LABEL_NAME_LENGTH', DEFAULT_VALIDATION_LIMITS.maxLabelNameLength, { min: 1 }),
    maxLabelValueLength: reader.int('STRATA_MAX_LABEL_VALUE_LENGTH', DEFAULT_VALIDATION_LIMITS.maxLabelValueLength, { min: 1 }),
    futureGraceMs: readFutureGraceMs(reader),
    retentionMs: retention.defaultMs,
  };
  const tenantPointsPerSecond = reader.int('STRATA_TENANT_POINTS_PER_SECOND', 1_000_000, { min: 1 });
  const maxPointsPerRequest = reader.int('STRATA_MAX_POINTS_PER_REQUEST', 100_000, { min: 1 });
  const limits: IngestLimits = {
    maxPointsPerRequest,
    maxSeriesPerRequest: reader.int('STRATA_MAX_SERIES_PER_REQUEST', maxPointsPerRequest, { min: 1 }),
    maxLabelsPerRequest: reader.int('STRATA_MAX_LABELS_PER_REQUEST', 250_000, { min: 0 }),
    maxRequestBytes: reader.int('STRATA_MAX_REQUEST_BYTES', 8 * 1024 * 1024, { min: 1024, max: 1024 * 1024 * 1024 }),
    tenantPointsPerSecond,
    tenantBurstPoints: reader.int('STRATA_TENANT_BURST_POINTS', 2 * tenantPointsPerSecond, { min: 1 }),
    tenantPointsPerSecondOverrides: readTenantOverrides(reader, 'STRATA_TENANT_POINTS_PER_SECOND_OVERRIDES', { min: 1, unit: 'points' }),
  };
  const maxInFlightBytes = reader.int('STRATA_INGEST_MAX_INFLIGHT_BYTES', 2 * limits.maxRequestBytes, { min: 1024 });
  const frontDoor: FrontDoorLimits = {
    maxInFlightBytes,
    tenantMaxInFlightBytes: reader.int('STRATA_INGEST_TENANT_MAX_INFLIGHT_BYTES', Math.max(limits.maxRequestBytes, Math.floor(maxInFlightBytes / 2)), {
      min: 1024,
    }),
    tenantBytesPerSecond: reader.int('STRATA_TENANT_BYTES_PER_SECOND', 32 * 1024 * 1024, { min: 1024 }),
    tenantBytesPerSecondOverrides: readTenantOverrides(reader, 'STRATA_TENANT_BYTES_PER_SECOND_OVERRIDES', { min: 1024, unit: 'bytes' }),
    maxConcurrentStreams: reader.int('STRATA_GRPC_MAX_CONCURRENT_STREAMS', 32, { min: 1, max: 10_000 }),
    maxListedRejections: reader.int('STRATA_MAX_LISTED_REJECTIONS', 100, { min: 0, max: 100_000 }),
  };
  if (frontDoor.maxInFlightBytes < limits.maxRequestBytes) {
    reader.problem(
      `STRATA_INGEST_MAX_INFLIGHT_BYTES (${frontDoor.maxInFlightBytes}) must be at least STRATA_MAX_REQUEST_BYTES ` +
        `(${limits.maxRequestBytes}), or a request of the largest accepted size could never be admitted`,
    );
  } else if (frontDoor.tenantMaxInFlightBytes < limits.maxRequestBytes || frontDoor.tenantMaxInFlightBytes > frontDoor.maxInFlightBytes) {
    reader.problem(
      `STRATA_INGEST_TENANT_MAX_INFLIGHT_BYTES (${frontDoor.tenantMaxInFlightBytes}) must be from STRATA_MAX_REQUEST_BYTES ` +
        `(${limits.maxRequestBytes}) to STRATA_INGEST_MAX_INFLIGHT_BYTES (${frontDoor.maxInFlightBytes}): below, a tenant's largest ` +
        'request could never be admitted; above, it is no share',
    );
  }
  const preparation: PreparationConfig = {
    workers: reader.int('STRATA_INGEST_PREPARATION_WORKERS', Math.min(host.cores, 4), { min: 0, max: 64 }),
    minBytes: reader.int('STRATA_INGEST_PREPARATION_MIN_BYTES', 256 * 1024, { min: 0 }),
  };
  const seriesLimit = readSeriesLimit(reader);
  const redis = readHotRedisEnv(reader);
  if (limits.tenantBurstPoints < limits.maxPointsPerRequest) {
    reader.problem(
      `STRATA_TENANT_BURST_POINTS (${limits.tenantBurstPoints}) must be at least STRATA_MAX_POINTS_PER_REQUEST ` +
        `(${limits.maxPointsPerRequest}), or a full request could never pass the rate limit`,
    );
  }
  const apiKeys = readApiKeys(env, reader);
  const httpApiPort = reader.port('STRATA_HTTP_API_PORT', 7101);
  const metadataMaxPerTenant = reader.int('STRATA_METADATA_MAX_PER_TENANT', 10_000, { min: 0 });
  reader.finish();
  return {
    ...standard,
    httpApiPort,
    metadataMaxPerTenant,
    apiKeys,
    kafka,
    producer,
    batchRecords,
    packedPoints,
    validation,
    tenantRetentionMs: retention.byTenant,
    limits,
    frontDoor,
    preparation,
    seriesLimit,
    redis,
  };
}
