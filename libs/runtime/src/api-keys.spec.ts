import { ApiKeyStore, DEVELOPMENT_API_KEY, DEVELOPMENT_TENANT } from './api-keys';
import { ConfigError } from './errors';

describe('ApiKeyStore', () => {
  it('maps each key to its tenant and refuses unknown keys', () => {
    const store = ApiKeyStore.parse('alpha-key-1:acme, beta-key-22:globex');
    expect(store.tenantFor('alpha-key-1')).toBe('acme');
    expect(store.tenantFor('beta-key-22')).toBe('globex');
    expect(store.tenantFor('alpha-key-2')).toBeUndefined();
    expect(store.tenantFor('')).toBeUndefined();
    expect(store.tenantFor(undefined)).toBeUndefined();
    expect(store.tenants).toEqual(['acme', 'globex']);
    expect(store.usesDevelopmentKey).toBe(false);
  });

  it('accepts keys containing colons (the tenant is after the last one)', () => {
    expect(ApiKeyStore.parse('a:b:c:d:e:f:g:h:ops').tenantFor('a:b:c:d:e:f:g:h')).toBe('ops');
  });

  it('falls back to the development key when unset', () => {
    const store = ApiKeyStore.parse(undefined);
    expect(store.tenantFor(DEVELOPMENT_API_KEY)).toBe(DEVELOPMENT_TENANT);
    expect(store.usesDevelopmentKey).toBe(true);
  });

  it('never accepts the development key once a key list is set', () => {
    const store = ApiKeyStore.parse('alpha-key-1:acme');
    expect(store.tenantFor(DEVELOPMENT_API_KEY)).toBeUndefined();
    expect(store.usesDevelopmentKey).toBe(false);
  });

  it('names the variable it was given', () => {
    expect(() => ApiKeyStore.parse(' ', 'MY_KEYS')).toThrow(/MY_KEYS is set but blank/);
  });

  it('does not keep the keys themselves', () => {
    const store = ApiKeyStore.parse('very-secret-key:acme');
    expect(JSON.stringify(store)).not.toContain('very-secret-key');
  });

  it.each([
    ['no separator', 'justakeywithoutatenant', /must be key:tenant/],
    ['short key', 'short:acme', /at least 8 characters/],
    ['bad tenant', 'long-enough-key:acme corp', /tenants match/],
    ['repeated key', 'long-enough-key:a,long-enough-key:b', /repeats a key/],
    ['only commas', ' , ,', /holds no key:tenant pair/],
    // Set but blank: an empty Secret or a template that rendered nothing must not open the
    // public development key.
    ['an empty value', '', /STRATA_API_KEYS is set but blank/],
    ['only spaces', '   ', /STRATA_API_KEYS is set but blank/],
    ['the development key listed', `${DEVELOPMENT_API_KEY}:${DEVELOPMENT_TENANT}`, /entry 1 uses the public development key/],
    ['the development key among others', `alpha-key-1:acme,${DEVELOPMENT_API_KEY}:ops`, /entry 2 uses the public development key/],
  ])('rejects %s', (_case, spec, message) => {
    expect(() => ApiKeyStore.parse(spec)).toThrow(ConfigError);
    expect(() => ApiKeyStore.parse(spec)).toThrow(message);
  });
});
