import { StorageConfigError } from '../errors';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What every AWS client of Strata is built from. */
export interface AwsClientConfig {
  /** A non-AWS endpoint: DynamoDB Local, moto, MinIO... @default AWS's regional endpoint */
  endpoint?: string;
  region: string;
  /**
   * Static credentials. @default dummy ones when `endpoint` is loopback, else the SDK's
   * default provider chain (env, profile, web identity, instance role).
   */
  credentials?: AwsCredentials;
  /** SDK attempts per call, including the first. @default 3 (the SDK's) */
  maxAttempts?: number;
}

/**
 * Local emulators accept any signature, but the SDK refuses to send a request it cannot
 * sign: with no credentials configured it walks its provider chain, which on a laptop or
 * CI either fails (after waiting on the instance-metadata endpoint) or finds a real
 * account's keys and sends them to the emulator. Fixed dummy keys avoid both.
 * Letters and digits only: DynamoDB Local 2.x rejects any other access key ("The Access Key
 * ID or security token is invalid"). It also keys tables by access key unless run with
 * -sharedDb, as the local stack runs it.
 */
export const LOCAL_DUMMY_CREDENTIALS: Readonly<AwsCredentials> = Object.freeze({
  accessKeyId: 'strataLocal',
  secretAccessKey: 'strataLocal',
});

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

export function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return false;
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return false;
  }
  return LOOPBACK_HOSTS.has(host) || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Credentials for a client of `endpoint`, given the caller's environment (only spec files
 * and config loaders read process.env; they pass it in). Dummy keys for an emulator:
 * a loopback endpoint, or a custom endpoint with no AWS_ACCESS_KEY_ID set. `undefined`
 * leaves the SDK's default chain in charge, which is what real AWS needs. Note that a
 * custom non-loopback endpoint reached with a role (IRSA) and no access key would get dummy
 * keys: such deployments set `credentials` or leave `endpoint` unset.
 */
export function credentialsForEndpoint(
  endpoint: string | undefined,
  env: { AWS_ACCESS_KEY_ID?: string | undefined },
): AwsCredentials | undefined {
  if (endpoint === undefined || endpoint === '') return undefined;
  if (isLoopbackEndpoint(endpoint) || !env.AWS_ACCESS_KEY_ID) return { ...LOCAL_DUMMY_CREDENTIALS };
  return undefined;
}

export interface ResolvedAwsClientConfig {
  region: string;
  endpoint?: string;
  credentials?: AwsCredentials;
  maxAttempts?: number;
}

/** Validates the config and fills in local credentials; the SDK-independent part of each factory. */
export function resolveAwsClientConfig(config: AwsClientConfig): ResolvedAwsClientConfig {
  if (config.region.trim() === '') throw new StorageConfigError('region', 'must not be empty');
  if (config.endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(config.endpoint);
    } catch {
      throw new StorageConfigError('endpoint', `"${config.endpoint}" is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new StorageConfigError('endpoint', `"${config.endpoint}" must be http(s)`);
    }
  }
  const credentials =
    config.credentials ?? (isLoopbackEndpoint(config.endpoint) ? { ...LOCAL_DUMMY_CREDENTIALS } : undefined);
  return {
    region: config.region,
    ...(config.endpoint !== undefined && { endpoint: config.endpoint }),
    ...(credentials !== undefined && { credentials }),
    ...(config.maxAttempts !== undefined && { maxAttempts: config.maxAttempts }),
  };
}

/** What the SDK's clients share: a middleware stack that middlewares can be removed from by name. */
interface WithMiddlewareStack {
  readonly middlewareStack: { remove(name: string): boolean };
}

/**
 * Removes the SDK's logging middleware. Strata gives the SDK no logger, yet the middleware
 * still builds a redacted copy of every call's input and output for its no-op logger: it
 * walked each Query's items and each BatchWriteItem's chunks, 2% of a busy reader's main
 * thread (measured under 16 clients). Strata logs its own calls.
 */
export function withoutSdkLogging<C extends WithMiddlewareStack>(client: C): C {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}
