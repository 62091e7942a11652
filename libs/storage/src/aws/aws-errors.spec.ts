import { StrataError } from '@strata/runtime';
import { StorageError, StorageRequestError } from '../errors';
import { fromAwsError } from './aws-errors';

const sdk = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} happened`), { name, ...extra });

describe('fromAwsError: one place that tells retriable from permanent', () => {
  it.each<[string, unknown, boolean, boolean]>([
    // [case, error, retriable, throttled]
    ['a key over 2,048 bytes', sdk('ValidationException', { $fault: 'client', $metadata: { httpStatusCode: 400 } }), false, false],
    ['an item over 400 KB', sdk('ValidationException', { $fault: 'client' }), false, false],
    ['access denied', sdk('AccessDeniedException', { $fault: 'client', $metadata: { httpStatusCode: 400 } }), false, false],
    ['a missing table', sdk('ResourceNotFoundException', { $fault: 'client' }), false, false],
    ['throttled', sdk('ProvisionedThroughputExceededException', { $fault: 'client' }), true, true],
    ['throttled (S3)', sdk('SlowDown', { $metadata: { httpStatusCode: 503 } }), true, true],
    ['a server fault', sdk('InternalServerError', { $fault: 'server', $metadata: { httpStatusCode: 500 } }), true, false],
    ['an unnamed 503', sdk('Error', { $metadata: { httpStatusCode: 503 } }), true, false],
    ['marked retryable by the SDK', sdk('SomethingNew', { $retryable: {} }), true, false],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), true, false],
    ['a thrown string', 'boom', false, false],
  ])('%s', (_, error, retriable, throttled) => {
    const mapped = fromAwsError('dynamodb', 'BatchWriteItem', error);
    expect(mapped).toBeInstanceOf(StorageRequestError);
    expect(mapped).toBeInstanceOf(StrataError); // one tree
    expect(mapped.retriable).toBe(retriable);
    expect((mapped as StorageRequestError).throttled).toBe(throttled);
    expect(mapped.cause).toBe(error);
  });

  it('passes errors already in the tree through, and tells a failed condition apart', () => {
    const own = new StorageError('aborted', true);
    expect(fromAwsError('dynamodb', 'Query', own)).toBe(own);
    expect((fromAwsError('dynamodb', 'DeleteItem', sdk('ConditionalCheckFailedException', { $fault: 'client' })) as StorageRequestError).conditionFailed).toBe(true);
    expect(fromAwsError('dynamodb', 'Query', new StrataError('lease', { retriable: true, context: { partition: 3 } }))).toMatchObject({ retriable: true, context: { partition: 3 } });
  });
});
