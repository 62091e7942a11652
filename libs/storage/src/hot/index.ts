// @strata/storage/hot: the Redis hot tier (open and sealing windows, series registry,
// late-write ledger, tier state) and its Redis clients. Exports what other projects use.
export type { default as Redis, Cluster as RedisCluster } from 'ioredis';
export { createRedis, checkRedis } from './redis-client';
export { checkRedisSettings } from './redis-settings';
export { createHotRedis, readHotRedisEnv, type HotRedisConfig } from './redis-env';
export { traceRedisPipelines } from './redis-tracing';
export { readHotEnv, type HotEnv } from './hot-env';
export { DEFAULT_WINDOW_MS, dueMember, hotKeys, parseDueMember, seriesId, windowStart, type WindowRef } from './hot-keys';
export { RedisHotStore, type HotSeriesWrite, type SealInput } from './hot-store';
export { decodeHotValue, decodePackedHot, unsealedWins } from './hot-value';
export { mergeOverSealed, unsealedColumns } from './seal-merge';
export { decodeWindowHash, PACKED_FIELD_MIN_POINTS, packedFieldName } from './window-hash';
export { sealedPointOffset, type SealOffsets } from './seal-offsets';
export { catalogDays, catalogKeyList, catalogKeys, RedisSeriesCatalog, utcDay, type CatalogChanges, type CatalogEntry, type CatalogRead, type CatalogPosition, type CatalogUpdate } from './series-catalog';
export { activeSeriesKey, RedisSeriesRegistry, SeriesRegistryUnavailableError, type SeriesAdmission, type SeriesAdmissionRequest } from './series-registry';
export { HotTierState, type HotTierStatus } from './hot-state';
export { LateWriteLedger } from './late-write-ledger';
export { HotChunkCorruptError, HotReadError, RedisHotReader, type HotWindowParts } from './hot-reader';
export { metricMetadataKey, RedisMetricMetadataStore, type MetricMetadataEntry, type MetricMetadataOptions } from './metric-metadata';
