import { ApiKeyStore } from '@strata/runtime';
import { withProberKey } from './prober-key';

describe('withProberKey', () => {
  it("adds a key of the prober's own to the user's STRATA_API_KEYS and gives it to the prober", () => {
    const { env, generated } = withProberKey({ STRATA_API_KEYS: 'user-key-123:acme', KEEP: 'me' });
    expect(generated?.tenant).toBe('strata-prober');
    expect(generated?.key).toMatch(/^prober-[A-Za-z0-9_-]{32}$/);
    expect(env['KEEP']).toBe('me');
    expect(env['STRATA_PROBER_API_KEY']).toBe(generated?.key);
    // What ingest and reader will parse: the user's key as before, and the prober's.
    const keys = ApiKeyStore.parse(env['STRATA_API_KEYS']);
    expect(keys.tenantFor('user-key-123')).toBe('acme');
    expect(keys.tenantFor(generated!.key)).toBe('strata-prober');
  });

  it('makes a different key each run', () => {
    const env = { STRATA_API_KEYS: 'user-key-123:acme' };
    expect(withProberKey(env).generated?.key).not.toBe(withProberKey(env).generated?.key);
  });

  it('uses STRATA_PROBER_TENANT for the tenant and tolerates a trailing comma', () => {
    const { env } = withProberKey({ STRATA_API_KEYS: 'user-key-123:acme,', STRATA_PROBER_TENANT: 'canary' }, () => 'fixed-prober-key');
    expect(env['STRATA_API_KEYS']).toBe('user-key-123:acme,fixed-prober-key:canary');
  });

  it.each([
    ['no STRATA_API_KEYS (development key for all)', {}],
    ['a blank STRATA_API_KEYS (the services refuse it and say so)', { STRATA_API_KEYS: ' ' }],
    ['a prober key of the user', { STRATA_API_KEYS: 'user-key-123:acme', STRATA_PROBER_API_KEY: 'user-key-123' }],
    ['prober tenants of the user', { STRATA_API_KEYS: 'user-key-123:acme', STRATA_PROBER_TENANTS: 'acme:user-key-123' }],
  ])('changes nothing with %s', (_case, env: NodeJS.ProcessEnv) => {
    expect(withProberKey(env)).toEqual({ env });
  });
});
