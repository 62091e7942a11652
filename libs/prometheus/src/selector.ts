import { parser } from '@prometheus-io/lezer-promql';
import { compileMatchers, type LabelMatcher, type MatchType } from '@strata/model';
import { StrataError } from '@strata/runtime';

/**
 * PromQL series selectors (`up`, `up{job="node"}`, `{__name__=~"node_.*",mode!="idle"}`,
 * Prometheus 3's quoted names `{"my.metric",a="b"}`), as Prometheus's `match[]` takes
 * them: parsed with the Prometheus team's own grammar (@prometheus-io/lezer-promql, the
 * one its UI uses), strings unquoted as PromQL does.
 *
 * The parser runs in strict mode: it stops at the first error instead of recovering,
 * because recovery costs up to tens of microseconds a character on hostile input (a
 * megabyte of `{` takes seconds), while a strict parse of a megabyte, valid or not, takes
 * milliseconds.
 */

/** Not a plain series selector; `position` is the offset (0-based) in `selector` where it went wrong. */
export class SelectorSyntaxError extends StrataError {
  readonly line: number;
  readonly column: number;

  constructor(
    readonly selector: string,
    readonly position: number,
    readonly problem: string,
  ) {
    const { line, column } = lineAndColumn(selector, position);
    super(`parse error at ${line}:${column} of ${quoteForMessage(selector)}: ${problem}`, { context: { position, problem } });
    this.line = line;
    this.column = column;
  }
}

const strictParser = parser.configure({ strict: true });

type SyntaxNode = ReturnType<typeof strictParser.parse>['topNode'];

/**
 * The matchers of one series selector, the metric name's (`__name__="up"`) first, the
 * rest in their order. Throws SelectorSyntaxError on anything else: a syntax error, an
 * expression (`sum(up)`, `up + 1`, `(up)`), a range (`up[5m]`), `offset` or `@`, a string
 * with a bad escape, or a selector that every matcher lets an empty value through
 * (`{job=~".*"}`), which Prometheus refuses so that a typo does not select every series.
 *
 * Regular expressions are compiled here only when that last rule needs one; otherwise an
 * invalid one is refused where the matchers are compiled to run (the listing).
 */
export function parseSeriesSelector(text: string): LabelMatcher[] {
  const expressions = children(parseStrict(text));
  if (expressions.length !== 1) throw new SelectorSyntaxError(text, 0, 'expected one series selector');
  const expression = expressions[0];
  if (expression.name !== 'VectorSelector') {
    const { what, at } = describeExpression(expression, text);
    throw new SelectorSyntaxError(text, at, `${what} is not a series selector; expected a metric name, label matchers in braces, or both, such as up or {job="node"}`);
  }
  const matchers: LabelMatcher[] = [];
  // Where each matcher starts, for a message about it.
  const positions: number[] = [];
  for (const part of children(expression)) {
    if (part.name === 'Identifier') {
      matchers.push({ name: '__name__', type: '=', value: text.slice(part.from, part.to) });
      positions.push(part.from);
    } else if (part.name === 'LabelMatchers') {
      for (const m of children(part)) {
        matchers.push(labelMatcher(m, text));
        positions.push(m.from);
      }
    } else {
      throw new SelectorSyntaxError(text, part.from, `unexpected ${part.name} in a series selector`);
    }
  }
  if (!hasNonEmptyMatcher(matchers, positions, text)) {
    throw new SelectorSyntaxError(
      text,
      expression.from,
      'vector selector must contain at least one non-empty matcher (one that an empty value does not satisfy, such as a metric name or job="node")',
    );
  }
  return matchers;
}

/** The node's children, comments left out. */
/**
 * The syntax tree of PromQL text (the top node), parsed strictly; a syntax error is a
 * SelectorSyntaxError at its offset. Shared by selectors and the PromQL engine's parser.
 */
export function parseStrict(text: string): SyntaxNode {
  try {
    return strictParser.parse(text).topNode;
  } catch (error) {
    // Lezer's strict mode throws a SyntaxError "No parse at <offset>".
    const at = /^No parse at (\d+)$/.exec(String((error as { message?: unknown } | undefined)?.message));
    if (at) throw new SelectorSyntaxError(text, Number(at[1]), unexpectedAt(text, Number(at[1])));
    // Building the tree recurses on nesting; thousands of levels exhaust the stack.
    if ((error as { name?: unknown } | undefined)?.name === 'RangeError') throw new SelectorSyntaxError(text, 0, 'too deeply nested');
    throw error;
  }
}

