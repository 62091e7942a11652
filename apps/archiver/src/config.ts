import { EnvReader, readStandardConfig, type Env, type StandardConfig, type TracingConfig } from '@strata/runtime';
import { DAY_MS, HOUR_MS, type RetentionPolicy } from '@strata/storage';
import { parseDayIso, readColdEnv, type ColdS3Config } from '@strata/storage/cold';
import { readHotRedisEnv, type HotRedisConfig } from '@strata/storage/hot';
import { readWarmEnv, type WarmEnv } from '@strata/storage/warm';

export interface ArchiveSettings {
  /** Days a day stays in DynamoDB after it ends before it is archived. @default 14 */
  readonly warmSpanDays: number;
  /** Days back from today that a full sweep looks for chunks left to archive. @default 500 */
  readonly lookbackDays: number;
  /** The newest eligible days every run looks at (late points land there most). @default 7 */
  readonly recentDays: number;
  /** How often a run sweeps the whole lookback instead of the recent days. @default 24 h */
  readonly fullSweepIntervalMs: number;
  /**
   * Wait between writing a manifest and deleting what it replaced (chunks, old blocks):
   * longer than the reader's STRATA_COLD_MANIFEST_TTL_MS plus its tier timeout, so no
   * reader still trusts an older manifest when the data leaves DynamoDB. @default 120000
   */
  readonly deleteDelayMs: number;
  /** Worker threads building blocks; 0 builds on the main thread. @default min(cores, 4) */
  readonly workers: number;
  /** DynamoDB and S3 requests in flight at once. @default 16 */
  readonly concurrency: number;
  /** Aimed-for size of a day block; a tenant's day is split into 2^k shards to stay under it. @default 64 MiB */
  readonly blockTargetBytes: number;
  /** Build month rollup blocks for complete months. @default true */
  readonly compact: boolean;
}

export type ArchiverMode = { readonly kind: 'service' } | { readonly kind: 'once' } | { readonly kind: 'day'; readonly day: number };

export interface ArchiverConfig extends StandardConfig {
  /** Service mode only: one-shot runs (--once, --day) export no spans. */
  readonly tracing: TracingConfig;
  /** The warm tier's settings, as the writers read them (their day-index shards are the ones Queried). */
  readonly dynamodb: WarmEnv;
  readonly s3: ColdS3Config;
  /** The hot tier's Redis, where tenant-days with no chunk left in DynamoDB are marked for readers. */
  readonly redis: HotRedisConfig;
  readonly archive: ArchiveSettings;
  /** Between the end of one scheduled run and the start of the next. @default 1 h */
  readonly intervalMs: number;
  readonly mode: ArchiverMode;
  /** STRATA_RETENTION_DAYS / STRATA_TENANT_RETENTION_DAYS (as ingest): cold days past it are deleted. */
  readonly retention: RetentionPolicy;
  /**
   * Fault injection for tests: the process kills itself (SIGKILL) right after this many
   * S3 PUTs succeeded. Unset in production.
   */
  readonly faultKillAfterPuts?: number;
}

/** `--once`, `--day YYYY-MM-DD`, or nothing (the service). */
export function parseMode(argv: readonly string[], reader: EnvReader): ArchiverMode {
  const dayIndex = argv.indexOf('--day');
  if (dayIndex >= 0) {
    const raw = argv[dayIndex + 1] ?? '';
    const day = parseDayIso(raw);
    if (day === undefined) {
      reader.problem(`--day ${JSON.stringify(raw)} is not a calendar day as YYYY-MM-DD (UTC)`);
      return { kind: 'once' };
    }
    return { kind: 'day', day };
  }
  return argv.includes('--once') ? { kind: 'once' } : { kind: 'service' };
}

/** Parses and validates the archiver settings once; throws ConfigError naming every bad variable. */
export function loadArchiverConfig(env: Env, argv: readonly string[] = [], host: { cores: number } = { cores: 1 }): ArchiverConfig {
  const reader = new EnvReader(env);
  const standard = readStandardConfig(reader, 'archiver', { grpcPort: 7004, opsPort: 9004 });
  const warm = readWarmEnv(reader);
  const { warmSpanDays } = warm;
  const lookbackDays = reader.int('STRATA_ARCHIVE_LOOKBACK_DAYS', 500, { min: 1, max: 10_000 });
  if (lookbackDays <= warmSpanDays) reader.problem(`STRATA_ARCHIVE_LOOKBACK_DAYS=${lookbackDays} must be more than STRATA_WARM_SPAN_DAYS=${warmSpanDays}`);
  const cold = readColdEnv(reader);
  const kill = reader.int('STRATA_ARCHIVE_FAULT_KILL_AFTER_PUTS', 0, { min: 0 });
  const config: ArchiverConfig = {
    ...standard,
    dynamodb: warm,
    s3: cold.s3,
    redis: readHotRedisEnv(reader),
    archive: {
      warmSpanDays,
      lookbackDays,
      recentDays: reader.int('STRATA_ARCHIVE_RECENT_DAYS', 7, { min: 1, max: 10_000 }),
      fullSweepIntervalMs: reader.int('STRATA_ARCHIVE_FULL_SWEEP_INTERVAL_MS', DAY_MS, { min: 60_000 }),
      deleteDelayMs: reader.int('STRATA_ARCHIVE_DELETE_DELAY_MS', 120_000, { min: 0, max: DAY_MS }),
      workers: reader.int('STRATA_ARCHIVE_WORKERS', Math.min(host.cores, 4), { min: 0, max: 64 }),
      concurrency: reader.int('STRATA_ARCHIVE_CONCURRENCY', 16, { min: 1, max: 1_024 }),
      blockTargetBytes: reader.int('STRATA_ARCHIVE_BLOCK_TARGET_BYTES', 64 * 1024 * 1024, { min: 64 * 1024, max: 4 * 1024 * 1024 * 1024 }),
      compact: reader.bool('STRATA_ARCHIVE_COMPACT', true),
    },
    intervalMs: reader.int('STRATA_ARCHIVE_INTERVAL_MS', HOUR_MS, { min: 1_000, max: 7 * DAY_MS }),
    mode: parseMode(argv, reader),
    retention: cold.retention,
    ...(kill > 0 && { faultKillAfterPuts: kill }),
  };
  reader.finish();
  return config;
}
