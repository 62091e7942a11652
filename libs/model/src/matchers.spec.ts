import { compileMatchers, describeMatchers, matchesSeries, MAX_MATCHER_VALUE_LENGTH, MAX_MATCHERS, type LabelMatcher } from './matchers';

function compiled(matchers: LabelMatcher[]) {
  const result = compileMatchers(matchers);
  if ('problem' in result) throw new Error(result.problem);
  return result.matchers;
}

const cpu = { name: 'node_cpu_seconds_total', labels: [{ name: 'cpu', value: '0' }, { name: 'mode', value: 'idle' }] };
const sel = (...m: Array<[string, LabelMatcher['type'], string]>) => compiled(m.map(([name, type, value]) => ({ name, type, value })));
const selects = (m: ReturnType<typeof sel>, s = cpu) => matchesSeries(m, s.name, s.labels);

describe('label matchers', () => {
  it('matches the name as __name__ and labels by =, !=, =~, !~', () => {
    expect(selects(sel(['__name__', '=', 'node_cpu_seconds_total']))).toBe(true);
    expect(selects(sel(['__name__', '=~', 'node_.*'], ['mode', '!=', 'user']))).toBe(true);
    expect(selects(sel(['mode', '!~', 'idle|iowait']))).toBe(false);
    expect(selects(sel(['cpu', '=~', '[0-3]']))).toBe(true);
  });

  it('anchors regular expressions at both ends, as Prometheus does', () => {
    expect(selects(sel(['mode', '=~', 'idl']))).toBe(false);
    expect(selects(sel(['mode', '=~', 'dle']))).toBe(false);
    expect(selects(sel(['mode', '=~', 'idle|x']))).toBe(true);
    expect(selects(sel(['__name__', '=~', 'node_cpu']))).toBe(false);
  });

  it('treats a missing label as the empty value', () => {
    expect(selects(sel(['env', '=', '']))).toBe(true);
    expect(selects(sel(['env', '!=', 'prod']))).toBe(true);
    expect(selects(sel(['env', '=~', '.*']))).toBe(true);
    expect(selects(sel(['env', '=~', '.+']))).toBe(false);
    expect(sel(['env', '=~', 'a|'])[0].matchesEmpty).toBe(true);
    expect(sel(['mode', '=', 'idle'])[0].matchesEmpty).toBe(false);
  });

  it('lets . match a newline (RE2 with s, as Prometheus)', () => {
    const s = { name: 'x', labels: [{ name: 'msg', value: 'a\nb' }] };
    expect(selects(sel(['msg', '=~', 'a.b']), s)).toBe(true);
  });

  it('runs a pattern that would backtrack for ever in a backtracking engine in linear time', () => {
    const s = { name: 'x', labels: [{ name: 'v', value: `${'a'.repeat(20_000)}c` }] };
    const started = performance.now();
    expect(selects(sel(['v', '=~', '(a+)+b']), s)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it.each([
    ['an invalid regular expression', [{ name: 'v', type: '=~', value: '(' }], /not valid RE2/],
    ['lookbehind (not RE2)', [{ name: 'v', type: '=~', value: '(?<=a)b' }], /not valid RE2/],
    ['a value over the limit', [{ name: 'v', type: '=', value: 'x'.repeat(MAX_MATCHER_VALUE_LENGTH + 1) }], /characters long/],
    ['too many matchers', Array.from({ length: MAX_MATCHERS + 1 }, (_, i) => ({ name: `l${i}`, type: '=', value: 'x' })), /at most 32 matchers/],
    ['an unknown type', [{ name: 'v', type: '==', value: 'x' }], /unknown match type/],
  ])('says why it cannot use %s', (_, matchers, problem) => {
    const result = compileMatchers(matchers as LabelMatcher[]);
    expect('problem' in result && result.problem).toMatch(problem);
  });

  it('accepts a value exactly at the limit', () => {
    expect('matchers' in compileMatchers([{ name: 'v', type: '=', value: 'x'.repeat(MAX_MATCHER_VALUE_LENGTH) }])).toBe(true);
  });

  it('prints as PromQL', () => {
    expect(describeMatchers([{ name: '__name__', type: '=', value: 'up' }, { name: 'job', type: '=~', value: 'node.*' }])).toBe('{__name__="up",job=~"node.*"}');
  });
});
