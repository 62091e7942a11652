import { ApiKeyStore } from './api-keys';
import { UnauthenticatedError } from './grpc-auth';
import { apiKeyFromHttpHeaders, tenantFromHttpHeaders } from './http-auth';

const keys = ApiKeyStore.parse('secret-key-a:alpha,secret-key-b:beta');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('tenantFromHttpHeaders', () => {
  it.each([
    ['x-api-key', { 'x-api-key': 'secret-key-a' }],
    ['a bearer token', { authorization: 'Bearer secret-key-a' }],
    ['a bearer token, scheme in any case', { authorization: 'bearer secret-key-a' }],
    ['basic auth, the key as password', { authorization: basic('prometheus', 'secret-key-a') }],
    ['basic auth with an empty user', { authorization: basic('', 'secret-key-a') }],
  ])('maps %s to the same tenant as gRPC', (_, headers) => {
    expect(tenantFromHttpHeaders(headers, keys)).toBe('alpha');
  });

  it('prefers x-api-key over Authorization', () => {
    expect(tenantFromHttpHeaders({ 'x-api-key': 'secret-key-b', authorization: 'Bearer secret-key-a' }, keys)).toBe('beta');
  });

  it.each([
    ['no header', {}],
    ['an empty x-api-key', { 'x-api-key': '' }],
    ['an empty bearer token', { authorization: 'Bearer ' }],
    ['an unknown scheme', { authorization: 'Digest secret-key-a' }],
    ['basic auth with no password', { authorization: basic('secret-key-a', '') }],
    ['basic auth that is not user:password', { authorization: `Basic ${Buffer.from('secret-key-a').toString('base64')}` }],
  ])('refuses %s as missing, naming the three ways', (_, headers) => {
    expect(apiKeyFromHttpHeaders(headers)).toBeUndefined();
    expect(() => tenantFromHttpHeaders(headers, keys)).toThrow(new UnauthenticatedError('missing', 'http'));
    expect(() => tenantFromHttpHeaders(headers, keys)).toThrow(/x-api-key, Authorization: Bearer <key>, or basic auth/);
  });

  it('refuses an unknown key in any form', () => {
    for (const headers of [{ 'x-api-key': 'wrong-key-1' }, { authorization: 'Bearer wrong-key-1' }, { authorization: basic('u', 'wrong-key-1') }]) {
      expect(() => tenantFromHttpHeaders(headers, keys)).toThrow(expect.objectContaining({ reason: 'unknown' }));
    }
  });
});
