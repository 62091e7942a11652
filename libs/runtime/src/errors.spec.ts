import { ConfigError, isPermanent, isRetriable, StrataError } from './errors';

describe('StrataError', () => {
  it('carries retriable (false unless said) and a frozen copy of its context', () => {
    const given = { tenant: 'acme', limit: 5 };
    const error = new StrataError('over the limit', { retriable: true, context: given });
    given.limit = 6;
    expect(error).toMatchObject({ name: 'StrataError', message: 'over the limit', retriable: true, context: { tenant: 'acme', limit: 5 } });
    expect(Object.isFrozen(error.context)).toBe(true);
    expect(new StrataError('plain')).toMatchObject({ retriable: false, context: {} });
  });

  it('names itself after the subclass and keeps its cause', () => {
    const cause = new Error('socket closed');
    const error = new ConfigError(['STRATA_X: not a number']);
    expect(error.name).toBe('ConfigError');
    expect(error.context).toEqual({ problems: ['STRATA_X: not a number'] });
    expect(new StrataError('wrapped', { cause }).cause).toBe(cause);
  });
});

describe('isRetriable and isPermanent', () => {
  it.each([
    ['a retriable StrataError', new StrataError('busy', { retriable: true }), true, false],
    ['a permanent StrataError', new StrataError('refused'), false, true],
    ['an error from outside the tree', new Error('bug'), false, false],
    ['an object that only claims to be retriable', { retriable: true }, false, false],
    ['a thrown string', 'oops', false, false],
  ])('%s', (_, error, retriable, permanent) => {
    expect(isRetriable(error)).toBe(retriable);
    expect(isPermanent(error)).toBe(permanent);
  });
});
