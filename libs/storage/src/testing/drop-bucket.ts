import { DeleteBucketCommand, NoSuchBucket, type S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../cold/object-store';

/** Empties and deletes a bucket (test fixtures); a missing bucket is fine. */
export async function dropBucket(client: S3Client, bucket: string): Promise<void> {
  const store = new S3ObjectStore(client, bucket);
  try {
    const { keys } = await store.list('');
    if (keys.length > 0) await store.delete(keys);
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (error instanceof NoSuchBucket || (error as { name?: string }).name === 'NoSuchBucket') return;
    throw error;
  }
}
