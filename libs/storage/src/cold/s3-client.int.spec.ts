import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { credentialsForEndpoint } from '../aws/aws-client-config';
import { createS3, ensureBucket } from './s3-client';

// Runs against the local stack (`stack.sh up`) or STRATA_S3_ENDPOINT.
const endpoint = process.env['STRATA_S3_ENDPOINT'] ?? 'http://127.0.0.1:8333';
const MiB = 1024 * 1024;
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('S3 round trip through the cold-tier client', () => {
  let s3: S3Client;
  const bucket = `strata-test-${randomUUID()}`;

  beforeAll(() => {
    const credentials = credentialsForEndpoint(endpoint, process.env);
    s3 = createS3({ endpoint, region: 'us-east-1', forcePathStyle: true, ...(credentials && { credentials }) });
  });

  afterAll(async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket })).catch(() => undefined);
    const objects = (listed?.Contents ?? []).map((o) => ({ Key: o.Key ?? '' }));
    if (objects.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    s3.destroy();
  });

  it('creates the bucket once, then finds it', async () => {
    expect(await ensureBucket(s3, bucket)).toEqual({ created: true });
    expect(await ensureBucket(s3, bucket)).toEqual({ created: false });
  });

  it('reads back exactly the requested byte range of an object', async () => {
    const body = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'blocks/range.bin', Body: body }));
    const part = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'blocks/range.bin', Range: 'bytes=1000-1099' }));
    const bytes = Buffer.from(await part.Body!.transformToByteArray());
    expect(part.ContentRange).toBe('bytes 1000-1099/4096');
    expect(part.ContentLength).toBe(100);
    expect(bytes).toEqual(body.subarray(1000, 1100));
  });

  it('lists more keys than one page holds, page by page, in key order', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `manifests/tenant-1/part-${String(i).padStart(3, '0')}.json`);
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `{"i":"${key}"}` }));
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'manifests/tenant-1/', MaxKeys: 3, ContinuationToken: token }));
      pages.push((page.Contents ?? []).map((o) => o.Key ?? ''));
      expect(page.IsTruncated).toBe(page.NextContinuationToken !== undefined);
      token = page.NextContinuationToken;
    } while (token);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(keys);
  });

  it('uploads a streamed (aws-chunked, checksum-trailed) body and reads it back intact', async () => {
    const data = randomBytes(3 * MiB);
    // Many small chunks, as an archiver streaming a block it is still building would send.
    const chunks = Array.from({ length: 48 }, (_, i) => data.subarray(i * 64 * 1024, (i + 1) * 64 * 1024));
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'blocks/streamed.bin', Body: Readable.from(chunks), ContentLength: data.length }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'blocks/streamed.bin' }));
    expect(head.ContentLength).toBe(data.length);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'blocks/streamed.bin' }));
    expect(sha256(await got.Body!.transformToByteArray())).toBe(sha256(data));
  });

  it('assembles a multipart upload from its parts in order', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1 * MiB)];
    const key = 'blocks/multipart.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const etags = [];
    for (const [i, part] of parts.entries()) {
      const out = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: part }));
      etags.push({ PartNumber: i + 1, ETag: out.ETag });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: etags } }));

    const whole = Buffer.concat(parts);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(sha256(await got.Body!.transformToByteArray())).toBe(sha256(whole));
    // A range across the first part boundary comes from both parts.
    const across = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${5 * MiB - 8}-${5 * MiB + 7}` }));
    expect(Buffer.from(await across.Body!.transformToByteArray())).toEqual(whole.subarray(5 * MiB - 8, 5 * MiB + 8));
  });
});