export type PromqlSyntaxNode = SyntaxNode;

/** A node's children, comments left out. */
export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) if (child.name !== 'LineComment') out.push(child);
  return out;
}

function labelMatcher(node: SyntaxNode, text: string): LabelMatcher {
  // `{"my.metric"}`: a quoted name alone is the metric name.
  if (node.name === 'QuotedLabelName') return { name: '__name__', type: '=', value: stringOf(node, text) };
  if (node.name !== 'UnquotedLabelMatcher' && node.name !== 'QuotedLabelMatcher') {
    throw new SelectorSyntaxError(text, node.from, `unexpected ${node.name} in label matchers`);
  }
  const [nameNode, opNode, valueNode] = children(node);
  if (!nameNode || !opNode || !valueNode || valueNode.name !== 'StringLiteral') {
    throw new SelectorSyntaxError(text, node.from, 'expected a label name, a match operator and a quoted value');
  }
  const name = nameNode.name === 'LabelName' ? text.slice(nameNode.from, nameNode.to) : stringOf(nameNode, text);
  return { name, type: text.slice(opNode.from, opNode.to) as MatchType, value: unquote(text, valueNode.from, valueNode.to) };
}

/** A QuotedLabelName's string. */
function stringOf(node: SyntaxNode, text: string): string {
  const literal = node.name === 'StringLiteral' ? node : node.getChild('StringLiteral');
  if (!literal) throw new SelectorSyntaxError(text, node.from, 'expected a quoted label name');
  return unquote(text, literal.from, literal.to);
}

/**
 * Prometheus's rule: at least one matcher that the empty value does not satisfy. Equality
 * matchers settle it without compiling anything; regular expressions are compiled only
 * while the question is open.
 */
function hasNonEmptyMatcher(matchers: readonly LabelMatcher[], positions: readonly number[], text: string): boolean {
  if (matchers.some((m) => (m.type === '=' && m.value !== '') || (m.type === '!=' && m.value === ''))) return true;
  for (const [i, m] of matchers.entries()) {
    if (m.type !== '=~' && m.type !== '!~') continue;
    const compiled = compileMatchers([m]);
    if ('problem' in compiled) throw new SelectorSyntaxError(text, positions[i], compiled.problem);
    if (!compiled.matchers[0].matchesEmpty) return true;
  }
  return false;
}

const EXPRESSIONS: Record<string, string> = {
  MatrixSelector: 'a range selector',
  SubqueryExpr: 'a subquery',
  OffsetExpr: 'an offset modifier',
  StepInvariantExpr: 'an @ modifier',
  AnchoredExpr: 'an anchored modifier',
  SmoothedExpr: 'a smoothed modifier',
  AggregateExpr: 'an aggregation',
  FunctionCall: 'a function call',
  BinaryExpr: 'a binary operation',
  UnaryExpr: 'a unary operation',
  ParenExpr: 'an expression in parentheses',
  NumberDurationLiteral: 'a number',
  StringLiteral: 'a string',
};

/** Modifiers that follow a selector: the position named is the modifier's, not the selector's. */
const MODIFIERS = new Set(['MatrixSelector', 'SubqueryExpr', 'OffsetExpr', 'StepInvariantExpr', 'AnchoredExpr', 'SmoothedExpr']);

function describeExpression(node: SyntaxNode, text: string): { what: string; at: number } {
  const what = EXPRESSIONS[node.name] ?? `a ${node.name}`;
  let at = node.from;
  if (MODIFIERS.has(node.name) && node.firstChild) {
    at = node.firstChild.to;
    while (at < text.length && /\s/.test(text[at])) at++;
  }
  return { what, at };
}

const HEX = /^[0-9a-fA-F]$/;
const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 0x5c };
const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * The value of the string literal text[from, to), as PromQL unquotes it (Prometheus's
 * lexer and `strutil.Unquote`): backquotes are raw (no escapes, newlines kept);
 * double and single quotes take Go's escapes, `\a \b \f \n \r \t \v \\`, the literal's own
 * quote, `\x` and three-digit octal bytes, `\u` and `\U` code points (not surrogates, at
 * most U+10FFFF), and no newline. Bytes from `\x` and octal escapes must make valid UTF-8.
 */
