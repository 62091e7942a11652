import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';

/** A byte range [start, end) of an object. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The few object-store operations the cold tier needs, so that the archiver and the reader
 * can be wrapped (fault injection, counting) and tested without S3. Contract: `put` resolves
 * only once the object is durable and visible to every later `get` (S3's strong
 * read-after-write consistency); `get` resolves `undefined` for a missing object.
 */
export interface ObjectStore {
  get(key: string, range?: ByteRange, signal?: AbortSignal): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Every key under `prefix`, sorted; with `delimiter`, the common prefixes one level down instead of deeper keys. */
  list(prefix: string, options?: { delimiter?: string }): Promise<{ keys: string[]; prefixes: string[] }>;
  /** Deletes keys; missing ones are fine. */
  delete(keys: readonly string[]): Promise<void>;
}

/** {@link ObjectStore} on one S3 bucket. */
export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async get(key: string, range?: ByteRange, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    if (range && range.end <= range.start) return new Uint8Array(0);
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range && { Range: `bytes=${range.start}-${range.end - 1}` }) }),
        { abortSignal: signal },
      );
      const bytes = await out.Body!.transformToByteArray();
      if (range && bytes.length !== range.end - range.start) {
        throw new Error(`s3://${this.bucket}/${key}: asked for bytes ${range.start}-${range.end - 1}, got ${bytes.length} bytes`);
      }
      return bytes;
    } catch (error) {
      if (error instanceof NoSuchKey || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)) return undefined;
      throw error;
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentLength: bytes.length }));
  }

  async list(prefix: string, options: { delimiter?: string } = {}): Promise<{ keys: string[]; prefixes: string[] }> {
    const keys: string[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, ...(options.delimiter && { Delimiter: options.delimiter }) }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { keys: keys.sort(), prefixes: prefixes.sort() };
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const out = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) throw new Error(`s3://${this.bucket}: could not delete ${failed.length} object(s), e.g. ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message}`);
    }
  }
}
