import { EnvReader, readStandardConfig, type Env, type StandardConfig } from '@strata/runtime';
import { HOUR_MS } from '@strata/storage';
import { readHotEnv, type HotEnv } from '@strata/storage/hot';
import { readWarmEnv, type WarmEnv } from '@strata/storage/warm';
import { readKafkaEnv, type KafkaConfig } from '@strata/stream';

/** `redis`, `windowMs` and `hotRetentionMs` come from the hot tier's settings, as the reader reads them. */
export interface WriterConfig extends HotEnv, StandardConfig {
  readonly kafka: KafkaConfig;
  /** @default strata-writer */
  readonly groupId: string;
  /** The warm tier's settings (as the archiver reads them), and the writer's day-index cache. */
  readonly dynamodb: WarmEnv & {
    /** Series whose newest day-index entry is remembered, so it is written once a day. @default 1000000 */
    readonly dayIndexCacheSeries: number;
  };
  /** Wait after a window ends before sealing it, for late points. @default 5 min */
  readonly sealGraceMs: number;
  /** @default 1000 */
  readonly sealIntervalMs: number;
  /** Windows sealed per partition per round. @default 500 */
  readonly sealBatch: number;
  /** Series whose index entry is remembered; older ones are passivated. @default 100000 */
  readonly seriesCacheSize: number;
  /**
   * STRATA_WRITER_FETCH_PARTITION_BYTES: most bytes of one partition per Kafka fetch
   * (PointLogConsumerOptions.maxBytesPerPartition). @default 256 KiB
   */
  readonly fetchPartitionBytes: number;
  /** How the writer keeps the hot tier whole (docs/write-path.md, "Rebuilding the hot tier"). */
  readonly recovery: {
    /** How often Redis is checked for lost data. @default 1000 */
    readonly checkIntervalMs: number;
    /** How often rebuild checkpoints are taken (written only when they move). @default 10000 */
    readonly checkpointIntervalMs: number;
    /** The writer refuses a topic that keeps records for less. @default 48 h, and at least a window + seal grace + 1 h */
    readonly minLogRetentionMs: number;
  };
  /** Rebuild mode: replay the log from this time in a separate consumer group, then exit. */
  readonly replayFromMs?: number;
  /**
   * STRATA_REDIS_DIRECT_APPENDS: appends to a single Redis node go as RESP bytes on a
   * connection of their own (HotStoreOptions.directAppends); false sends them through ioredis,
   * for a proxy in front of Redis that refuses SCRIPT LOAD or EVALSHA. @default true
   */
  readonly directAppends: boolean;
  /**
   * STRATA_RESEAL_DELAY_MS: a window past its due time that gets points is sealed this long
   * after the first of them (HotStoreOptions.resealDelayMs), once for all that arrive
   * meanwhile. @default 30 s
   */
  readonly resealDelayMs: number;
  /**
   * STRATA_HOT_RECORD_FIELDS: a record's packed field in Redis as the record kind
   * (HotStoreOptions.recordFields); false writes the kind that releases before it read, for a
   * rolling upgrade from one (docs/operations.md). @default true
   */
  readonly recordFields: boolean;
}

/** `--replay-from <ISO time | epoch ms>` from the command line, or undefined. */
export function parseReplayFrom(argv: readonly string[], reader: EnvReader): number | undefined {
  const index = argv.indexOf('--replay-from');
  if (index < 0) return undefined;
  const raw = argv[index + 1];
  const parsed = raw === undefined ? NaN : /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(parsed)) {
    reader.problem(`--replay-from ${JSON.stringify(raw ?? '')} is neither an ISO 8601 time nor epoch milliseconds`);
    return undefined;
  }
  return parsed;
}

/** Parses and validates the writer settings once; throws ConfigError naming every bad variable. */
export function loadWriterConfig(env: Env, argv: readonly string[] = []): WriterConfig {
  const reader = new EnvReader(env);
  const standard = readStandardConfig(reader, 'writer', { grpcPort: 7003, opsPort: 9003 });
  const hot = readHotEnv(reader);
  const config: WriterConfig = {
    ...standard,
    kafka: readKafkaEnv(reader, 'strata-writer'),
    groupId: reader.string('STRATA_WRITER_GROUP_ID', 'strata-writer'),
    ...hot,
    dynamodb: {
      // warmSpanDays is the archiver's: the writer trusts the day-index entries it remembers
      // for that many recent days, as the archiver takes (and clears) only older days.
      ...readWarmEnv(reader),
      dayIndexCacheSeries: reader.int('STRATA_DAY_INDEX_CACHE_SERIES', 1_000_000, { min: 0 }),
    },
    sealIntervalMs: reader.int('STRATA_SEAL_INTERVAL_MS', 1_000, { min: 10, max: 600_000 }),
    sealBatch: reader.int('STRATA_SEAL_BATCH', 500, { min: 1, max: 100_000 }),
    seriesCacheSize: reader.int('STRATA_WRITER_SERIES_CACHE', 100_000, { min: 0 }),
    fetchPartitionBytes: reader.int('STRATA_WRITER_FETCH_PARTITION_BYTES', 256 * 1024, { min: 1024, max: 64 * 1024 * 1024 }),
    recovery: {
      checkIntervalMs: reader.int('STRATA_HOT_CHECK_INTERVAL_MS', 1_000, { min: 50, max: 60_000 }),
      checkpointIntervalMs: reader.int('STRATA_REBUILD_CHECKPOINT_INTERVAL_MS', 10_000, { min: 100, max: 600_000 }),
      minLogRetentionMs: reader.int('STRATA_MIN_LOG_RETENTION_HOURS', 48, { min: 1, max: 24 * 36_500 }) * HOUR_MS,
    },
    replayFromMs: parseReplayFrom(argv, reader),
    directAppends: reader.bool('STRATA_REDIS_DIRECT_APPENDS', true),
    resealDelayMs: reader.int('STRATA_RESEAL_DELAY_MS', 30_000, { min: 0, max: 600_000 }),
    recordFields: reader.bool('STRATA_HOT_RECORD_FIELDS', true),
  };
  const needed = hot.windowMs + config.sealGraceMs + HOUR_MS;
  if (config.recovery.minLogRetentionMs < needed) {
    reader.problem(
      `STRATA_MIN_LOG_RETENTION_HOURS=${config.recovery.minLogRetentionMs / HOUR_MS} is less than a window plus the seal grace plus an hour ` +
        `(${Math.ceil(needed / HOUR_MS)} h): records would leave the log before their points are durable in DynamoDB`,
    );
  }
  reader.finish();
  return config;
}
