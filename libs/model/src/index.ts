export { RejectionCode, type PointRejection } from './rejection';
export {
  LABEL_NAME_PATTERN,
  SERIES_NAME_PATTERN,
  parseSeriesKey,
  seriesKey,
  sortLabels,
  type Label,
  type Point,
} from './series';
export {
  DEFAULT_VALIDATION_LIMITS,
  validateWrite,
  type SeriesInput,
  type ValidSeries,
  type ValidationLimits,
  type ValidationResult,
} from './validation';
export { bucketStart, rollup, ROLLUP_FUNCTIONS, type PointColumns, type RolledColumns, type RollupFunction } from './rollup';
export { parseTenantOverrides, type TenantOverrides } from './tenant-overrides';
export { compileNameGlob, MAX_GLOB_LENGTH, nameGlobProblem } from './glob';
export {
  concatRollupStats,
  EMPTY_ROLLUP_STATS,
  filterRollupStats,
  foldRollupStats,
  ROLLUP_STAT_COLUMNS,
  rollupStats,
  sliceRollupStats,
  type RollupStatColumn,
  type RollupStats,
} from './rollup-stats';
