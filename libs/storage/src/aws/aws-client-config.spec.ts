import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createS3 } from '../cold/s3-client';
import { createDynamoDb } from '../warm/dynamodb-client';
import { StorageConfigError } from '../errors';
import { credentialsForEndpoint, isLoopbackEndpoint, LOCAL_DUMMY_CREDENTIALS, resolveAwsClientConfig } from './aws-client-config';

describe('isLoopbackEndpoint', () => {
  it.each<[string | undefined, boolean]>([
    ['http://127.0.0.1:8000', true],
    ['http://127.8.9.10:8000', true],
    ['http://localhost:8333', true],
    ['http://[::1]:8333', true],
    ['http://moto.strata.svc:5000', false],
    ['https://dynamodb.us-east-1.amazonaws.com', false],
    ['http://127.0.0.1.example.com', false],
    ['not a url', false],
    [undefined, false],
  ])('%p → %p', (endpoint, expected) => {
    expect(isLoopbackEndpoint(endpoint)).toBe(expected);
  });
});

describe('credentialsForEndpoint', () => {
  it.each<[string, string | undefined, { AWS_ACCESS_KEY_ID?: string }, 'dummy' | 'chain']>([
    ['real AWS (no endpoint) is left to the default chain', undefined, {}, 'chain'],
    ['a loopback emulator gets dummy keys even when real ones are set', 'http://127.0.0.1:8000', { AWS_ACCESS_KEY_ID: 'AKIAREAL' }, 'dummy'],
    ['an emulator elsewhere with no keys set gets dummy keys', 'http://moto:5000', {}, 'dummy'],
    ['a custom endpoint with keys set uses them through the chain', 'https://minio.example:9000', { AWS_ACCESS_KEY_ID: 'minio' }, 'chain'],
  ])('%s', (_, endpoint, env, expected) => {
    const credentials = credentialsForEndpoint(endpoint, env);
    if (expected === 'chain') expect(credentials).toBeUndefined();
    else expect(credentials).toEqual(LOCAL_DUMMY_CREDENTIALS);
  });

  it('uses an access key DynamoDB Local 2.x accepts (letters and digits only)', () => {
    expect(LOCAL_DUMMY_CREDENTIALS.accessKeyId).toMatch(/^[A-Za-z0-9]+$/);
  });
});

describe('resolveAwsClientConfig', () => {
  it('fills in dummy credentials for a loopback endpoint only', () => {
    expect(resolveAwsClientConfig({ region: 'us-east-1', endpoint: 'http://127.0.0.1:8000' }).credentials).toEqual(LOCAL_DUMMY_CREDENTIALS);
    expect(resolveAwsClientConfig({ region: 'eu-west-1' })).toEqual({ region: 'eu-west-1' });
  });

  it('keeps explicit credentials', () => {
    const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
    expect(resolveAwsClientConfig({ region: 'us-east-1', endpoint: 'http://127.0.0.1:8000', credentials }).credentials).toBe(credentials);
  });

  it.each<[string, { region: string; endpoint?: string }, string]>([
    ['an empty region', { region: '' }, 'region'],
    ['an endpoint that is not a URL', { region: 'us-east-1', endpoint: '127.0.0.1:8000' }, 'endpoint'],
    ['a non-http endpoint', { region: 'us-east-1', endpoint: 'ftp://127.0.0.1' }, 'endpoint'],
  ])('rejects %s, naming the field', (_, config, field) => {
    expect(() => resolveAwsClientConfig(config)).toThrow(StorageConfigError);
    expect(() => resolveAwsClientConfig(config)).toThrow(expect.objectContaining({ field }));
  });
});

describe('the SDK clients Strata builds', () => {
  const local = { region: 'us-east-1', endpoint: 'http://127.0.0.1:8000' };
  const hasLogger = (client: { middlewareStack: { identify(): string[] } }) => client.middlewareStack.identify().some((m) => m.startsWith('loggerMiddleware'));

  it('carry no SDK logging middleware, which copies every input and output for a logger that drops them', () => {
    expect(hasLogger(new DynamoDBClient(resolveAwsClientConfig(local)))).toBe(true);
    expect(hasLogger(createDynamoDb(local))).toBe(false);
    expect(hasLogger(createS3({ ...local, forcePathStyle: true }))).toBe(false);
  });
});
