// @strata/storage/cold: the S3 cold tier (packed blocks, rollup parts, manifests, catalogs,
// retention), its object store and client. Exports what other projects use.
export type { S3Client } from '@aws-sdk/client-s3';
export { createS3, checkS3, ensureBucket } from './s3-client';
export { createColdS3, readColdEnv, type ColdS3Config } from './cold-env';
export { S3ObjectStore, type ByteRange, type ObjectStore } from './object-store';
export { BlockKind, encodeBlock, openBlock, PART_NAMES, type BlockIndexEntry, type PartName, type SeriesSection } from './block';
export { decodeCatalog, encodeCatalog } from './catalog';
export { ColdBlockMissingError, ColdReader, type ColdReaderEvents } from './cold-reader';
export { compareSeriesKeys } from './byte-io';
export { WeightedLru } from './lru';
export { BLOCK_HASH_BYTES, ColdKeys, hexHash, shardOf } from './keys';
export { blockForShard, decodeManifest, encodeManifest, type BlockRef, type BlockSet, type Manifest, type ManifestDay } from './manifest';
export { assembleRollupStats, decodeRollupPart, rollupPartOf, splitRawPart, splitRollupPart } from './parts';
export { dayIso, dayNumber, monthEndDay, monthFirstDay, monthIso, monthOfDay, parseDayIso, parseMonthIso, yearMonths, yearOfMonth, ROLLUP_RESOLUTIONS_MS } from './periods';
export { buildDaySection, buildMonthSection, buildYearSection } from './section';
