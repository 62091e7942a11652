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

  it('stays fast on a pathological pattern', () => {
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

  it('matches every name against itself and against * and ?-for-each-character', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z0-9._-]{1,60}$/), (name) => {
        expect(compileNameGlob(name)(name)).toBe(true);
        expect(compileNameGlob('?'.repeat(name.length))(name)).toBe(true);
        expect(compileNameGlob(`${name[0]}*`)(name)).toBe(true);
      }),
    );
  });
});
