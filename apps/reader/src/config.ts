import { EnvReader, readApiKeys, readStandardConfig, type ApiKeyStore, type Env, type StandardConfig } from '@strata/runtime';
import { MAX_GLOB_LENGTH, readFutureGraceMs, readTenantOverrides } from '@strata/model';
import { DAY_MS, HOUR_MS, type RetentionPolicy } from '@strata/storage';
import { readColdEnv, type ColdS3Config } from '@strata/storage/cold';
import { readHotEnv, type HotEnv } from '@strata/storage/hot';
import { readWarmEnv, type WarmEnv } from '@strata/storage/warm';

import type { AdmissionLimits } from './read-limits';
import type { ListLimits } from './series-lister';
import type { PromqlLimits } from './promql-queries';

export interface ReadLimits {
  /** Selectors in one Read. @default 1000 */
  readonly maxSeriesPerRequest: number;
  /** Widest `to_ms - from_ms` of one Read. @default 500 days (above the 460-day retention) */
  readonly maxRangeMs: number;
  /**
   * Raw points one Read may decode, over all its series and tiers, counted from chunk
   * headers before decoding. @default 5000000
   */
  readonly maxPointsPerRequest: number;
  /**
   * Raw points the pre-fetch estimate assumes per series per day of range (read-cost.ts):
   * the 1-minute resolution of the retention. @default 1440
   */
  readonly pointsPerSeriesDay: number;
  /** Points in one ReadResponse message; larger results are split. @default 10000 */
  readonly maxPointsPerMessage: number;
  /** Series one ListSeries may return. @default 10000 */
  readonly maxListSeries: number;
}

export interface DecodeConfig {
  /** Worker threads that decode chunks; 0 decodes everything inline. @default min(cores, 4) */
  readonly workers: number;
  /** Decode tasks waiting for a worker before new ones are refused. @default 256 */
  readonly maxQueue: number;
  /** A series read with at most this many chunks decodes inline. @default 64 */
  readonly inlineMaxChunks: number;
}

export interface ColdConfig {
  readonly s3: ColdS3Config;
  /**
   * How long a manifest (or its absence) is trusted. The archiver waits longer than this plus
   * STRATA_READ_TIER_TIMEOUT_MS (STRATA_ARCHIVE_DELETE_DELAY_MS) before deleting what a new
   * manifest replaced. @default 30000
   */
  readonly manifestTtlMs: number;
  /** Bytes of block indexes kept in memory (an LRU). @default 64 MiB */
  readonly indexCacheBytes: number;
  /** Bytes of fetched series sections kept in memory (an LRU; 0 turns it off). @default 64 MiB */
  readonly sectionCacheBytes: number;
  /** Bytes of neighbouring sections a missed section's range GET takes along (ColdReaderOptions.sectionReadAheadBytes). @default 256 KiB */
  readonly sectionReadAheadBytes: number;
  /** S3 requests in flight at once over all reads. @default 64 */
  readonly concurrency: number;
}

/** `redis`, `windowMs` and `hotRetentionMs` come from the hot tier's settings, as the writer reads them. */
export interface ReaderConfig extends HotEnv, StandardConfig {
  readonly apiKeys: ApiKeyStore;
  /** The HTTP API port: Prometheus remote read (`POST /api/v1/read`). @default 7102 */
  readonly httpApiPort: number;
  readonly dynamodb: WarmEnv;
  /** How far ahead of the clock ingest accepts timestamps; must equal ingest's. @default 10 min */
  readonly futureGraceMs: number;
  /** Series (of one Read) fetched at the same time. @default 32 */
  readonly concurrency: number;
  /**
   * Redis commands of one tenant's reads in flight at once (3 per hot window of a series);
   * more wait for the tenant's own (tier-sources.ts). @default 10000
   */
  readonly tenantHotCommands: number;
  /** Longest wait for one tier's answer for one series. @default 10000 */
  readonly tierTimeoutMs: number;
  /** Bytes of DynamoDB chunks kept in memory, checked against the late-write ledger (warm-cache.ts); 0 turns it off. @default 64 MiB */
  readonly warmCacheBytes: number;
  /** The label index of tenants read lately, kept up to date in the background (label-index.ts, docs/label-index.md). */
  readonly indexFollow: { readonly everyMs: number; readonly idleMs: number; readonly tenants: number };
  readonly limits: ReadLimits;
  /** Admission of Reads and listings: fairness, cost ceilings, time limits (docs/operations.md, "Read limits"). */
  readonly admission: AdmissionLimits;
  /** PromQL: samples, time and lookback (docs/promql.md); evaluation's worker threads (0: on the event loop) and their queue. */
  readonly promql: PromqlLimits & { readonly workers: number; readonly maxQueue: number };
  /** ListSeries bounds besides its result count (limits.maxListSeries). */
  readonly listing: Omit<ListLimits, 'maxResults'>;
  /** How long one reading of the hot tier's rebuild state (h:{state}) is trusted. @default 1000 */
  readonly hotStateTtlMs: number;
  readonly decode: DecodeConfig;
  /** The cold tier (S3); undefined when STRATA_COLD_ENABLED=false. */
  readonly cold?: ColdConfig;
  /** STRATA_RETENTION_DAYS / STRATA_TENANT_RETENTION_DAYS (as ingest): older points are never returned. */
  readonly retention: RetentionPolicy;
}

