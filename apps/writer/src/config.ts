import {
  EnvReader,
  readServiceConfig,
  readTracingConfig,
  type Env,
  type ServiceConfig,
  type TracingConfig,
} from '@strata/runtime';
import { readWindowMsEnv, readHotRedisEnv, type HotRedisConfig } from '@strata/storage/hot';
import { DAY_INDEX } from '@strata/storage/warm';
import { readKafkaEnv, type KafkaConfig } from '@strata/stream';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface WriterConfig {
  readonly service: ServiceConfig;
  readonly kafka: KafkaConfig;
  /** @default strata-writer */
  readonly groupId: string;
  readonly redis: HotRedisConfig;
  readonly dynamodb: {
    readonly endpoint?: string;
    readonly region: string;
    readonly table: string;
    /** Day-index partitions per day (docs/cold-format.md); the archiver's must not be smaller. @default 64 */
    readonly dayIndexShards: number;
    /** Series whose newest day-index entry is remembered, so it is written once a day. @default 1000000 */
    readonly dayIndexCacheSeries: number;
    /** STRATA_WARM_SPAN_DAYS, as the archiver reads it. */
    readonly warmSpanDays: number;
  };
  /** Window length; divides a day. @default 2 h */
  readonly windowMs: number;
  /** Wait after a window ends before sealing it, for late points. @default 5 min */
  readonly sealGraceMs: number;
  /** How long sealed windows stay in Redis after their end. @default 26 h */
  readonly hotRetentionMs: number;
  /** @default 1000 */
  readonly sealIntervalMs: number;
  /** Windows sealed per partition per round. @default 500 */
  readonly sealBatch: number;
  /** Series whose index entry is remembered; older ones are passivated. @default 100000 */
  readonly seriesCacheSize: number;
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
  readonly tracing: TracingConfig;
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
  const service = readServiceConfig(reader, { grpcPort: 7003, opsPort: 9003 });
  const windowMs = readWindowMsEnv(reader);
  const config: WriterConfig = {
    service,
    tracing: readTracingConfig(reader, 'writer'),
    kafka: readKafkaEnv(reader, 'strata-writer'),
    groupId: reader.string('STRATA_WRITER_GROUP_ID', 'strata-writer'),
    redis: readHotRedisEnv(reader),
    dynamodb: {
      endpoint: reader.url('STRATA_DYNAMODB_ENDPOINT'),
      region: reader.string('AWS_REGION', 'us-east-1'),
      table: reader.string('STRATA_DYNAMODB_TABLE', 'strata_chunks'),
      dayIndexShards: reader.int('STRATA_DAY_INDEX_SHARDS', DAY_INDEX.defaultShards, { min: 1, max: DAY_INDEX.maxShards }),
      dayIndexCacheSeries: reader.int('STRATA_DAY_INDEX_CACHE_SERIES', 1_000_000, { min: 0 }),
      // The archiver's warm span: the writer trusts the day-index entries it remembers for
      // that many recent days, as the archiver takes (and clears) only older days.
      warmSpanDays: reader.int('STRATA_WARM_SPAN_DAYS', 14, { min: 2, max: 460 }),
    },
    windowMs,
    sealGraceMs: reader.int('STRATA_SEAL_GRACE_MS', 5 * 60_000, { min: 0, max: DAY }),
    hotRetentionMs: reader.int('STRATA_HOT_RETENTION_MS', 26 * HOUR, { min: HOUR, max: 30 * DAY }),
    sealIntervalMs: reader.int('STRATA_SEAL_INTERVAL_MS', 1_000, { min: 10, max: 600_000 }),
    sealBatch: reader.int('STRATA_SEAL_BATCH', 500, { min: 1, max: 100_000 }),
    seriesCacheSize: reader.int('STRATA_WRITER_SERIES_CACHE', 100_000, { min: 0 }),
    recovery: {
      checkIntervalMs: reader.int('STRATA_HOT_CHECK_INTERVAL_MS', 1_000, { min: 50, max: 60_000 }),
      checkpointIntervalMs: reader.int('STRATA_REBUILD_CHECKPOINT_INTERVAL_MS', 10_000, { min: 100, max: 600_000 }),
      minLogRetentionMs: reader.int('STRATA_MIN_LOG_RETENTION_HOURS', 48, { min: 1, max: 24 * 36_500 }) * HOUR,
    },
    replayFromMs: parseReplayFrom(argv, reader),
  };
  const needed = windowMs + config.sealGraceMs + HOUR;
  if (config.recovery.minLogRetentionMs < needed) {
    reader.problem(
      `STRATA_MIN_LOG_RETENTION_HOURS=${config.recovery.minLogRetentionMs / HOUR} is less than a window plus the seal grace plus an hour ` +
        `(${Math.ceil(needed / HOUR)} h): records would leave the log before their points are durable in DynamoDB`,
    );
  }
  reader.finish();
  return config;
}
