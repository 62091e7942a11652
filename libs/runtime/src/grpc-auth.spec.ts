import { Metadata } from '@grpc/grpc-js';
import { ApiKeyStore } from './api-keys';
import { UnauthenticatedError, tenantFromMetadata } from './grpc-auth';

describe('tenantFromMetadata', () => {
  const keys = ApiKeyStore.parse('acme-secret-1:acme');
  const metadata = (key?: string) => {
    const m = new Metadata();
    if (key !== undefined) m.set('x-api-key', key);
    return m;
  };

  it('returns the tenant of a known key', () => {
    expect(tenantFromMetadata(metadata('acme-secret-1'), keys)).toBe('acme');
  });

  it.each([
    ['missing', undefined, 'missing x-api-key metadata'],
    ['empty', '', 'missing x-api-key metadata'],
    ['unknown', 'acme-secret-2', 'unknown API key'],
  ])('refuses a %s key', (_case, key, message) => {
    expect(() => tenantFromMetadata(metadata(key), keys)).toThrow(UnauthenticatedError);
    expect(() => tenantFromMetadata(metadata(key), keys)).toThrow(message);
  });
});
