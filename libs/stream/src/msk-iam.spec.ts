import { createHash, createHmac } from 'node:crypto';
import { KafkaConfigError, MskIamCredentialsError } from './errors';
import { createMskIamToken, MSK_IAM_USER_AGENT, mskIamTokenProvider, type AwsCredentials } from './msk-iam';

// AWS's documentation example key pair: not a real credential.
const creds: AwsCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const T0 = Date.parse('2026-01-02T03:04:05.678Z');

function decode(token: string): URL {
  expect(token).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no padding
  return new URL(Buffer.from(token, 'base64url').toString('utf8'));
}

const rfc3986 = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** SigV4 recomputed from the spec, independently of the signer the code uses. */
function expectedSignature(url: URL, secret: string, region: string): string {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature' && k !== 'User-Agent');
  const canonicalQuery = params
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${url.host}\n`, 'host', createHash('sha256').update('').digest('hex')].join('\n');
  const amzDate = url.searchParams.get('X-Amz-Date')!;
  const scope = `${amzDate.slice(0, 8)}/${region}/kafka-cluster/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  let key = hmac(`AWS4${secret}`, amzDate.slice(0, 8));
  for (const part of [region, 'kafka-cluster', 'aws4_request']) key = hmac(key, part);
  return createHmac('sha256', key).update(toSign).digest('hex');
}

describe('createMskIamToken', () => {
  it('is a base64url presigned kafka-cluster:Connect URL for the region, valid 900 s', async () => {
    const token = await createMskIamToken({ region: 'eu-west-1', credentials: async () => creds, now: () => T0 });
    const url = decode(token.value);

    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    const q = url.searchParams;
    expect(q.get('Action')).toBe('kafka-cluster:Connect');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20260102/eu-west-1/kafka-cluster/aws4_request');
    expect(q.get('X-Amz-Date')).toBe('20260102T030405Z');
    expect(q.get('X-Amz-Expires')).toBe('900');
    expect(q.get('X-Amz-SignedHeaders')).toBe('host');
    expect(q.get('X-Amz-Security-Token')).toBeNull();
    expect(q.get('User-Agent')).toBe(MSK_IAM_USER_AGENT);
    expect(q.get('X-Amz-Signature')).toBe(expectedSignature(url, creds.secretAccessKey, 'eu-west-1'));

    expect(token.issuedAtMs).toBe(Date.parse('2026-01-02T03:04:05Z'));
    expect(token.expiresAtMs).toBe(token.issuedAtMs + 900_000);
  });

  it('carries the session token of temporary credentials and expires with them', async () => {
    const expiration = new Date(T0 + 120_000);
    const token = await createMskIamToken({
      region: 'us-gov-west-1',
      credentials: async () => ({ ...creds, sessionToken: 'FwoGZXIvYXdzE/+session=', expiration }),
      now: () => T0,
    });
    const url = decode(token.value);
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('FwoGZXIvYXdzE/+session=');
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, creds.secretAccessKey, 'us-gov-west-1'));
    expect(token.expiresAtMs).toBe(expiration.getTime());
  });

  it('changes with the signing time', async () => {
    const a = await createMskIamToken({ region: 'eu-west-1', credentials: async () => creds, now: () => T0 });
    const b = await createMskIamToken({ region: 'eu-west-1', credentials: async () => creds, now: () => T0 + 1000 });
    expect(a.value).not.toBe(b.value);
  });

  it.each([0, 901, 1.5])('rejects a lifetime of %p s', async (expiresInSeconds) => {
    await expect(createMskIamToken({ region: 'eu-west-1', credentials: async () => creds, expiresInSeconds })).rejects.toThrow(KafkaConfigError);
  });

  it('reports a failing credential chain as a retriable MskIamCredentialsError', async () => {
    const attempt = createMskIamToken({
      region: 'eu-west-1',
      credentials: () => Promise.reject(new Error('Could not load credentials from any providers')),
    });
    await expect(attempt).rejects.toThrow(MskIamCredentialsError);
    await expect(attempt).rejects.toMatchObject({ retriable: true, message: expect.stringContaining('Could not load credentials') });
  });
});

describe('mskIamTokenProvider', () => {
  function setup(overrides: { credentials?: () => Promise<AwsCredentials> } = {}) {
    let now = T0;
    let signings = 0;
    const provider = mskIamTokenProvider({
      region: 'eu-west-1',
      now: () => now,
      credentials: async () => {
        signings += 1;
        return overrides.credentials ? overrides.credentials() : creds;
      },
    });
    return { provider, advance: (ms: number) => (now += ms), signings: () => signings };
  }

  it('reuses a token until 80% of its life, then signs a fresh one', async () => {
    const { provider, advance, signings } = setup();
    const first = await provider();
    advance(719_000); // 80% of 900 s is 720 s; the token was issued at T0 rounded down to the second
    expect((await provider()).value).toBe(first.value);
    expect(signings()).toBe(1);
    advance(1000);
    const second = await provider();
    expect(second.value).not.toBe(first.value);
    expect(decode(second.value).searchParams.get('X-Amz-Date')).toBe('20260102T031605Z');
    expect(signings()).toBe(2);
  });

  it('signs once for concurrent callers', async () => {
    const { provider, signings } = setup();
    const tokens = await Promise.all([provider(), provider(), provider()]);
    expect(new Set(tokens.map((t) => t.value)).size).toBe(1);
    expect(signings()).toBe(1);
  });

  it('refreshes early when the credentials expire before the token would', async () => {
    const { provider, advance, signings } = setup({ credentials: async () => ({ ...creds, expiration: new Date(T0 + 100_000) }) });
    await provider();
    advance(81_000); // past 80% of the ~100 s the credentials allow
    await provider();
    expect(signings()).toBe(2);
  });

  it('refuses to hand out a token signed with already-expired credentials', async () => {
    const { provider } = setup({ credentials: async () => ({ ...creds, expiration: new Date(T0 - 1) }) });
    await expect(provider()).rejects.toThrow(MskIamCredentialsError);
  });

  it('tries the chain again on the next call after a failure', async () => {
    let fail = true;
    const { provider, signings } = setup({ credentials: async () => (fail ? Promise.reject(new Error('IMDS timeout')) : creds) });
    await expect(provider()).rejects.toThrow('IMDS timeout');
    fail = false;
    await expect(provider()).resolves.toEqual({ value: expect.any(String) });
    expect(signings()).toBe(2);
  });

  it.each([0, 1, -0.5])('rejects refreshAfter %p', (refreshAfter) => {
    expect(() => mskIamTokenProvider({ region: 'eu-west-1', credentials: async () => creds, refreshAfter })).toThrow(KafkaConfigError);
  });
});
