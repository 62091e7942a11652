import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  S3Client,
  S3ServiceException,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { resolveAwsClientConfig, withoutSdkLogging, type AwsClientConfig } from '../aws/aws-client-config';
import { BucketNotOwnedError } from '../errors';

export interface S3Config extends AwsClientConfig {
  /** `endpoint/bucket/key` instead of `bucket.endpoint/key`: emulators and MinIO need it. */
  forcePathStyle: boolean;
}

export function createS3(config: S3Config): S3Client {
  return withoutSdkLogging(new S3Client({ ...resolveAwsClientConfig(config), forcePathStyle: config.forcePathStyle }));
}

/** Resolves when the endpoint answers an authenticated call; the cold tier's readiness check. */
export async function checkS3(client: S3Client): Promise<void> {
  await client.send(new ListBucketsCommand({}));
}

/**
 * Creates the bucket if it is missing. A bucket that exists and is ours is fine; one we may
 * not use (403, or taken by another account) is an error naming it.
 */
export async function ensureBucket(client: S3Client, bucket: string): Promise<{ created: boolean }> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return { created: false };
  } catch (error) {
    const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
    if (status === 403) throw new BucketNotOwnedError(bucket, 'access denied (403) — it exists under another owner or our credentials lack s3:ListBucket');
    if (status !== 404) throw error;
  }
  const region = await client.config.region();
  try {
    await client.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 is the one region that rejects an explicit location constraint.
        ...(region !== 'us-east-1' && {
          CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint },
        }),
      }),
    );
    return { created: true };
  } catch (error) {
    if (error instanceof BucketAlreadyOwnedByYou) return { created: false };
    if (error instanceof BucketAlreadyExists) throw new BucketNotOwnedError(bucket, 'the name is taken by another account');
    throw error;
  }
}
