import { status } from '@grpc/grpc-js';
import { StrataError, UnauthenticatedError } from '@strata/runtime';
import { LogUnavailableError, RecordTooLargeError } from '@strata/stream';
import { BytesInFlightError, MalformedRequestError, RateLimitedError, RequestTooLargeError, TenantBytesInFlightError } from './errors';
import { toGrpcStatus } from './grpc-status';

const INTERNAL = {
  code: status.INTERNAL,
  details: 'internal error; nothing in this request is known to be stored, retry it',
  reason: 'internal',
};

describe('toGrpcStatus: what a Write client sees for each error', () => {
  it.each<[string, unknown, status, string]>([
    ['no API key', new UnauthenticatedError('missing'), status.UNAUTHENTICATED, 'missing_key'],
    ['an unknown API key', new UnauthenticatedError('unknown'), status.UNAUTHENTICATED, 'unknown_key'],
    ['a body that does not decode', new MalformedRequestError('index out of range'), status.INVALID_ARGUMENT, 'malformed_body'],
    ['too many points', new RequestTooLargeError(10_001, 10_000), status.INVALID_ARGUMENT, 'too_many_points'],
    ['too many series', new RequestTooLargeError(2_001, 2_000, 'series', true), status.INVALID_ARGUMENT, 'too_many_series'],
    ['too many labels', new RequestTooLargeError(65, 64, 'labels'), status.INVALID_ARGUMENT, 'too_many_labels'],
    ['a tenant over its rate', new RateLimitedError('acme', 500, 100, 250), status.RESOURCE_EXHAUSTED, 'rate_limited'],
    ['a tenant over its share of bytes in flight', new TenantBytesInFlightError('acme', 4_096, 60_000, 64_000), status.RESOURCE_EXHAUSTED, 'tenant_bytes_in_flight'],
    ['a process over its bytes in flight', new BytesInFlightError(undefined, 128_000, 128_000), status.RESOURCE_EXHAUSTED, 'bytes_in_flight'],
  ])('%s: the error message as it is', (_, error, code, reason) => {
    expect(toGrpcStatus(error)).toEqual({ code, details: (error as Error).message, reason });
  });

  it('a log that did not acknowledge: UNAVAILABLE, saying nothing was stored', () => {
    const error = new LogUnavailableError(3, new Error('Request timed out'));
    expect(toGrpcStatus(error)).toEqual({
      code: status.UNAVAILABLE,
      details: 'Kafka did not acknowledge 3 record(s): Request timed out; nothing in this request was stored, retry it',
      reason: 'log_unavailable',
    });
  });

  // Whatever else reaches the answer is a bug or a failure nobody mapped: the client learns
  // that it failed and may retry, never the error's own text.
  it.each<[string, unknown]>([
    ['an error from outside the tree', new Error('secret at /srv/strata/ingest.ts:42')],
    ['a thrown string', 'oops'],
    ['a StrataError no rule names', new StrataError('internal detail', { retriable: true })],
    ['a record refusal that escaped the write handler', new RecordTooLargeError('acme\u0000cpu', 2_000_000, 1_000_000)],
  ])('%s: INTERNAL without its message', (_, error) => {
    expect(toGrpcStatus(error)).toEqual(INTERNAL);
  });
});
