import type { LabelMatcher } from '@strata/model';
import type { PromqlFunction } from './function-types';
import type { ValueType } from './values';

/**
 * A parsed PromQL expression. The parser (parser.ts) builds it from the Prometheus team's
 * lezer grammar, checks its types as Prometheus's parser does, and resolves each function
 * to its implementation.
 */
export type Expr = NumberLiteral | StringLiteral | VectorSelector | MatrixSelector | Subquery | Call | Aggregate | Binary | Unary | Paren;

/** `@ <time>`, `@ start()` or `@ end()`. */
export type At = { readonly ms: number } | 'start' | 'end';

export interface NumberLiteral {
  readonly kind: 'number';
  readonly value: number;
}

export interface StringLiteral {
  readonly kind: 'string';
  readonly value: string;
}

export interface VectorSelector {
  readonly kind: 'vector';
  /** Every matcher, the metric name's (`__name__="up"`) among them. */
  readonly matchers: readonly LabelMatcher[];
  readonly offsetMs: number;
  readonly at?: At;
}

export interface MatrixSelector {
  readonly kind: 'matrix';
  readonly selector: VectorSelector;
  readonly rangeMs: number;
}

export interface Subquery {
  readonly kind: 'subquery';
  readonly expr: Expr;
  readonly rangeMs: number;
  /** 0: the query's default subquery step. */
  readonly stepMs: number;
  readonly offsetMs: number;
  readonly at?: At;
}

export interface Call {
  readonly kind: 'call';
  readonly func: PromqlFunction;
  readonly args: readonly Expr[];
}

export type AggregateOp = 'sum' | 'avg' | 'count' | 'min' | 'max' | 'group' | 'stddev' | 'stdvar' | 'topk' | 'bottomk' | 'quantile' | 'count_values' | 'limitk' | 'limit_ratio';

export interface Aggregate {
  readonly kind: 'aggregate';
  readonly op: AggregateOp;
  readonly expr: Expr;
  /** topk/bottomk/limitk's k, quantile's φ, count_values' label name, limit_ratio's ratio. */
  readonly param?: Expr;
  readonly grouping: readonly string[];
  readonly without: boolean;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export interface VectorMatching {
  readonly card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  /** `on(...)` when true, `ignoring(...)` (or nothing) when false. */
  readonly on: boolean;
  readonly labels: readonly string[];
  /** `group_left(...)` / `group_right(...)` labels. */
  readonly include: readonly string[];
}

export interface Binary {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  readonly returnBool: boolean;
  /** Present when both sides are vectors. */
  readonly matching?: VectorMatching;
}

export interface Unary {
  readonly kind: 'unary';
  readonly op: '+' | '-';
  readonly expr: Expr;
}

export interface Paren {
  readonly kind: 'paren';
  readonly expr: Expr;
}

/** The type an expression evaluates to. */
export function typeOf(expr: Expr): ValueType {
  switch (expr.kind) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vector':
    case 'aggregate':
      return 'vector';
    case 'matrix':
    case 'subquery':
      return 'matrix';
    case 'call':
      return expr.func.returns;
    case 'binary':
      return typeOf(expr.lhs) === 'scalar' && typeOf(expr.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary':
    case 'paren':
      return typeOf(expr.expr);
  }
}

/** Prometheus's names of value types, for messages. */
export function typeName(type: ValueType): string {
  return type === 'vector' ? 'instant vector' : type === 'matrix' ? 'range vector' : type;
}
