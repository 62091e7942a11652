import type { IncomingHttpHeaders } from 'node:http';
import type { ApiKeyStore } from './api-keys';
import { UnauthenticatedError } from './grpc-auth';

/**
 * The API key of an HTTP request, in any of the three forms the HTTP doors accept:
 * `x-api-key: <key>`, `Authorization: Bearer <key>`, or basic auth whose password is the
 * key (the user name is ignored), which is what Prometheus's `basic_auth` sends.
 */
export function apiKeyFromHttpHeaders(headers: IncomingHttpHeaders): string | undefined {
  const direct = headers['x-api-key'];
  if (typeof direct === 'string' && direct !== '') return direct;
  const authorization = headers.authorization;
  if (typeof authorization !== 'string') return undefined;
  const space = authorization.indexOf(' ');
  if (space <= 0) return undefined;
  const scheme = authorization.slice(0, space).toLowerCase();
  const credentials = authorization.slice(space + 1).trim();
  if (scheme === 'bearer') return credentials === '' ? undefined : credentials;
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  return password === '' ? undefined : password;
}

/** The tenant of an HTTP request (see {@link apiKeyFromHttpHeaders}), or UnauthenticatedError. */
export function tenantFromHttpHeaders(headers: IncomingHttpHeaders, keys: ApiKeyStore): string {
  const key = apiKeyFromHttpHeaders(headers);
  if (key === undefined) throw new UnauthenticatedError('missing', 'http');
  const tenant = keys.tenantFor(key);
  if (tenant === undefined) throw new UnauthenticatedError('unknown', 'http');
  return tenant;
}