export function unquote(text: string, from: number, to: number): string {
  const quote = text[from];
  const body = text.slice(from + 1, to - 1);
  const bodyAt = from + 1;
  if (to - from < 2 || text[to - 1] !== quote) throw new SelectorSyntaxError(text, from, 'unterminated quoted string');
  if (quote === '`') return body;
  if (quote !== '"' && quote !== "'") throw new SelectorSyntaxError(text, from, 'expected a quoted string');
  const newline = body.indexOf('\n');
  if (newline >= 0) throw new SelectorSyntaxError(text, bodyAt + newline, 'unterminated quoted string (a newline in a quoted string must be written \\n)');
  if (!body.includes('\\')) return body;
  const bytes: number[] = [];
  let run = 0;
  const flush = (end: number) => {
    if (end > run) for (const b of encoder.encode(body.slice(run, end))) bytes.push(b);
  };
  for (let i = 0; i < body.length; ) {
    if (body[i] !== '\\') {
      i++;
      continue;
    }
    flush(i);
    const at = bodyAt + i;
    const c = body[i + 1];
    if (c === undefined) throw new SelectorSyntaxError(text, at, 'escape sequence not terminated');
    if (c in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[c]);
      i += 2;
    } else if (c === quote) {
      bytes.push(c.charCodeAt(0));
      i += 2;
    } else if (c === 'x' || c === 'u' || c === 'U') {
      const digits = c === 'x' ? 2 : c === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + digits);
      const bad = [...hex].findIndex((d) => !HEX.test(d));
      if (hex.length < digits && bad < 0) throw new SelectorSyntaxError(text, at, 'escape sequence not terminated');
      if (bad >= 0) throw new SelectorSyntaxError(text, at + 2 + bad, `illegal character ${JSON.stringify(hex[bad])} in escape sequence`);
      const value = parseInt(hex, 16);
      if (c === 'x') bytes.push(value);
      else if (value > 0x10ffff || (value >= 0xd800 && value < 0xe000)) throw new SelectorSyntaxError(text, at, 'escape sequence is an invalid Unicode code point');
      else for (const b of encoder.encode(String.fromCodePoint(value))) bytes.push(b);
      i += 2 + digits;
    } else if (c >= '0' && c <= '7') {
      const octal = body.slice(i + 1, i + 4);
      const bad = [...octal].findIndex((d) => d < '0' || d > '7');
      if (octal.length < 3 && bad < 0) throw new SelectorSyntaxError(text, at, 'escape sequence not terminated');
      if (bad >= 0) throw new SelectorSyntaxError(text, at + 1 + bad, `illegal character ${JSON.stringify(octal[bad])} in escape sequence`);
      const value = parseInt(octal, 8);
      if (value > 255) throw new SelectorSyntaxError(text, at, 'escape sequence is an invalid Unicode code point');
      bytes.push(value);
      i += 4;
    } else {
      throw new SelectorSyntaxError(text, at, `unknown escape sequence \\${c}`);
    }
    run = i;
  }
  flush(body.length);
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    throw new SelectorSyntaxError(text, from, "the string's \\x or octal escapes do not make valid UTF-8");
  }
}

/** What the parser stopped at, for a message: the end of the input, or the text there. */
export function unexpectedAt(text: string, position: number): string {
  // The grammar knows every function by name: an identifier it stops after, at "(", is an unknown one.
  const call = /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(text.slice(0, position));
  if (text[position] === '(' && call) return `unknown function with name ${JSON.stringify(call[1])}`;
  if (position >= text.length) return text.trim() === '' ? 'empty selector; expected a metric name or label matchers in braces' : 'unexpected end of input';
  const rest = text.slice(position);
  const token = /^(?:[A-Za-z_:][\w:]*|\d[\w.]*|"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|`[^`]*`?|[=!]~|!=|\S)/.exec(rest)?.[0] ?? rest[0];
  return `unexpected ${quoteForMessage(token)}`;
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < position; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: position - lineStart + 1 };
}

/** Quoted for a message, at most 120 characters of it. */
function quoteForMessage(text: string): string {
  return text.length <= 120 ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, 120))}... (${text.length} characters)`;
}
