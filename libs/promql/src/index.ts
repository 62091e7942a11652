// @strata/promql: a PromQL engine. Parsed with the Prometheus team's grammar, evaluated
// with Prometheus 3's semantics over any Queryable.
export { typeName, typeOf, type Aggregate, type At, type Binary, type Call, type Expr, type MatrixSelector, type Subquery, type VectorSelector } from './ast';
export { compareLabels, evaluate, formatValue, loadQuery, PromqlLimitError, queryNodes, runLoaded, type EngineOptions, type LoadedQuery, type QueryRange, type QueryValue, type Queryable, type StoredSeries } from './engine';
export { PromqlExecutionError, type FunctionArg, type PromqlFunction } from './function-types';
export { FUNCTIONS } from './functions';
export { MAX_QUERY_LENGTH, parsePromql, PromqlSyntaxError } from './parser';
export { PUSHDOWN_RESOLUTIONS_MS, PUSHED_DOWN, type RolledSeries, type RollupQueryable } from './pushdown';
export { type Label, type Labels, type Matrix, type Sample, type Series, type Vector } from './values';
