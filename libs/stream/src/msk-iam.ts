import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { KafkaConfigError, MskIamCredentialsError } from './errors';

/**
 * Amazon MSK's IAM access control over SASL/OAUTHBEARER. The "token" is not an OAuth token:
 * it is a SigV4-presigned `GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect`
 * URL, base64url-encoded without padding. The broker checks the signature and the IAM policy
 * of the signing principal (here: the pod's role through IRSA, or any identity the AWS
 * default credential chain finds).
 */

/** AWS credentials as the default chain returns them (structurally the SDK's own type). */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** When temporary credentials stop working; a token must not outlive them. */
  readonly expiration?: Date;
}

export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

export interface MskIamToken {
  /** What goes into the OAUTHBEARER `auth=Bearer <value>` field. */
  readonly value: string;
  /** Epoch ms of the signature (X-Amz-Date). */
  readonly issuedAtMs: number;
  /** Epoch ms after which the broker rejects it: X-Amz-Expires, or earlier credential expiry. */
  readonly expiresAtMs: number;
}

export interface MskIamTokenOptions {
  region: string;
  credentials: AwsCredentialsProvider;
  /** @default Date.now */
  now?: () => number;
  /** Validity of the presigned URL. MSK accepts at most 900 s. @default 900 */
  expiresInSeconds?: number;
}

/** Identifies the client to the broker's logs, as AWS's own signers do. */
export const MSK_IAM_USER_AGENT = 'strata-msk-iam';
const SERVICE = 'kafka-cluster';
const ACTION = 'kafka-cluster:Connect';
const MAX_EXPIRES_SECONDS = 900;

/** The SHA-256 / HMAC-SHA-256 the signer asks for, on node:crypto (no extra package). */
class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(this.secret));
  }
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** RFC 3986 encoding, the same the signer uses for the canonical query. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The endpoint host a token is signed for; MSK checks it against its own region. */
export function mskIamHost(region: string): string {
  return `kafka.${region}.amazonaws.com`;
}

/** Signs one token. Pure apart from the credentials provider; the clock is injectable. */
export async function createMskIamToken(options: MskIamTokenOptions): Promise<MskIamToken> {
  const expiresIn = options.expiresInSeconds ?? MAX_EXPIRES_SECONDS;
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_SECONDS) {
    throw new KafkaConfigError('sasl.expiresInSeconds', `MSK IAM tokens live 1..${MAX_EXPIRES_SECONDS} s (got ${expiresIn})`);
  }
  let credentials: AwsCredentials;
  try {
    credentials = await options.credentials();
  } catch (err) {
    throw new MskIamCredentialsError(`MSK IAM: no AWS credentials from the default chain (${(err as Error).message})`, { cause: err });
  }
  // SigV4 dates have whole-second resolution; the token's lifetime counts from that second.
  const issuedAtMs = Math.floor((options.now ?? Date.now)() / 1000) * 1000;
  const hostname = mskIamHost(options.region);
  const signer = new SignatureV4({ service: SERVICE, region: options.region, credentials, sha256: NodeSha256, applyChecksum: false });
  const signed = await signer.presign(
    { method: 'GET', protocol: 'https:', hostname, path: '/', query: { Action: ACTION }, headers: { host: hostname } },
    { expiresIn, signingDate: new Date(issuedAtMs) },
  );
  // Added after signing, like AWS's signers: the broker ignores it for the signature.
  const query: Record<string, string> = { ...(signed.query as Record<string, string>), 'User-Agent': MSK_IAM_USER_AGENT };
  const search = Object.keys(query)
    .map((key) => `${escapeUri(key)}=${escapeUri(query[key])}`)
    .join('&');
  const url = `https://${hostname}/?${search}`;
  let expiresAtMs = issuedAtMs + expiresIn * 1000;
  if (credentials.expiration !== undefined) expiresAtMs = Math.min(expiresAtMs, credentials.expiration.getTime());
  return { value: Buffer.from(url, 'utf8').toString('base64url'), issuedAtMs, expiresAtMs };
}

export interface MskIamTokenProviderOptions extends MskIamTokenOptions {
  /**
   * Share of a token's lifetime after which the next caller gets a fresh one. kafkajs asks
   * on every new connection and on re-authentication (MSK sets a session lifetime), so a
   * token handed out is always at least (1 - refreshAfter) of its lifetime from expiry.
   * @default 0.8
   */
  refreshAfter?: number;
}

/**
 * A kafkajs `oauthBearerProvider` for MSK IAM: reuses one token across connections and
 * signs a new one once the current one is `refreshAfter` through its life. Concurrent
 * callers (a client connecting to several brokers) share one signing.
 */
export function mskIamTokenProvider(options: MskIamTokenProviderOptions): () => Promise<{ value: string }> {
  const refreshAfter = options.refreshAfter ?? 0.8;
  if (!(refreshAfter > 0 && refreshAfter < 1)) throw new KafkaConfigError('sasl.refreshAfter', `must be between 0 and 1, exclusive (got ${refreshAfter})`);
  const now = options.now ?? Date.now;
  let current: MskIamToken | undefined;
  let pending: Promise<MskIamToken> | undefined;

  const fresh = (token: MskIamToken): boolean => now() < token.issuedAtMs + (token.expiresAtMs - token.issuedAtMs) * refreshAfter;

  return async () => {
    if (current && fresh(current)) return { value: current.value };
    pending ??= createMskIamToken(options).finally(() => {
      pending = undefined;
    });
    const token = await pending;
    if (token.expiresAtMs <= now()) {
      // Credentials that are already expired sign a URL the broker will reject; say so here
      // rather than as an opaque SASL failure.
      throw new MskIamCredentialsError(`MSK IAM: the AWS credentials expired at ${new Date(token.expiresAtMs).toISOString()}; the default chain returned no fresh ones`);
    }
    current = token;
    return { value: token.value };
  };
}
