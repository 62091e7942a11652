export * from './codec';
export { StorageError, StorageRequestError, StorageConfigError, TableSchemaMismatchError, TableNotActiveError, BucketNotOwnedError } from './errors';
export {
  LOCAL_DUMMY_CREDENTIALS,
  credentialsForEndpoint,
  isLoopbackEndpoint,
  resolveAwsClientConfig,
} from './aws/aws-client-config';
export type { AwsClientConfig, AwsCredentials, ResolvedAwsClientConfig } from './aws/aws-client-config';
export { createRedis, checkRedis } from './redis/redis-client';
export { checkRedisSettings, type RedisSettingsReport } from './redis/redis-settings';
export { createRedisCluster, type RedisClusterConfig } from './redis/redis-cluster';
export { createHotRedis, readHotRedisEnv, type HotRedisConfig } from './redis/redis-env';
export type { RedisConfig } from './redis/redis-client';
export { createDynamoDb, checkDynamoDb } from './dynamodb/dynamodb-client';
export type { DynamoDbConfig } from './dynamodb/dynamodb-client';
export { WARM_TABLE_KEY, warmTableDefinition, describeKeySchema, dropWarmTable, ensureWarmTable } from './dynamodb/warm-table';
export type { EnsureTableOptions } from './dynamodb/warm-table';
export { createS3, checkS3, ensureBucket } from './s3/s3-client';
export type { S3Config } from './s3/s3-client';
// Types only, so callers can hold clients without importing the SDKs or ioredis themselves.
export type { default as Redis, Cluster as RedisCluster } from 'ioredis';
export type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
export type { S3Client } from '@aws-sdk/client-s3';
export { RedisHotStore, type AppendOptions, type AppendResult, type HotPoint, type HotSeriesWrite, type HotStoreOptions, type SealInput } from './hot/hot-store';
export { decodeHotValue, decodePackedHot, encodeHotValue, encodePackedHot, unsealedWins, type HotValue, type PackedHot } from './hot/hot-value';
export { mergeOverSealed, unsealedColumns, withoutSuperseded, type MergeOptions, type SealMerge, type UnsealedColumns } from './hot/seal-merge';
export { decodePointOffsets, encodePointOffsets, newestSealedOffset, NO_POINT_OFFSETS, sealedPointOffset, type SealOffsets } from './hot/seal-offsets';
export { activeSeriesKey, RedisSeriesRegistry, SeriesRegistryUnavailableError, type SeriesAdmission, type SeriesAdmissionRequest, type SeriesRegistryOptions } from './hot/series-registry';
export { RebuildCheckpoints } from './dynamodb/rebuild-checkpoint';
export { HotTierState, type HotTierStatus } from './hot/hot-state';
export { readWindowMsEnv } from './window-env';
export { DEFAULT_WINDOW_MS, dueMember, hotKeys, parseDueMember, seriesId, windowStart, type WindowRef } from './hot/hot-keys';
export { LATE_LEDGER_KEEP_DAYS, LateWriteLedger, type LedgerDay } from './hot/late-write-ledger';
export {
  DynamoWarmStore,
  QUARANTINE,
  quarantinePartitionKey,
  warmItemCount,
  warmPartitionKey,
  type QuarantineEntry,
  type SealedChunk,
  type WarmChunk,
  type WarmStoreOptions,
  type WarmWriteEvents,
} from './dynamodb/warm-store';
export { MAX_PARTITION_KEY_BYTES, WARM_ITEM_PAYLOAD_BYTES } from './dynamodb/warm-layout';
export { HotChunkCorruptError, HotReadError, mergeHotWindow, RedisHotReader, type HotReaderOptions, type HotWindowParts } from './hot/hot-reader';
export { clipColumns, concatRuns, EMPTY_COLUMNS, mergeNewerOver, mergeNewestFirst, type SortedColumns } from './hot/hot-reader-merge';
export { DAY_INDEX, hasLegacyArchiveIndex, LEGACY_ARCHIVE_INDEX } from './dynamodb/warm-table';
export { type ArchivableSeries } from './dynamodb/warm-store';
export { DayIndexCache, dayIndexPartitionKey, dayIndexShard, dayIndexSortKey, type DayIndexEntry } from './dynamodb/day-index';
export { S3ObjectStore, type ByteRange, type ObjectStore } from './s3/object-store';
export { MemoryObjectStore } from './s3/memory-object-store';
export { dropBucket } from './s3/drop-bucket';
export * from './cold';
export { createColdS3, readColdS3Env, type ColdS3Config } from './s3/cold-s3-env';
export { traceAwsClient } from './aws/aws-tracing';
export { traceRedisPipelines } from './redis/redis-tracing';
