import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  HeadBucketCommand,
  NotFound,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { BucketNotOwnedError } from '../errors';
import { ensureBucket } from './s3-client';

type Head = 'exists' | 404 | 403;
type Create = 'ok' | 'owned-by-you' | 'taken';

function fakeS3(head: Head, create: Create = 'ok', region = 'us-east-1') {
  const created: unknown[] = [];
  const send = async (command: unknown) => {
    if (command instanceof HeadBucketCommand) {
      if (head === 'exists') return {};
      if (head === 404) throw new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } });
      throw new S3ServiceException({ name: 'Forbidden', $fault: 'client', message: 'Forbidden', $metadata: { httpStatusCode: 403 } });
    }
    if (command instanceof CreateBucketCommand) {
      created.push(command.input);
      if (create === 'owned-by-you') throw new BucketAlreadyOwnedByYou({ message: 'mine', $metadata: {} });
      if (create === 'taken') throw new BucketAlreadyExists({ message: 'taken', $metadata: {} });
      return {};
    }
    throw new Error('unexpected command');
  };
  return { client: { send, config: { region: async () => region } } as unknown as S3Client, created };
}

describe('ensureBucket', () => {
  it('leaves an existing bucket alone', async () => {
    const { client, created } = fakeS3('exists');
    expect(await ensureBucket(client, 'strata-cold')).toEqual({ created: false });
    expect(created).toEqual([]);
  });

  it('creates a missing bucket, without a location constraint in us-east-1', async () => {
    const { client, created } = fakeS3(404);
    expect(await ensureBucket(client, 'strata-cold')).toEqual({ created: true });
    expect(created).toEqual([{ Bucket: 'strata-cold' }]);
  });

  it('creates a missing bucket in its region elsewhere', async () => {
    const { client, created } = fakeS3(404, 'ok', 'eu-west-1');
    await ensureBucket(client, 'strata-cold');
    expect(created).toEqual([{ Bucket: 'strata-cold', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }]);
  });

  it('treats a lost creation race as existing', async () => {
    const { client } = fakeS3(404, 'owned-by-you');
    expect(await ensureBucket(client, 'strata-cold')).toEqual({ created: false });
  });

  it.each<[string, Head, Create]>([
    ['a bucket we may not read (403)', 403, 'ok'],
    ['a name taken by another account', 404, 'taken'],
  ])('refuses %s', async (_, head, create) => {
    await expect(ensureBucket(fakeS3(head, create).client, 'strata-cold')).rejects.toThrow(BucketNotOwnedError);
  });
});
