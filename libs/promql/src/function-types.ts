import type { LabelMatcher } from '@strata/model';
import { StrataError } from '@strata/runtime';
import type { Matrix, ValueType, Vector } from './values';

/** An argument of a function call, evaluated at one step. */
export type FunctionArg =
  | { readonly type: 'vector'; readonly value: Vector }
  /**
   * The samples of each series in the window (end − range, end], ascending; `rangeMs` is the
   * selector's range, `windowEndMs` the window's end: the step's time less the selector's
   * offset, or its `@` time (rate's extrapolation works to these edges). Absent: the step's time.
   * `distinctWithoutName`: every series the selector can give has a label set of its own once
   * the metric name is dropped, so no step needs that checked again.
   */
  | { readonly type: 'matrix'; readonly value: Matrix; readonly rangeMs: number; readonly windowEndMs?: number; readonly distinctWithoutName?: boolean }
  | { readonly type: 'scalar'; readonly value: number }
  | { readonly type: 'string'; readonly value: string };

/** What a function sees besides its arguments at one evaluation step. */
export interface CallContext {
  /** The evaluation time of this step, ms. */
  readonly t: number;
  /**
   * For `absent` and `absent_over_time`: the matchers of the selector in the argument, when
   * it is a plain selector (its equality matchers give the labels of the answer).
   */
  readonly argMatchers?: readonly LabelMatcher[];
}

/**
 * A PromQL function on float samples. `call` runs once per evaluation step with the
 * arguments evaluated at that step, and returns an instant vector or a scalar. The result
 * vector's samples carry `t` = the step's time. Errors a user caused (a bad argument value,
 * such as an invalid regular expression in label_replace) are thrown as
 * PromqlExecutionError.
 */
export interface PromqlFunction {
  readonly name: string;
  /** The declared argument types, in order; with `variadic`, the last one may repeat or be left out as Prometheus allows. */
  readonly argTypes: readonly ValueType[];
  /** Fewest arguments (for functions with optional trailing ones, e.g. round, histogram_quantile has none). */
  readonly minArgs: number;
  /** Most arguments; Infinity for label_join's source labels. */
  readonly maxArgs: number;
  readonly returns: 'vector' | 'scalar';
  call(args: readonly FunctionArg[], context: CallContext): Vector | number;
}

/** An error in evaluation that the query caused (Prometheus's errorType "execution"). */
export class PromqlExecutionError extends StrataError {}
