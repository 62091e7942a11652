import { compileMatchers, type LabelMatcher, type MatchType } from '@strata/model';
import { StrataError } from '@strata/runtime';
import { children, parseStrict, SelectorSyntaxError, unquotePromqlString, type PromqlSyntaxNode } from '@strata/prometheus';
import { typeName, typeOf, type AggregateOp, type At, type Binary, type BinaryOp, type Expr, type MatrixSelector, type Subquery, type VectorMatching, type VectorSelector } from './ast';
import { FUNCTIONS } from './functions';

/** A query Prometheus's parser would refuse (errorType "bad_data"), with where it went wrong. */
export class PromqlSyntaxError extends StrataError {
  constructor(
    readonly query: string,
    readonly position: number,
    readonly problem: string,
  ) {
    super(`parse error at char ${position + 1}: ${problem}`, { context: { position } });
  }
}

type Node = PromqlSyntaxNode;

/** Longest query text taken, in characters. */
export const MAX_QUERY_LENGTH = 64 * 1024;

/**
 * Parses a PromQL expression with the Prometheus team's grammar (@prometheus-io/lezer-promql,
 * strict mode: the first error stops it) into the engine's AST, checking types and
 * arguments as Prometheus's parser does. Throws PromqlSyntaxError.
 */
export function parsePromql(query: string): Expr {
  if (query.length > MAX_QUERY_LENGTH) throw new PromqlSyntaxError(query, 0, `the query is ${query.length} characters long; at most ${MAX_QUERY_LENGTH} are taken`);
  if (query.trim() === '') throw new PromqlSyntaxError(query, 0, 'no expression found in input');
  try {
    const exprs = children(parseStrict(query));
    if (exprs.length !== 1) throw new PromqlSyntaxError(query, 0, 'expected one expression');
    return new Builder(query).expr(exprs[0]);
  } catch (error) {
    if (error instanceof SelectorSyntaxError) throw new PromqlSyntaxError(query, error.position, error.problem);
    throw error;
  }
}

const AGGREGATES = new Set<AggregateOp>(['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio']);
const WITH_PARAM = new Set<AggregateOp>(['topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio']);
const EXPERIMENTAL_AGGREGATES = new Set<AggregateOp>(['limitk', 'limit_ratio']);

const BINARY_OPS: Record<string, BinaryOp> = {
  Pow: '^',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Add: '+',
  Sub: '-',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
  Atan2: 'atan2',
};
const COMPARISONS = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set<BinaryOp>(['and', 'or', 'unless']);

const MATCH_OPS: Record<string, MatchType> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 };

class Builder {
  constructor(private readonly q: string) {}

  private text(node: Node): string {
    return this.q.slice(node.from, node.to);
  }

  private fail(node: Node | number, problem: string): never {
    throw new PromqlSyntaxError(this.q, typeof node === 'number' ? node : node.from, problem);
  }

  expr(node: Node): Expr {
    switch (node.name) {
      case 'NumberDurationLiteral':
        return { kind: 'number', value: this.number(node) };
      case 'StringLiteral':
        return { kind: 'string', value: unquotePromqlString(this.q, node.from, node.to) };
      case 'VectorSelector':
        return this.vectorSelector(node);
      case 'MatrixSelector':
        return this.matrixSelector(node);
      case 'SubqueryExpr':
        return this.subquery(node);
      case 'OffsetExpr':
        return this.offset(node);
      case 'StepInvariantExpr':
        return this.at(node);
      case 'FunctionCall':
        return this.call(node);
      case 'AggregateExpr':
        return this.aggregate(node);
      case 'BinaryExpr':
        return this.binary(node);
      case 'UnaryExpr':
        return this.unary(node);
      case 'ParenExpr': {
        const inner = children(node);
        if (inner.length !== 1) this.fail(node, 'expected one expression in parentheses');
        return { kind: 'paren', expr: this.expr(inner[0]) };
      }
      case 'AnchoredExpr':
      case 'SmoothedExpr':
        return this.fail(node, `the experimental ${node.name === 'AnchoredExpr' ? 'anchored' : 'smoothed'} modifier is not supported`);
      default:
        return this.fail(node, `unexpected ${node.name}`);
    }
  }

