export { RejectionCode, type PointRejection } from './rejection';
export {
  DYNAMODB_PARTITION_KEY_BYTES,
  hasUnpairedSurrogate,
  LABEL_NAME_PATTERN,
  MAX_SERIES_KEY_BYTES,
  MAX_TENANT_BYTES,
  SERIES_NAME_PATTERN,
  seriesKeyBytes,
  parseSeriesKey,
  seriesKey,
  sortLabels,
  inCanonicalOrder,
  isSharedLabels,
  shareLabels,
  type Label,
  type Point,
} from './series';
export {
  DEFAULT_VALIDATION_LIMITS,
  readFutureGraceMs,
  validateWrite,
  type SeriesInput,
  type ValidationOptions,
  type ValidSeries,
  type ValidationLimits,
  type ValidationResult,
} from './validation';
export { isStaleness, withoutStaleness } from './staleness';
export {
  compileMatchers,
  describeMatchers,
  matchesSeries,
  MAX_MATCHER_VALUE_LENGTH,
  MAX_MATCHERS,
  type CompiledMatcher,
  type LabelMatcher,
  type MatchType,
} from './matchers';
export { bucketStart, rollup, ROLLUP_FUNCTIONS, type PointColumns, type RolledColumns, type RollupFunction } from './rollup';
export { appliedSetting, parseTenantOverrides, readTenantOverrides, type ListSettingReader, type TenantOverrides } from './tenant-overrides';
export { compileNameGlob, MAX_GLOB_LENGTH, nameGlobProblem } from './glob';
export {
  allocateRollupStats,
  concatRollupStats,
  EMPTY_ROLLUP_STATS,
  filterRollupStats,
  foldRollupStats,
  ROLLUP_HEAD_COLUMNS,
  ROLLUP_STAT_COLUMNS,
  rollupStats,
  sliceRollupStats,
  type RollupStatColumn,
  type MutableRollupStats,
  type RollupStats,
} from './rollup-stats';
