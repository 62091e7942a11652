import { status } from '@grpc/grpc-js';
import { StrataError, UnauthenticatedError } from '@strata/runtime';
import { HotChunkCorruptError, HotReadError } from '@strata/storage/hot';
import {
  DecodeQueueFullError,
  HotTierFailedError,
  InvalidQueryError,
  MalformedRequestError,
  QueryLimitError,
  ReadCancelledError,
  ReadQueueFullError,
  RequestTooLargeError,
  TierTimeoutError,
} from './errors';
import { toGrpcStatus } from './grpc-status';

const HOUR = 3_600_000;
const INTERNAL = { code: status.INTERNAL, details: 'internal error in the reader; the answer is incomplete, see the reader log' };

describe('toGrpcStatus: what a Read or ListSeries client sees for each error', () => {
  it.each<[string, StrataError, status]>([
    ['no API key', new UnauthenticatedError('missing'), status.UNAUTHENTICATED],
    ['an unknown API key', new UnauthenticatedError('unknown'), status.UNAUTHENTICATED],
    ['a body that does not decode', new MalformedRequestError('ReadRequest', 'invalid wire type 7'), status.INVALID_ARGUMENT],
    ['a request that can never succeed', new InvalidQueryError('the request selects no series'), status.INVALID_ARGUMENT],
    ['a request past a shape limit', new RequestTooLargeError('1001 series; at most 1000', 'STRATA_READ_MAX_SERIES', 1_000), status.INVALID_ARGUMENT],
    ['a read past a work limit', new QueryLimitError('about 2e9 points', 'STRATA_READ_MAX_POINTS', 1e8), status.RESOURCE_EXHAUSTED],
    ['a tenant with a full read queue', new ReadQueueFullError('acme', 3, 2), status.RESOURCE_EXHAUSTED],
    ['a full decode queue', new DecodeQueueFullError(64, 16), status.RESOURCE_EXHAUSTED],
    ['a hot tier that failed', new HotTierFailedError('cpu', 0, HOUR, new HotReadError('acme', 'cpu', 'ECONNREFUSED')), status.UNAVAILABLE],
    ['a hot tier that failed with an unknown error', new HotTierFailedError('cpu', 0, HOUR, new Error('socket hang up')), status.UNAVAILABLE],
    ['a corrupt chunk in the hot tier', new HotTierFailedError('cpu', 0, HOUR, new HotChunkCorruptError('acme', 'cpu', 0, 'bad magic')), status.DATA_LOSS],
    ['a call the client cancelled', new ReadCancelledError(), status.CANCELLED],
  ])('%s: the error message as it is', (_, error, code) => {
    expect(toGrpcStatus(error)).toEqual({ code, details: error.message });
  });

  it('a hot read that failed outside a series read: UNAVAILABLE, asking for a retry', () => {
    const error = new HotReadError('acme', '*', 'ECONNREFUSED');
    expect(toGrpcStatus(error)).toEqual({ code: status.UNAVAILABLE, details: `${error.message}; retry` });
  });

  // Whatever else reaches the answer is a bug or a failure nobody mapped: the client learns
  // that the answer is incomplete, never the error's own text.
  it.each<[string, unknown]>([
    ['an error from outside the tree', new Error('secret at /srv/strata/reader.ts:42')],
    ['a thrown string', 'oops'],
    ['a StrataError no rule names', new StrataError('internal detail', { retriable: true })],
    ['a colder tier timing out (it becomes a warning before it gets here)', new TierTimeoutError('warm', 2_000)],
  ])('%s: INTERNAL without its message', (_, error) => {
    expect(toGrpcStatus(error)).toEqual(INTERNAL);
  });
});