  /** A number literal: decimal, hex, Inf, NaN, or a duration (its seconds). */
  private number(node: Node): number {
    const t = this.text(node);
    if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/i.test(t)) return NaN;
    const sign = t.startsWith('-') ? -1 : 1;
    const bare = /^[+-]/.test(t) ? t.slice(1) : t;
    if (/^0x[0-9a-f]+$/i.test(bare)) return sign * parseInt(bare, 16);
    if (/^(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(bare)) return sign * Number(bare);
    return (sign * this.durationMs(node, bare)) / 1_000;
  }

  /** `5m`, `1h30m`, `300` (seconds), `1.5` (seconds). */
  private durationMs(node: Node, t: string): number {
    if (/^(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Math.round(Number(t) * 1_000);
    const parts = /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/.exec(t);
    if (!parts || t === '') this.fail(node, `not a valid duration string: ${JSON.stringify(t)}`);
    const units = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
    let ms = 0;
    units.forEach((unit, i) => {
      const n = parts![2 + i * 2];
      if (n !== undefined) ms += Number(n) * DURATION_UNITS[unit];
    });
    return ms;
  }

  /** A DurationExpr, OffsetDurationExpr or literal in a duration context; only literals (and a sign) are taken. */
  private duration(node: Node): number {
    if (node.name === 'NumberDurationLiteralInDurationContext' || node.name === 'NumberDurationLiteral') return this.durationMs(node, this.text(node));
    const parts = children(node);
    if ((node.name === 'DurationExpr' || node.name === 'OffsetDurationExpr') && parts.length === 1) return this.duration(parts[0]);
    if (parts.length === 2 && parts[0].name === 'UnaryOp') {
      const sign = this.text(parts[0]) === '-' ? -1 : 1;
      return sign * this.duration(parts[1]);
    }
    return this.fail(node, 'duration expressions (arithmetic, step(), range()) are experimental and not supported; write a duration such as 5m');
  }

  private vectorSelector(node: Node): VectorSelector {
    const matchers: LabelMatcher[] = [];
    let name: string | undefined;
    for (const part of children(node)) {
      if (part.name === 'Identifier' || part.name === 'MetricName') {
        name = this.text(part);
        matchers.push({ name: '__name__', type: '=', value: name });
      } else if (part.name === 'LabelMatchers') {
        for (const m of children(part)) {
          if (m.name === 'QuotedLabelName') {
            // Prometheus 3: a quoted name alone in the braces is the metric name.
            const quoted = this.quoted(children(m)[0]);
            if (name !== undefined) this.fail(m, `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(quoted)}`);
            name = quoted;
            matchers.push({ name: '__name__', type: '=', value: quoted });
          } else if (m.name === 'UnquotedLabelMatcher' || m.name === 'QuotedLabelMatcher') {
            const [label, op, value] = children(m);
            const labelName = m.name === 'QuotedLabelMatcher' ? this.quoted(children(label)[0]) : this.text(label);
            const type = MATCH_OPS[children(op)[0]?.name ?? ''];
            if (!type) this.fail(op, `unknown match operator ${this.text(op)}`);
            const matcher = { name: labelName, type, value: this.quoted(value) };
            if (labelName === '__name__' && type === '=' && name !== undefined) this.fail(m, `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(matcher.value)}`);
            matchers.push(matcher);
          } else {
            this.fail(m, `unexpected ${m.name} in label matchers`);
          }
        }
      } else {
        this.fail(part, `unexpected ${part.name} in a vector selector`);
      }
    }
    // Compiled here as they will run (RE2, anchored): an invalid regular expression is a parse error, as in Prometheus.
    const compiled = compileMatchers(matchers);
    if ('problem' in compiled) this.fail(node, compiled.problem);
    if (compiled.matchers.every((m) => m.matchesEmpty)) this.fail(node, 'vector selector must contain at least one non-empty matcher');
    return { kind: 'vector', matchers, offsetMs: 0 };
  }

  private quoted(node: Node): string {
    if (node.name !== 'StringLiteral') this.fail(node, 'expected a quoted string');
    return unquotePromqlString(this.q, node.from, node.to);
  }

  private matrixSelector(node: Node): Expr {
    const [selector, range] = children(node);
    return this.onRightmost(selector, (operand) => this.matrixOf(operand, range));
  }

  private matrixOf(selector: Node, range: Node): MatrixSelector {
    if (selector.name !== 'VectorSelector') this.fail(selector, 'ranges only allowed for vector selectors');
    const rangeMs = this.duration(range);
    if (rangeMs <= 0) this.fail(range, `range selector duration must be greater than 0, got ${this.text(range)}`);
    return { kind: 'matrix', selector: this.vectorSelector(selector), rangeMs };
  }

  private subquery(node: Node): Expr {
    const [inner, range, step] = children(node);
    // `a - b[5m:1m]` as the grammar groups it: the subquery is b's.
    if (inner.name === 'BinaryExpr') return this.onRightmost(inner, (operand) => this.subqueryOf(operand, range, step));
    return this.subqueryOf(inner, range, step);
  }

  private subqueryOf(inner: Node, range: Node, step: Node | undefined): Subquery {
    const expr = this.expr(inner);
    if (typeOf(expr) !== 'vector') this.fail(inner, `subquery is only allowed on instant vector, got ${typeName(typeOf(expr))} instead`);
    const rangeMs = this.duration(range);
    if (rangeMs <= 0) this.fail(range, `subquery range must be greater than 0`);
    const stepMs = step ? this.duration(step) : 0;
    if (step && stepMs <= 0) this.fail(step, 'subquery step must be greater than 0');
    return { kind: 'subquery', expr, rangeMs, stepMs, offsetMs: 0 };
  }

  private offset(node: Node): Expr {
    const parts = children(node);
    const offsetMs = this.duration(parts[parts.length - 1]);
    // The grammar hangs a modifier on a whole binary expression (`a - b offset 1m`); in
    // PromQL it binds to the operand next to it, the rightmost one.
    return this.onRightmost(parts[0], (inner) => {
      const target = this.expr(inner);
      return this.modify(inner, target, (e) => {
        if ('offsetMs' in e && e.offsetMs !== 0) this.fail(node, 'offset may not be set multiple times');
        return { ...e, offsetMs };
      }, 'offset');
    });
  }

  /** Builds `node` with `build` applied to its rightmost operand when it is a binary (or unary) expression, else to itself. */
  private onRightmost(node: Node, build: (operand: Node) => Expr): Expr {
    if (node.name === 'BinaryExpr') return this.binary(node, (rhs) => this.onRightmost(rhs, build));
    if (node.name === 'UnaryExpr') {
      const [opNode, inner] = children(node);
      return this.unaryOf(node, opNode, this.onRightmost(inner, build));
    }
    return build(node);
  }

  private at(node: Node): Expr {
    const parts = children(node);
    return this.onRightmost(parts[0], (inner) => this.atOn(node, parts, inner));
  }

  private atOn(node: Node, parts: Node[], inner: Node): Expr {
    const target = this.expr(inner);
    const value = parts[parts.length - 1];
    let at: At;
    if (value.name === 'AtModifierPreprocessors') at = children(value)[0]?.name === 'AtStart' ? 'start' : 'end';
    else {
      const negative = parts.length > 3 && parts[parts.length - 2].name === 'UnaryOp' && this.text(parts[parts.length - 2]) === '-';
      const seconds = this.number(value) * (negative ? -1 : 1);
      if (!Number.isFinite(seconds)) this.fail(value, `timestamp out of bounds for @ modifier: ${seconds}`);
      at = { ms: Math.round(seconds * 1_000) };
    }
    return this.modify(inner, target, (e) => {
      if (e.at !== undefined) this.fail(node, '@ <timestamp> may not be set multiple times');
      return { ...e, at };
    }, '@');
  }

  /** Applies offset or @ to the selector or subquery it follows. */
  private modify(node: Node, target: Expr, apply: <T extends VectorSelector | Subquery>(e: T) => T, what: string): Expr {
    if (target.kind === 'vector' || target.kind === 'subquery') return apply(target);
    if (target.kind === 'matrix') return { ...target, selector: apply(target.selector) };
    return this.fail(node, `${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`);
  }

  private call(node: Node): Expr {
    const [identifier, body] = children(node);
    const name = this.text(identifier);
    const func = FUNCTIONS.get(name);
    if (!func) this.fail(identifier, `unknown function with name ${JSON.stringify(name)}`);
    const args = children(body).map((a) => this.expr(a));
    if (args.length < func.minArgs || args.length > func.maxArgs) {
      const expected = func.minArgs === func.maxArgs ? `${func.minArgs}` : func.maxArgs === Infinity ? `at least ${func.minArgs}` : `${func.minArgs} to ${func.maxArgs}`;
      this.fail(node, `expected ${expected} argument(s) in call to ${JSON.stringify(name)}, got ${args.length}`);
    }
    args.forEach((arg, i) => {
      const expected = func.argTypes[Math.min(i, func.argTypes.length - 1)];
      const got = typeOf(arg);
      if (got !== expected) this.fail(children(body)[i], `expected type ${typeName(expected)} in call to function ${JSON.stringify(name)}, got ${typeName(got)}`);
    });
    return { kind: 'call', func, args };
  }

  private aggregate(node: Node): Expr {
    let op: AggregateOp | undefined;
    let grouping: string[] = [];
    let without = false;
    let body: Node | undefined;
    for (const part of children(node)) {
      if (part.name === 'AggregateOp') op = this.text(part).toLowerCase() as AggregateOp;
      else if (part.name === 'AggregateModifier') {
        const [kind, labels] = children(part);
        without = kind.name === 'Without';
        grouping = labels ? this.groupingLabels(labels) : [];
      } else if (part.name === 'FunctionCallBody') body = part;
    }
    if (!op || !AGGREGATES.has(op)) return this.fail(node, `unknown aggregation ${op}`);
    if (EXPERIMENTAL_AGGREGATES.has(op)) this.fail(node, `the experimental aggregation ${op} is not supported`);
    const args = body ? children(body) : [];
    const want = WITH_PARAM.has(op) ? 2 : 1;
    if (args.length !== want) this.fail(node, `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`);
    const expr = this.expr(args[want - 1]);
    if (typeOf(expr) !== 'vector') this.fail(args[want - 1], `expected type instant vector in aggregation expression, got ${typeName(typeOf(expr))}`);
    if (want === 1) return { kind: 'aggregate', op, expr, grouping, without };
    const param = this.expr(args[0]);
    const paramType = op === 'count_values' ? 'string' : 'scalar';
    if (typeOf(param) !== paramType) this.fail(args[0], `expected type ${typeName(paramType)} in aggregation parameter, got ${typeName(typeOf(param))}`);
    return { kind: 'aggregate', op, expr, param, grouping, without };
  }

  private groupingLabels(node: Node): string[] {
    return children(node).map((l) => (l.name === 'QuotedLabelName' ? this.quoted(children(l)[0]) : this.text(l)));
  }

  private binary(node: Node, buildRhs: (rhs: Node) => Expr = (rhs) => this.expr(rhs)): Expr {
    const parts = children(node);
    // `-2 ^ 2` is -(2 ^ 2): the grammar reads the sign into the literal, PromQL binds ^ tighter than a sign.
    if (parts[1]?.name === 'Pow' && parts[0].name === 'NumberDurationLiteral' && /^[+-]/.test(this.text(parts[0]))) {
      const sign = this.text(parts[0])[0];
      const magnitude = Math.abs(this.number(parts[0]));
      const power = this.binaryOf(node, parts, { kind: 'number', value: magnitude }, buildRhs);
      return sign === '-' ? this.negate(power) : power;
    }
    return this.binaryOf(node, parts, this.expr(parts[0]), buildRhs);
  }

  private binaryOf(node: Node, parts: Node[], lhs: Expr, buildRhs: (rhs: Node) => Expr): Binary {
    const lhsNode = parts[0];
    const rhsNode = parts[parts.length - 1];
    const opNode = parts[1];
    const op = BINARY_OPS[opNode.name];
    if (!op) this.fail(opNode, `unexpected ${opNode.name}`);
    let returnBool = false;
    let clause: Node | undefined;
    for (const p of parts.slice(2, -1)) {
      if (p.name === 'BoolModifier') returnBool = true;
      else if (p.name === 'MatchingModifierClause') clause = p;
      else if (p.name === 'FillModifier') this.fail(p, 'the experimental fill modifiers are not supported');
      else this.fail(p, `unexpected ${p.name}`);
    }
    const rhs = buildRhs(rhsNode);
    const lt = typeOf(lhs);
    const rt = typeOf(rhs);
    for (const [side, t] of [[lhsNode, lt], [rhsNode, rt]] as const) {
      if (t !== 'scalar' && t !== 'vector') this.fail(side, 'binary expression must contain only scalar and instant vector types');
    }
    if (returnBool && !COMPARISONS.has(op)) this.fail(node, 'bool modifier can only be used on comparison operators');
    if (COMPARISONS.has(op) && lt === 'scalar' && rt === 'scalar' && !returnBool) this.fail(node, 'comparisons between scalars must use BOOL modifier');
    if (SET_OPS.has(op) && (lt === 'scalar' || rt === 'scalar')) this.fail(node, `set operator ${JSON.stringify(op)} not allowed in binary scalar expression`);
    let matching: VectorMatching | undefined;
    if (lt === 'vector' && rt === 'vector') {
      matching = { card: SET_OPS.has(op) ? 'many-to-many' : 'one-to-one', on: false, labels: [], include: [] };
      if (clause) {
        const c = children(clause);
        const on = c[0].name === 'On';
        const labels = c[1] ? this.groupingLabels(c[1]) : [];
        let card = matching.card;
        let include: string[] = [];
        const group = c[2];
        if (group) {
          if (SET_OPS.has(op)) this.fail(group, `no grouping allowed for ${JSON.stringify(op)} operation`);
          card = group.name === 'GroupLeft' ? 'many-to-one' : 'one-to-many';
          include = c[3] ? this.groupingLabels(c[3]) : [];
          if (on) for (const l of include) if (labels.includes(l)) this.fail(group, `label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`);
        }
        matching = { card, on, labels, include };
      }
    } else if (clause) {
      this.fail(clause, 'vector matching only allowed between instant vectors');
    }
    return { kind: 'binary', op, lhs, rhs, returnBool, ...(matching && { matching }) };
  }

  private unary(node: Node): Expr {
    const [opNode, inner] = children(node);
    return this.unaryOf(node, opNode, this.expr(inner));
  }

  private negate(expr: Expr): Expr {
    return expr.kind === 'number' ? { kind: 'number', value: -expr.value } : { kind: 'unary', op: '-', expr };
  }

  private unaryOf(node: Node, opNode: Node, expr: Expr): Expr {
    const t = typeOf(expr);
    if (t !== 'scalar' && t !== 'vector') this.fail(node, `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(typeName(t))}`);
    const op = this.text(opNode) === '-' ? '-' : '+';
    // A negated number literal is a number, as Prometheus's parser folds it.
    if (expr.kind === 'number') return { kind: 'number', value: op === '-' ? -expr.value : expr.value };
    return { kind: 'unary', op, expr };
  }
}

