import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import type { ApiKeyStore } from './api-keys';
import { StrataError } from './errors';

const MISSING_KEY = {
  grpc: 'missing x-api-key metadata',
  http: 'missing API key: send x-api-key, Authorization: Bearer <key>, or basic auth with the key as password',
};

/** The caller presented no API key, or one that maps to no tenant. */
export class UnauthenticatedError extends StrataError {
  constructor(
    readonly reason: 'missing' | 'unknown',
    door: 'grpc' | 'http' = 'grpc',
  ) {
    super(reason === 'missing' ? MISSING_KEY[door] : 'unknown API key', { context: { reason } });
  }
}

/** Resolves the tenant of a call from its `x-api-key` metadata, or throws. */
export function tenantFromMetadata(metadata: Metadata, keys: ApiKeyStore): string {
  const values = metadata.get('x-api-key');
  const key = typeof values[0] === 'string' ? values[0] : undefined;
  if (key === undefined || key === '') throw new UnauthenticatedError('missing');
  const tenant = keys.tenantFor(key);
  if (tenant === undefined) throw new UnauthenticatedError('unknown');
  return tenant;
}

/** A grpc-js ServiceError with the given status, for handlers to pass to callbacks. */
export function grpcError(code: status, details: string): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: undefined as unknown as Metadata });
}
