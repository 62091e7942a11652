import { parseSeriesKey } from '@strata/model';
import { status as grpcStatus, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import type { ListSeriesRequest, ListSeriesResponse, QueryServiceServer, ReadRequest, ReadResponse } from '@strata/proto';
import type { Tracer } from '@opentelemetry/api';
import {
  grpcError,
  malformedRequestReason,
  startGrpcServerSpan,
  tenantFromMetadata,
  type ApiKeyStore,
  type Logger,
} from '@strata/runtime';
import { MalformedRequestError, ReadCancelledError } from './errors';
import { toGrpcStatus } from './grpc-status';
import type { ReaderMetrics } from './reader-metrics';
import type { ReadHandler } from './read-handler';
import { fromWire, type SeriesLister } from './series-lister';

export interface QueryServiceDeps {
  readonly keys: ApiKeyStore;
  readonly reads: Pick<ReadHandler, 'read'>;
  readonly lister: Pick<SeriesLister, 'list' | 'find'>;
  readonly metrics: ReaderMetrics;
  readonly logger: Logger;
  /** Read and ListSeries calls are server spans when set (tracing on). */
  readonly tracer?: Tracer;
}

/**
 * strata.v1.QueryService over gRPC: authentication (the tenant comes only from the API
 * key, and every read below is scoped by it), streaming with backpressure, and error
 * mapping. Read streams messages as series complete; a client that cancels stops the work.
 */
export function createQueryService(deps: QueryServiceDeps): QueryServiceServer {
  const { metrics, logger } = deps;
  const record = (rpc: string, stopTimer: () => void, code: grpcStatus) => {
    metrics.requests.inc({ rpc, code: grpcStatus[code] });
    stopTimer();
  };
  const logFailure = (rpc: string, tenant: string | undefined, code: grpcStatus, error: unknown) => {
    const level = code === grpcStatus.INTERNAL || code === grpcStatus.UNAVAILABLE || code === grpcStatus.DATA_LOSS ? 'error' : 'info';
    logger[level]({ rpc, tenant, code: grpcStatus[code], err: error }, 'query failed');
  };

  return {
    read(call: ServerWritableStream<ReadRequest, ReadResponse>) {
      const stopTimer = metrics.requestSeconds.startTimer({ rpc: 'Read' });
      metrics.inFlightReads.inc();
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      const span = startGrpcServerSpan(deps.tracer, 'strata.v1.QueryService', 'Read', call.metadata);
      let tenant: string | undefined;
      const serve = async () => {
        tenant = tenantFromMetadata(call.metadata, deps.keys);
        span.setAttributes({ 'strata.tenant': tenant });
        const malformed = malformedRequestReason(call.request);
        if (malformed !== undefined) throw new MalformedRequestError('ReadRequest', malformed);
        const request = call.request.matchers?.length ? await withMatchedSeries(deps.lister, tenant, call.request, abort.signal) : call.request;
        for await (const message of deps.reads.read(tenant, request, abort.signal)) {
          if (abort.signal.aborted) throw new ReadCancelledError();
          if (!call.write(message)) await drained(call, abort.signal);
        }
      };
      span.run(serve).then(
        () => {
          metrics.inFlightReads.dec();
          record('Read', stopTimer, grpcStatus.OK);
          span.end(grpcStatus.OK);
          call.end();
        },
        (error: unknown) => {
          metrics.inFlightReads.dec();
          const { code, details } = toGrpcStatus(abort.signal.aborted ? new ReadCancelledError() : error);
          record('Read', stopTimer, code);
          span.end(code, details);
          if (code !== grpcStatus.CANCELLED) logFailure('Read', tenant, code, error);
          // Messages already written are delivered first; the status follows them.
          call.emit('error', grpcError(code, details));
        },
      );
    },

    listSeries(call: ServerUnaryCall<ListSeriesRequest, ListSeriesResponse>, callback: sendUnaryData<ListSeriesResponse>) {
      const stopTimer = metrics.requestSeconds.startTimer({ rpc: 'ListSeries' });
      // A client that gives up (or whose deadline passes) stops the scan too.
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      const span = startGrpcServerSpan(deps.tracer, 'strata.v1.QueryService', 'ListSeries', call.metadata);
      let tenant: string | undefined;
      Promise.resolve()
        .then(() => {
          tenant = tenantFromMetadata(call.metadata, deps.keys);
          const malformed = malformedRequestReason(call.request);
          if (malformed !== undefined) throw new MalformedRequestError('ListSeriesRequest', malformed);
          const request = call.request;
          return span.run(() => deps.lister.list(tenant!, request, abort.signal));
        })
        .then(
          (response) => {
            record('ListSeries', stopTimer, grpcStatus.OK);
            span.end(grpcStatus.OK);
            callback(null, response);
          },
          (error: unknown) => {
            const { code, details } = toGrpcStatus(abort.signal.aborted ? new ReadCancelledError() : error);
            record('ListSeries', stopTimer, code);
            span.end(code, details);
            if (code !== grpcStatus.CANCELLED) logFailure('ListSeries', tenant, code, error);
            callback(grpcError(code, details));
          },
        );
    },
  };
}

/** Resolves when the stream can take more, or when the call is cancelled. */
function drained(call: ServerWritableStream<ReadRequest, ReadResponse>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The request with the series its matchers select added to its selectors (a repeat is read once). */
async function withMatchedSeries(lister: Pick<SeriesLister, 'find'>, tenant: string, request: ReadRequest, signal: AbortSignal): Promise<ReadRequest> {
  // Only series with a point in the range's days: a series gone long before is not read at all.
  const keys = await lister.find(tenant, { matchers: request.matchers.map(fromWire), fromMs: request.fromMs, toMs: request.toMs }, signal);
  return { ...request, series: [...request.series, ...keys.map((key) => parseSeriesKey(key))] };
}
