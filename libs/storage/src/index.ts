// @strata/storage: what every tier shares (time units, sorted point columns, retention,
// storage errors, AWS client plumbing). Each tier has its own entry point: @strata/storage/hot,
// /warm, /cold and /codec; fakes for tests are in @strata/storage/testing.
export { DAY_MS, HOUR_MS } from './core/time';
export { clipColumns, concatRuns, EMPTY_COLUMNS, mergeNewerOver, mergeNewestFirst, type SortedColumns } from './core/columns';
export { readRetentionEnv, RetentionPolicy } from './core/retention';
export { StorageError } from './errors';
export { LOCAL_DUMMY_CREDENTIALS } from './aws/aws-client-config';
export { traceAwsClient } from './aws/aws-tracing';