/**
 * STRATA_READ_TENANT_POINTS_PER_SECOND's default: above what one reader process decodes
 * on two cores, so one tenant alone may use the whole reader until an operator sets the
 * rate to a share of it (docs/operations.md).
 */
export const DEFAULT_TENANT_POINTS_PER_SECOND = 10_000_000;

/**
 * Parses and validates the reader settings once; throws ConfigError naming every bad
 * variable. Window, retention and grace settings share their names with the writer and
 * ingest, so one value in the environment (or the chart) configures all of them.
 */
export function loadReaderConfig(env: Env, host: { cores: number } = { cores: 1 }): ReaderConfig {
  const reader = new EnvReader(env);
  const standard = readStandardConfig(reader, 'reader', { grpcPort: 7002, opsPort: 9002 });
  const hot = readHotEnv(reader);
  const coldEnabled = reader.bool('STRATA_COLD_ENABLED', true);
  const coldEnv = readColdEnv(reader);
  const cold: ColdConfig = {
    s3: coldEnv.s3,
    manifestTtlMs: reader.int('STRATA_COLD_MANIFEST_TTL_MS', 30_000, { min: 0, max: HOUR_MS }),
    indexCacheBytes: reader.int('STRATA_COLD_INDEX_CACHE_BYTES', 64 * 1024 * 1024, { min: 0 }),
    sectionCacheBytes: reader.int('STRATA_COLD_SECTION_CACHE_BYTES', 64 * 1024 * 1024, { min: 0 }),
    sectionReadAheadBytes: reader.int('STRATA_COLD_READ_AHEAD_BYTES', 256 * 1024, { min: 0, max: 64 * 1024 * 1024 }),
    concurrency: reader.int('STRATA_COLD_S3_CONCURRENCY', 64, { min: 1, max: 4_096 }),
  };
  const config: Omit<ReaderConfig, 'apiKeys' | 'httpApiPort'> = {
    ...standard,
    ...hot,
    dynamodb: readWarmEnv(reader),
    futureGraceMs: readFutureGraceMs(reader),
    concurrency: reader.int('STRATA_READ_CONCURRENCY', 32, { min: 1, max: 1_024 }),
    tenantHotCommands: reader.int('STRATA_READ_TENANT_HOT_COMMANDS', 10_000, { min: 1, max: 10_000_000 }),
    tierTimeoutMs: reader.int('STRATA_READ_TIER_TIMEOUT_MS', 10_000, { min: 100, max: 600_000 }),
    warmCacheBytes: reader.int('STRATA_READ_WARM_CACHE_BYTES', 64 * 1024 * 1024, { min: 0, max: 64 * 1024 * 1024 * 1024 }),
    indexFollow: {
      everyMs: reader.int('STRATA_INDEX_FOLLOW_MS', 250, { min: 0, max: 60_000 }),
      idleMs: reader.int('STRATA_INDEX_FOLLOW_IDLE_MS', 300_000, { min: 1_000, max: 86_400_000 }),
      tenants: reader.int('STRATA_INDEX_FOLLOW_TENANTS', 100, { min: 1, max: 100_000 }),
    },
    limits: {
      maxSeriesPerRequest: reader.int('STRATA_READ_MAX_SERIES', 1_000, { min: 1, max: 1_000_000 }),
      maxRangeMs: reader.int('STRATA_READ_MAX_RANGE_MS', 500 * DAY_MS, { min: HOUR_MS }),
      maxPointsPerRequest: reader.int('STRATA_READ_MAX_POINTS', 5_000_000, { min: 1 }),
      pointsPerSeriesDay: reader.int('STRATA_READ_POINTS_PER_SERIES_DAY', 1_440, { min: 1, max: DAY_MS }),
      maxPointsPerMessage: reader.int('STRATA_READ_MAX_POINTS_PER_MESSAGE', 10_000, { min: 1, max: 100_000 }),
      maxListSeries: reader.int('STRATA_LIST_MAX_SERIES', 10_000, { min: 1, max: 1_000_000 }),
    },
    admission: {
      perTenantConcurrency: reader.int('STRATA_READ_TENANT_CONCURRENCY', 4, { min: 1, max: 1_024 }),
      globalConcurrency: reader.int('STRATA_READ_GLOBAL_CONCURRENCY', 64, { min: 1, max: 10_000 }),
      perTenantQueue: reader.int('STRATA_READ_TENANT_QUEUE', 32, { min: 0, max: 100_000 }),
      tenantPointsPerSecond: reader.int('STRATA_READ_TENANT_POINTS_PER_SECOND', DEFAULT_TENANT_POINTS_PER_SECOND, { min: 1_000 }),
      tenantPointsPerSecondOverrides: readTenantOverrides(reader, 'STRATA_READ_TENANT_POINTS_PER_SECOND_OVERRIDES', { min: 1_000, unit: 'points' }),
      maxCost: {
        read: { units: reader.int('STRATA_READ_MAX_REQUESTS', 100_000, { min: 1 }), setting: 'STRATA_READ_MAX_REQUESTS', unit: 'storage requests' },
        list: { units: reader.int('STRATA_LIST_MAX_SCANNED', 1_000_000, { min: 1 }), setting: 'STRATA_LIST_MAX_SCANNED', unit: 'series to select from' },
      },
      timeoutMs: {
        read: { ms: reader.int('STRATA_READ_TIMEOUT_MS', 60_000, { min: 100, max: 3_600_000 }), setting: 'STRATA_READ_TIMEOUT_MS' },
        list: { ms: reader.int('STRATA_LIST_TIMEOUT_MS', 10_000, { min: 100, max: 600_000 }), setting: 'STRATA_LIST_TIMEOUT_MS' },
      },
    },
    promql: {
      maxSamples: reader.int('STRATA_PROMQL_MAX_SAMPLES', 50_000_000, { min: 1 }),
      timeoutMs: reader.int('STRATA_PROMQL_TIMEOUT_MS', 120_000, { min: 100, max: 3_600_000 }),
      lookbackMs: reader.int('STRATA_PROMQL_LOOKBACK_MS', 300_000, { min: 1_000, max: 86_400_000 }),
      workers: reader.int('STRATA_PROMQL_WORKERS', Math.min(host.cores, 4), { min: 0, max: 64 }),
      maxQueue: reader.int('STRATA_PROMQL_QUEUE', 64, { min: 1, max: 100_000 }),
      inlineMaxSamples: reader.int('STRATA_PROMQL_INLINE_MAX_SAMPLES', 10_000, { min: 0, max: 10_000_000 }),
    },
    listing: {
      maxPatternLength: reader.int('STRATA_LIST_MAX_PATTERN_LENGTH', 256, { min: 1, max: MAX_GLOB_LENGTH }),
      cpuMs: reader.int('STRATA_LIST_CPU_MS', 1_000, { min: 1, max: 600_000 }),
      sliceMs: reader.int('STRATA_LIST_SLICE_MS', 5, { min: 1, max: 1_000 }),
      maxLabelValues: reader.int('STRATA_LIST_MAX_LABEL_VALUES', 1_000_000, { min: 1 }),
    },
    hotStateTtlMs: reader.int('STRATA_HOT_STATE_TTL_MS', 1_000, { min: 0, max: 60_000 }),
    decode: {
      workers: reader.int('STRATA_DECODE_WORKERS', Math.min(host.cores, 4), { min: 0, max: 64 }),
      maxQueue: reader.int('STRATA_DECODE_QUEUE', 256, { min: 1, max: 100_000 }),
      inlineMaxChunks: reader.int('STRATA_DECODE_INLINE_MAX_CHUNKS', 64, { min: 0 }),
    },
    ...(coldEnabled && { cold }),
    retention: coldEnv.retention,
  };
  const apiKeys = readApiKeys(env, reader);
  const httpApiPort = reader.port('STRATA_HTTP_API_PORT', 7102);
  reader.finish();
  return { ...config, apiKeys, httpApiPort };
}
