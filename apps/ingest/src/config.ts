import { DEFAULT_VALIDATION_LIMITS, type ValidationLimits } from '@strata/model';
import {
  ApiKeyStore,
  EnvReader,
  readServiceConfig,
  readTracingConfig,
  type Env,
  type ServiceConfig,
  type TracingConfig,
} from '@strata/runtime';
import { readKafkaEnv, type KafkaConfig, type LogCompression } from '@strata/stream';

const DAY_MS = 86_400_000;

export interface IngestLimits {
  /** Points in one Write call (all series). @default 100000 */
  readonly maxPointsPerRequest: number;
  /** Largest Write message accepted, in bytes. @default 8 MiB */
  readonly maxRequestBytes: number;
  /** Sustained points per second per tenant. @default 1000000 */
  readonly tenantPointsPerSecond: number;
  /** Points a tenant may send in a burst above the sustained rate. @default 2 × the rate */
  readonly tenantBurstPoints: number;
}

export interface IngestConfig {
  readonly service: ServiceConfig;
  readonly tracing: TracingConfig;
  readonly apiKeys: ApiKeyStore;
  readonly kafka: KafkaConfig;
  readonly producer: { readonly lingerMs: number; readonly maxBatchRecords: number; readonly compression: LogCompression };
  readonly validation: ValidationLimits;
  /** Retention overrides by tenant, in ms; others use validation.retentionMs. */
  readonly tenantRetentionMs: ReadonlyMap<string, number>;
  readonly limits: IngestLimits;
}

function readTenantRetention(reader: EnvReader): Map<string, number> {
  const overrides = new Map<string, number>();
  for (const entry of reader.list('STRATA_TENANT_RETENTION_DAYS', [])) {
    const [tenant, days] = entry.split(':');
    const parsed = Number(days);
    if (!tenant || !Number.isInteger(parsed) || parsed < 1) {
      reader.problem(`STRATA_TENANT_RETENTION_DAYS entry ${JSON.stringify(entry)} must be tenant:days with days >= 1`);
    } else {
      overrides.set(tenant, parsed * DAY_MS);
    }
  }
  return overrides;
}

/** Parses and validates the ingest settings once; throws ConfigError naming every bad variable. */
export function loadIngestConfig(env: Env): IngestConfig {
  const reader = new EnvReader(env);
  const service = readServiceConfig(reader, { grpcPort: 7001, opsPort: 9001 });
  const kafka = readKafkaEnv(reader, 'strata-ingest');
  const producer = {
    lingerMs: reader.int('STRATA_INGEST_LINGER_MS', 2, { min: 0, max: 1_000 }),
    maxBatchRecords: reader.int('STRATA_INGEST_MAX_BATCH_RECORDS', 2_000, { min: 1, max: 100_000 }),
    compression: reader.oneOf<LogCompression>('STRATA_KAFKA_COMPRESSION', ['none', 'gzip'], 'gzip'),
  };
  const validation: ValidationLimits = {
    maxLabels: reader.int('STRATA_MAX_LABELS', DEFAULT_VALIDATION_LIMITS.maxLabels, { min: 0, max: 1_000 }),
    maxLabelNameLength: reader.int('STRATA_MAX_LABEL_NAME_LENGTH', DEFAULT_VALIDATION_LIMITS.maxLabelNameLength, { min: 1 }),
    maxLabelValueLength: reader.int('STRATA_MAX_LABEL_VALUE_LENGTH', DEFAULT_VALIDATION_LIMITS.maxLabelValueLength, { min: 1 }),
    futureGraceMs: reader.int('STRATA_FUTURE_GRACE_MS', DEFAULT_VALIDATION_LIMITS.futureGraceMs, { min: 0 }),
    retentionMs: reader.int('STRATA_RETENTION_DAYS', 460, { min: 1, max: 36_500 }) * DAY_MS,
  };
  const tenantPointsPerSecond = reader.int('STRATA_TENANT_POINTS_PER_SECOND', 1_000_000, { min: 1 });
  const limits: IngestLimits = {
    maxPointsPerRequest: reader.int('STRATA_MAX_POINTS_PER_REQUEST', 100_000, { min: 1 }),
    maxRequestBytes: reader.int('STRATA_MAX_REQUEST_BYTES', 8 * 1024 * 1024, { min: 1024, max: 1024 * 1024 * 1024 }),
    tenantPointsPerSecond,
    tenantBurstPoints: reader.int('STRATA_TENANT_BURST_POINTS', 2 * tenantPointsPerSecond, { min: 1 }),
  };
  const tenantRetentionMs = readTenantRetention(reader);
  if (limits.tenantBurstPoints < limits.maxPointsPerRequest) {
    reader.problem(
      `STRATA_TENANT_BURST_POINTS (${limits.tenantBurstPoints}) must be at least STRATA_MAX_POINTS_PER_REQUEST ` +
        `(${limits.maxPointsPerRequest}), or a full request could never pass the rate limit`,
    );
  }
  const tracing = readTracingConfig(reader, 'ingest');
  reader.finish();
  return {
    service,
    tracing,
    apiKeys: ApiKeyStore.parse(env['STRATA_API_KEYS']),
    kafka,
    producer,
    validation,
    tenantRetentionMs,
    limits,
  };
}
