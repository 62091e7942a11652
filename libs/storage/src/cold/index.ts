export {
  BLOCK_HEADER_BYTES,
  BLOCK_MAGIC,
  BLOCK_TRAILER_BYTES,
  BLOCK_VERSION,
  BlockKind,
  decodeBlockIndex,
  encodeBlock,
  openBlock,
  PART_NAMES,
  partsRange,
  readBlockTrailer,
  splitParts,
  type BlockIdentity,
  type BlockIndex,
  type BlockIndexEntry,
  type EncodedBlock,
  type PartName,
  type SeriesSection,
} from './block';
export { CATALOG_MAGIC, CATALOG_VERSION, decodeCatalog, encodeCatalog, type Catalog } from './catalog';
export { readRetentionEnv, RetentionPolicy } from './retention';
export { ColdFormatError, InvalidColdInputError, type ColdFormatReason } from './cold-errors';
export { ColdBlockMissingError, ColdReader, type ColdReaderEvents, type ColdReaderOptions, type SeriesParts, type YearView } from './cold-reader';
export { compareBytes, compareSeriesKeys } from './byte-io';
export { BLOCK_HASH_BYTES, ColdKeys, hexHash, isShardCount, MAX_SHARDS, shardOf } from './keys';
export { Semaphore, WeightedLru } from './lru';
export {
  blockForShard,
  blockSetTotals,
  decodeManifest,
  encodeManifest,
  MANIFEST_MAGIC,
  MANIFEST_VERSION,
  type BlockRef,
  type BlockSet,
  type Manifest,
  type ManifestDay,
} from './manifest';
export { assembleRollupStats, decodeRollupPart, encodeRawPart, encodeRollupPart, splitRawPart, splitRollupPart, RollupLayout } from './parts';
export {
  DAY_MS,
  dayIso,
  dayNumber,
  dayStartMs,
  monthEndDay,
  monthFirstDay,
  monthIso,
  monthOfDay,
  parseDayIso,
  yearMonths,
  yearOfMonth,
  ROLLUP_RESOLUTIONS_MS,
  type RollupResolutionMs,
} from './periods';
export { buildDaySection, buildMonthSection, buildYearSection } from './section';
