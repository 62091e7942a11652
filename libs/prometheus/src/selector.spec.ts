import fc from 'fast-check';
import { describeMatchers, type LabelMatcher } from '@strata/model';
import { parseSeriesSelector, SelectorSyntaxError } from './selector';

const eq = (name: string, value: string): LabelMatcher => ({ name, type: '=', value });
const m = (name: string, type: LabelMatcher['type'], value: string): LabelMatcher => ({ name, type, value });

/** The error a selector is refused with. */
function refusal(text: string): SelectorSyntaxError {
  try {
    parseSeriesSelector(text);
  } catch (error) {
    if (error instanceof SelectorSyntaxError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(text)} was accepted`);
}

describe('parseSeriesSelector', () => {
  it.each<[string, LabelMatcher[]]>([
    ['up', [eq('__name__', 'up')]],
    ['up{job="x"}', [eq('__name__', 'up'), eq('job', 'x')]],
    ['{__name__=~"node_.*", mode!="idle"}', [m('__name__', '=~', 'node_.*'), m('mode', '!=', 'idle')]],
    ['{"my.metric", a="b"}', [eq('__name__', 'my.metric'), eq('a', 'b')]],
    ['{"my.metric"}', [eq('__name__', 'my.metric')]],
    ['{"http.status_code"="200"}', [eq('http.status_code', '200')]],
    ['node_cpu_seconds:rate5m{cpu!~"1|2"}', [eq('__name__', 'node_cpu_seconds:rate5m'), m('cpu', '!~', '1|2')]],
    // Keywords and function names are metric and label names where a selector is expected.
    ['sum', [eq('__name__', 'sum')]],
    ['rate{by="x", on="y", offset="z", bool="w"}', [eq('__name__', 'rate'), eq('by', 'x'), eq('on', 'y'), eq('offset', 'z'), eq('bool', 'w')]],
    ['up{a="b",}', [eq('__name__', 'up'), eq('a', 'b')]],
    ['  up  {  a = "b" , c !~ "d" }  ', [eq('__name__', 'up'), eq('a', 'b'), m('c', '!~', 'd')]],
    ['up # a comment\n', [eq('__name__', 'up')]],
    ['up{# inside\na="1"}', [eq('__name__', 'up'), eq('a', '1')]],
    // Repeated names are Prometheus's too: the matchers all apply.
    ['up{__name__="up"}', [eq('__name__', 'up'), eq('__name__', 'up')]],
    ['{a!=""}', [m('a', '!=', '')]],
    ['{a=~".+"}', [m('a', '=~', '.+')]],
    ['{a="", b="x"}', [eq('a', ''), eq('b', 'x')]],
    // Quoting: double, single and backquotes; Go escapes.
    ["{a='x\"y'}", [eq('a', 'x"y')]],
    ['{a="x\'y"}', [eq('a', "x'y")]],
    ["{a='it\\'s'}", [eq('a', "it's")]],
    ['{a="say \\"hi\\""}', [eq('a', 'say "hi"')]],
    ['{a=`raw \\n "x" \'y\'`}', [eq('a', 'raw \\n "x" \'y\'')]],
    ['{a=`two\nlines`}', [eq('a', 'two\nlines')]],
    ['{a="\\a\\b\\f\\n\\r\\t\\v\\\\"}', [eq('a', '\x07\b\f\n\r\t\v\\')]],
    ['{a="\\x41\\101\\u00e9\\U0001F600"}', [eq('a', 'AAé😀')]],
    ['{a="\\xc3\\xa9"}', [eq('a', 'é')]],
    ['{a="\\000"}', [eq('a', '\0')]],
    ['{a="é😀 日本"}', [eq('a', 'é😀 日本')]],
    ['{a=~"\\\\d+\\\\.\\\\d+"}', [m('a', '=~', '\\d+\\.\\d+')]],
    ['{"a\\"b"="c"}', [eq('a"b', 'c')]],
  ])('takes %j', (text, matchers) => {
    expect(parseSeriesSelector(text)).toEqual(matchers);
  });

  it.each<[string, RegExp, number?]>([
    // Not a plain series selector.
    ['up[5m]', /at 1:3 .*a range selector is not a series selector/],
    ['rate(up[5m])', /a function call is not a series selector/],
    ['up offset 5m', /at 1:4 .*an offset modifier is not a series selector/],
    ['up @ 1700000000', /at 1:4 .*an @ modifier is not a series selector/],
    ['up[5m:1m]', /a subquery is not a series selector/],
    ['sum(up)', /an aggregation is not a series selector/],
    ['sum by (job) (up)', /an aggregation/],
    ['up + 1', /a binary operation/],
    ['up{a="1"} or up{a="2"}', /a binary operation/],
    ['-up', /a unary operation/],
    ['(up)', /an expression in parentheses/],
    ['1', /a number is not a series selector/],
    ['nan', /a number/],
    ['"up"', /a string is not a series selector/],
    // Syntax.
    ['', /at 1:1 .*empty selector/],
    ['   ', /empty selector/],
    ['# only a comment', /unexpected end of input/],
    ['up{', /at 1:4 .*unexpected end of input/],
    ['up{a=b}', /at 1:6 .*unexpected "b"/],
    ['up{a="b" c="d"}', /unexpected "c"/],
    ['up{a="b"}}', /at 1:10 .*unexpected "}"/],
    ['up{a="b"}{c="d"}', /unexpected "{"/],
    ['"quoted"{a="b"}', /unexpected "{"/],
    ['up{a:b="c"}', /unexpected/],
    ['up{,}', /unexpected ","/],
    ['up{a==“b”}', /unexpected/],
    ['u p', /at 1:3 .*unexpected "p"/],
    ['up\n{a=b}', /at 2:4 .*unexpected "b"/],
    ['up{a="x\ny"}', /unexpected|newline/],
    ['offset', /unexpected "offset"/],
    ['bool', /unexpected "bool"/],
    // Escapes PromQL refuses.
    ['{a="\\q"}', /at 1:5 .*unknown escape sequence \\q/],
    ['{a="\\\'"}', /unknown escape sequence \\'/],
    ["{a='\\\"'}", /unknown escape sequence \\"/],
    ['{a="\\x4g"}', /illegal character "g" in escape sequence/],
    ['{a="\\u12"}', /escape sequence not terminated|illegal character/],
    ['{a="\\ud800"}', /invalid Unicode code point/],
    ['{a="\\U00110000"}', /invalid Unicode code point/],
    ['{a="\\400"}', /invalid Unicode code point/],
    ['{a="\\18"}', /illegal character "8" in escape sequence/],
    ['{a="\\xff"}', /do not make valid UTF-8/],
    // Prometheus's rule against selecting everything by accident.
    ['{}', /vector selector must contain at least one non-empty matcher/],
    ['{a=""}', /at least one non-empty matcher/],
    ['{a=~".*"}', /at least one non-empty matcher/],
    ['{a!~".+"}', /at least one non-empty matcher/],
    ['{a!="x", b=~"x?"}', /at least one non-empty matcher/],
    ['{a=~"("}', /at 1:2 .*regular expression on a is not valid RE2/],
  ])('refuses %j: %s', (text, message) => {
    const error = refusal(text);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(JSON.stringify(text).slice(0, 20));
  });

  it('names the line and column of the problem, counting from 1, and quotes a long selector in part', () => {
    const error = refusal(`{a="${'x'.repeat(200)}",\n  b=c}`);
    expect([error.line, error.column, error.position]).toEqual([2, 5, 211]);
    expect(error.message).toMatch(/^parse error at 2:5 of "\{a=\\"x+"\.\.\. \(213 characters\): unexpected "c"$/);
  });

  it('leaves the check of a regular expression to the listing when another matcher settles the rule', () => {
    // Compiling it here too would double the cost of a request full of long expressions.
    expect(parseSeriesSelector('up{a=~"("}')).toEqual([eq('__name__', 'up'), m('a', '=~', '(')]);
  });

  it('refuses a megabyte of hostile text quickly, and nesting past the parser without exhausting the stack', () => {
    for (const text of ['{'.repeat(1 << 20), 'up{' + ','.repeat(1 << 20) + '}', '('.repeat(1 << 19) + 'up' + ')'.repeat(1 << 19), 'up+'.repeat(1 << 18) + 'up', '{{((]]!!'.repeat(1 << 17)]) {
      const started = performance.now();
      expect(refusal(text)).toBeInstanceOf(SelectorSyntaxError);
      // Recovering parsers take seconds on these; the strict one stops at the first error.
      expect(performance.now() - started).toBeLessThan(1_000);
    }
  });

  it('takes a megabyte of valid selector, a long value and many matchers', () => {
    const value = 'x'.repeat((1 << 20) - 10);
    expect(parseSeriesSelector(`up{a="${value}"}`)[1].value).toHaveLength(value.length);
    const many = Array.from({ length: 1_000 }, (_, i) => `l${i}="${i}"`).join(',');
    expect(parseSeriesSelector(`{${many}}`)).toHaveLength(1_000);
  });

  // Round trip: matchers written as PromQL, with each quoting style, parse back to themselves.
  const keywords = new Set(['offset', 'bool', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);
  const metricName = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,15}$/).filter((n) => !keywords.has(n.toLowerCase()));
  const identifier = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,15}$/);
  const labelName = fc.oneof(identifier, fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }));
  const value = fc.string({ unit: 'binary', maxLength: 20 });
  const regex = fc.array(fc.constantFrom('a', 'b', '.', '.*', '.+', '|', 'x?', '[0-9]', '\\.', '(c|d)', 'é'), { maxLength: 6 }).map((parts) => parts.join(''));
  const matcher: fc.Arbitrary<LabelMatcher> = fc.oneof(
    fc.record({ name: labelName, type: fc.constantFrom('=' as const, '!=' as const), value }),
    fc.record({ name: labelName, type: fc.constantFrom('=~' as const, '!~' as const), value: regex }),
  );
  const quoteStyle = fc.constantFrom('double', 'single', 'backquote');

  /** A string as PromQL writes it in the given style (a backquoted one only when it can be). */
  function quote(text: string, style: 'double' | 'single' | 'backquote'): string {
    if (style === 'double') return JSON.stringify(text);
    if (style === 'backquote' && !text.includes('`')) return `\`${text}\``;
    const escaped = [...text].map((c) => {
      if (c === '\\' || c === "'") return `\\${c}`;
      const code = c.codePointAt(0)!;
      if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
      return code > 0xffff && code % 2 === 0 ? `\\U${code.toString(16).padStart(8, '0')}` : c;
    });
    return `'${escaped.join('')}'`;
  }

  it('parses describeMatchers output back to the same matchers', () => {
    fc.assert(
      fc.property(identifier, fc.array(matcher.filter((x) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(x.name)), { maxLength: 6 }), (name, rest) => {
        const matchers = [eq('__name__', name), ...rest];
        expect(parseSeriesSelector(describeMatchers(matchers))).toEqual(matchers);
      }),
    );
  });

  it('parses any selector written with any quoting back to its matchers', () => {
    fc.assert(
      fc.property(
        fc.option(metricName, { nil: undefined }),
        fc.array(fc.tuple(matcher, quoteStyle, quoteStyle), { maxLength: 6 }),
        fc.constantFrom('', ' ', '\n  '),
        (name, parts, space) => {
          const matchers = parts.map(([x]) => x);
          const all = name === undefined ? matchers : [eq('__name__', name), ...matchers];
          fc.pre(all.some((x) => (x.type === '=' && x.value !== '') || (x.type === '!=' && x.value === '') || (x.type === '=~' && !new RegExp(`^(?:${x.value})$`, 's').test('')) || (x.type === '!~' && new RegExp(`^(?:${x.value})$`, 's').test(''))));
          const written = parts.map(([x, nameStyle, valueStyle]) => {
            const n = /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(x.name) ? x.name : quote(x.name, nameStyle);
            return `${n}${space}${x.type}${space}${quote(x.value, valueStyle)}`;
          });
          const text = `${name ?? ''}${space}{${space}${written.join(`,${space}`)}${space}}`;
          expect(parseSeriesSelector(text)).toEqual(all);
        },
      ),
    );
  });
});
