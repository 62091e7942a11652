import fc from 'fast-check';
import { compileNameGlob, nameGlobProblem } from './glob';

describe('compileNameGlob', () => {
  it.each([
    ['', 'anything', true],
    ['*', 'cpu', true],
    ['**', 'cpu', true],
    ['cpu', 'cpu', true],
    ['cpu', 'cpu2', false],
    ['cpu', 'xcpu', false],
    ['host.*.cpu.*', 'host.a.cpu.user', true],
    ['job:*:rate5m', 'job:http_requests:rate5m', true],
    ['job:*:rate5m', 'job:http_requests:rate1m', false],
    ['host.*.cpu.*', 'host.a.b.cpu.user', true],
    ['host.*.cpu.*', 'host.a.cpu', false],
    ['host.*.cpu.*', 'host.a.cpu.', true],
    ['cpu?', 'cpu1', true],
    ['cpu?', 'cpu', false],
    ['cpu?', 'cpu12', false],
    ['a.b', 'axb', false],
    ['a-b_c', 'a-b_c', true],
    ['*.idle', 'cpu.idle', true],
    ['*.idle', 'cpu.idle.x', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'a_b_', false],
    ['ab*ba', 'aba', false],
    ['ab*ba', 'abba', true],
    ['a*a?a*a', 'aaaa', false],
    ['a*a?a*a', 'aaxaa', true],
    ['*abab?c*', 'xabababxc', true],
    ['*abab?c*', 'xababaxcy', false],
    ['*abac*', 'ababac', true],
    ['*aabaab*', 'aabaaabaab', true],
    ['*aabaab*', 'aabaaabaa', false],
    ['*aab*', 'aaab', true],
    [`*${'a'.repeat(40)}?b*`, `x${'a'.repeat(41)}b`, true],
    [`*${'a'.repeat(40)}?b*`, `x${'a'.repeat(40)}b`, false],
  ])('%j against %j is %s', (pattern, name, expected) => {
    expect(compileNameGlob(pattern)(name)).toBe(expected);
  });

  it.each([
    ['cpu{host="a"}', /contains "\{"/],
    ['cpu[12]', /contains "\["/],
    ['a b', /contains " "/],
    ['x'.repeat(513), /513 characters; the limit is 512/],
  ])('refuses %j, saying why', (pattern, why) => {
    expect(nameGlobProblem(pattern)).toMatch(why);
    expect(() => compileNameGlob(pattern)).toThrow(RangeError);
  });

  it('refuses a pattern past a lower limit the server sets', () => {
    expect(nameGlobProblem('x'.repeat(65), 64)).toMatch(/65 characters; the limit is 64/);
    expect(nameGlobProblem('x'.repeat(64), 64)).toBeUndefined();
    expect(() => compileNameGlob('x'.repeat(65), 64)).toThrow(RangeError);
  });

  // The old greedy walk backtracked to the last star: `*a…ab` against a run of a's cost
  // pattern x name per name, so a listing over many long names held the event loop for
  // seconds. Linear matching costs it no more than a few times one pass over the name
  // (the baseline: a middle segment that never matches, found by scanning the whole name).
  it.each([
    ['a literal suffix', `*${'a'.repeat(127)}b`, `*${'c'.repeat(127)}b*`],
    ['a literal middle segment', `*${'a'.repeat(127)}b*`, `*${'c'.repeat(127)}b*`],
    ['a middle segment with ?', `*${'a'.repeat(60)}?${'a'.repeat(60)}b*`, `*${'c'.repeat(60)}?${'c'.repeat(60)}b*`],
  ])('costs a pathological pattern (%s) no more than a few passes over the name', (_, pathological, baseline) => {
    const names = Array.from({ length: 4_000 }, (_, i) => 'a'.repeat(250) + String(i % 10).repeat(5));
    const cost = (pattern: string) => {
      const match = compileNameGlob(pattern);
      let best = Infinity;
      for (let run = 0; run < 7; run++) {
        const started = process.hrtime.bigint();
        for (const name of names) if (match(name)) throw new Error(`${pattern} should not match ${name}`);
        best = Math.min(best, Number(process.hrtime.bigint() - started));
      }
      return best;
    };
    cost(baseline); // warm up the JIT for both shapes
    expect(cost(pathological) / cost(baseline)).toBeLessThan(20);
  });

  it('stays fast on a pathological pattern of many stars', () => {
    const match = compileNameGlob('*a*a*a*a*a*a*a*a*a*a*a*a*b');
    const started = process.hrtime.bigint();
    expect(match('a'.repeat(255))).toBe(false);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1_000);
  });

  it('agrees with a regular expression on short names and patterns', () => {
    const reference = (pattern: string) => new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    fc.assert(
      fc.property(fc.stringMatching(/^[ab.*?]{0,8}$/), fc.stringMatching(/^[ab.]{0,10}$/), (pattern, name) => {
        expect(compileNameGlob(pattern)(name)).toBe(pattern === '' || reference(pattern).test(name));
      }),
      { numRuns: 2_000 },
    );
  });

  it('agrees with a regular expression on long names and patterns (segments of more than 32 characters)', () => {
    const reference = (pattern: string) => new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    const run = (alphabet: string) => fc.array(fc.constantFrom(...alphabet), { maxLength: 90 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(run('aaaab?*'), run('aaab'), (pattern, name) => {
        expect(compileNameGlob(pattern)(name)).toBe(pattern === '' || reference(pattern).test(name));
      }),
      { numRuns: 2_000 },
    );
    // Sampled from the name itself, so matches are frequent and long.
    fc.assert(
      fc.property(fc.stringMatching(/^[ab]{40,120}$/), fc.nat(), fc.nat(), fc.nat(), (name, a, b, q) => {
        const from = a % name.length;
        const to = from + (b % (name.length - from));
        const chars = [...name.slice(from, to)];
        if (chars.length > 0) chars[q % chars.length] = '?';
        const pattern = `*${chars.join('')}*`;
        expect(compileNameGlob(pattern)(name)).toBe(true);
        expect(compileNameGlob(pattern)(name)).toBe(reference(pattern).test(name));
      }),
      { numRuns: 1_000 },
    );
  });

  it('matches every name against itself and against * and ?-for-each-character', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z0-9._:-]{1,60}$/), (name) => {
        expect(compileNameGlob(name)(name)).toBe(true);
        expect(compileNameGlob('?'.repeat(name.length))(name)).toBe(true);
        expect(compileNameGlob(`${name[0]}*`)(name)).toBe(true);
      }),
    );
  });
});
