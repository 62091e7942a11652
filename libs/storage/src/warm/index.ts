// @strata/storage/warm: the DynamoDB warm tier (one item per series per closed window, the
// day index, rebuild checkpoints) and its client. Exports what other projects use.
export type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
export { createDynamoDb, checkDynamoDb } from './dynamodb-client';
export { readWarmEnv, type WarmEnv } from './warm-env';
export { DAY_INDEX, ensureWarmTable, hasLegacyArchiveIndex, LEGACY_ARCHIVE_INDEX } from './warm-table';
export { DynamoWarmStore, warmItemCount, warmPartitionKey, type SealedChunk, type WarmChunk, type WarmWriteEvents } from './warm-store';
export { MAX_PARTITION_KEY_BYTES, WARM_ITEM_PAYLOAD_BYTES } from './warm-layout';
export { warmBatches } from './warm-batches';
export { dayIndexShard, dayIndexSortKey, type DayIndexEntry } from './day-index';
export { RebuildCheckpoints } from './rebuild-checkpoint';
