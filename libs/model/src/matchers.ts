import { RE2JS } from 're2js';
import type { Label } from './series';

/**
 * Label matchers, as PromQL and Prometheus remote read select series: `=`, `!=`, `=~`,
 * `!~` on a label, where the series name is the label `__name__` and a label a series does
 * not have has the value "" (so `{env=""}` selects series without `env`). Regular
 * expressions are fully anchored and have RE2's syntax and semantics, and they run in
 * linear time (re2js, a port of RE2): no pattern a tenant sends can make matching
 * backtrack exponentially.
 */
export type MatchType = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
}

/** Longest regular expression or value a matcher may hold, in characters. */
export const MAX_MATCHER_VALUE_LENGTH = 4_096;
/** Most matchers one selector may hold. */
export const MAX_MATCHERS = 32;

/** Thrown inside this module only; callers get the problem as text (the model imports no error tree). */
class MatcherProblem {
  constructor(readonly message: string) {}
}

/** One compiled matcher: `test` takes the label's value ("" when the series lacks it). */
export interface CompiledMatcher extends LabelMatcher {
  test(value: string): boolean;
  /** True when the empty value matches: then series without the label are selected too. */
  readonly matchesEmpty: boolean;
}

/**
 * Compiles a selector's matchers, or says why one cannot be used (an invalid regular
 * expression, a value too long, too many matchers, an unknown type), for the caller to
 * refuse with its own error.
 */
export function compileMatchers(matchers: readonly LabelMatcher[]): { matchers: CompiledMatcher[] } | { problem: string } {
  try {
    return { matchers: compileAll(matchers) };
  } catch (error) {
    if (error instanceof MatcherProblem) return { problem: error.message };
    throw error;
  }
}

function compileAll(matchers: readonly LabelMatcher[]): CompiledMatcher[] {
  if (matchers.length > MAX_MATCHERS) throw new MatcherProblem(`a selector may hold at most ${MAX_MATCHERS} matchers; it holds ${matchers.length}`);
  return matchers.map((m) => {
    if (m.value.length > MAX_MATCHER_VALUE_LENGTH) {
      throw new MatcherProblem(`the matcher on ${m.name} is ${m.value.length} characters long; the limit is ${MAX_MATCHER_VALUE_LENGTH}`);
    }
    let test: (value: string) => boolean;
    switch (m.type) {
      case '=':
        test = (v) => v === m.value;
        break;
      case '!=':
        test = (v) => v !== m.value;
        break;
      case '=~':
      case '!~': {
        const re = compileAnchored(m.name, m.value);
        test = m.type === '=~' ? (v) => re.matches(v) : (v) => !re.matches(v);
        break;
      }
      default:
        throw new MatcherProblem(`unknown match type ${JSON.stringify(m.type)} on ${m.name}; use =, !=, =~ or !~`);
    }
    return { ...m, test, matchesEmpty: test('') };
  });
}

function compileAnchored(name: string, pattern: string): RE2JS {
  try {
    return RE2JS.compile(`^(?:${pattern})$`, RE2JS.DOTALL);
  } catch (error) {
    throw new MatcherProblem(`the regular expression on ${name} is not valid RE2: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Whether a series (its name and labels) is selected by every matcher. */
export function matchesSeries(matchers: readonly CompiledMatcher[], name: string, labels: readonly Label[]): boolean {
  for (const m of matchers) {
    let value = '';
    if (m.name === '__name__') value = name;
    else for (const l of labels) if (l.name === m.name) value = l.value;
    if (!m.test(value)) return false;
  }
  return true;
}

/** The matchers as PromQL writes them: `{__name__="up",job=~"node.*"}`. */
export function describeMatchers(matchers: readonly LabelMatcher[]): string {
  return `{${matchers.map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`).join(',')}}`;
}
