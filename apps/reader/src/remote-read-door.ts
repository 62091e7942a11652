import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseSeriesKey, seriesKey } from '@strata/model';
import {
  decodeReadRequest,
  encodeReadResponse,
  RemoteReadFormatError,
  snappyCompress,
  SnappyError,
  snappyUncompress,
  sortForPrometheus,
  streamedFrames,
  type ReadSeries,
} from '@strata/prometheus';
import { Aggregation } from '@strata/proto';
import {
  BodyTooLargeError,
  readBody,
  refuseBeforeBody,
  StrataError,
  tenantFromHttpHeaders,
  UnauthenticatedError,
  type ApiKeyStore,
  type HttpRoute,
  type Logger,
} from '@strata/runtime';
import { HotChunkCorruptError, HotReadError } from '@strata/storage/hot';
import { DecodeQueueFullError, HotTierFailedError, InvalidQueryError, MalformedRequestError, QueryLimitError, ReadCancelledError } from './errors';
import type { ReadHandler } from './read-handler';
import type { ReaderMetrics } from './reader-metrics';
import type { SeriesLister } from './series-lister';

export interface RemoteReadDoorDeps {
  readonly keys: ApiKeyStore;
  readonly reads: Pick<ReadHandler, 'read'>;
  readonly lister: Pick<SeriesLister, 'find'>;
  readonly metrics: ReaderMetrics;
  readonly logger: Logger;
  /** Compressed body and uncompressed request, each at most this. @default 1 MiB */
  readonly maxRequestBytes?: number;
  /** Queries one request may hold. @default 16 */
  readonly maxQueries?: number;
}

/**
 * Prometheus remote read on the reader's HTTP API port: `POST /api/v1/read`, so that a
 * Prometheus can use Strata as its long-term storage. Each query's matchers select series
 * through the same lister as ListSeries, and their raw points come through the same Read
 * path as gRPC (limits, fair admission, tiers), staleness included. Both response types:
 * SAMPLES (one snappy-compressed ReadResponse) and STREAMED_XOR_CHUNKS (frames of XOR
 * chunks), whichever the sender names first.
 *
 * An answer is complete or an error: remote read has no warnings, so a read that a colder
 * tier could not fully answer (or that reaches into a hot tier being rebuilt) fails 503
 * rather than hand Prometheus a silent gap.
 */
export function remoteReadRoute(deps: RemoteReadDoorDeps): HttpRoute {
  return { method: 'POST', path: '/api/v1/read', handle: (req, res) => handleRead(deps, req, res) };
}

async function handleRead(deps: RemoteReadDoorDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const maxBytes = deps.maxRequestBytes ?? 1024 * 1024;
  const maxQueries = deps.maxQueries ?? 16;
  const answer = (status: number, message: string, beforeBody = false, headers: Record<string, string> = {}) => {
    deps.metrics.remoteReadRequests.inc({ status: String(status) });
    if (beforeBody) return refuseBeforeBody(res, status, message, headers);
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(`${message}\n`);
  };
  let tenant: string;
  try {
    tenant = tenantFromHttpHeaders(req.headers, deps.keys);
  } catch (error) {
    if (!(error instanceof UnauthenticatedError)) throw error;
    return answer(401, error.message, true, { 'www-authenticate': 'Basic realm="strata", Bearer' });
  }
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined || encoding.trim().toLowerCase() !== 'snappy') {
    return answer(415, `unsupported Content-Encoding ${JSON.stringify(encoding ?? '')}: remote read requests are snappy-compressed`, true);
  }
  let body: Buffer;
  try {
    body = await readBody(req, maxBytes);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return answer(413, `request body is over ${maxBytes} bytes`, true);
  }
  const abort = new AbortController();
  // 'close' follows every response, answered or not: only one closed before its end was cancelled.
  // (An error per answered request, with its stack, was 1.4% of the reader's CPU under 16 clients.)
  res.once('close', () => {
    if (!res.writableFinished) abort.abort(new ReadCancelledError());
  });
  try {
    const request = decodeReadRequest(snappyUncompress(body, maxBytes));
    if (request.queries.length > maxQueries) return answer(400, `a request may hold at most ${maxQueries} queries; it holds ${request.queries.length}`);
    // The sender's first choice: both types are answered.
    const streamed = request.acceptedResponseTypes[0] === 'STREAMED_XOR_CHUNKS';
    // Every query is read before the first byte goes out, so that a failure is still a status.
    const results: ReadSeries[][] = [];
    for (const query of request.queries) {
      const keys = await deps.lister.find(tenant, { matchers: query.matchers, fromMs: query.startMs, toMs: query.endMs + 1 }, abort.signal);
      results.push(keys.length === 0 ? [] : await readRaw(deps, tenant, keys, query.startMs, query.endMs + 1, abort.signal));
    }
    deps.metrics.remoteReadRequests.inc({ status: '200' });
    if (!streamed) {
      const encoded = snappyCompress(encodeReadResponse(results));
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' });
      res.end(encoded);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse' });
    for (let i = 0; i < results.length; i++) {
      for (const frame of streamedFrames(i, results[i])) {
        if (!res.write(frame)) await new Promise((resolve) => res.once('drain', resolve));
      }
    }
    res.end();
  } catch (error) {
    const { code, message } = httpStatusOf(error);
    deps.logger[code >= 500 ? 'warn' : 'info']({ tenant, status: code, err: error }, 'remote read refused');
    if (!res.headersSent) answer(code, message, false, code === 429 || code === 503 ? { 'retry-after': '1' } : {});
  }
}

/** A read whose answer carried warnings: remote read cannot say so, so it fails instead. */
class IncompleteReadError extends StrataError {}

/** Raw points of the series, staleness included; every series' points gathered across messages. */
async function readRaw(deps: RemoteReadDoorDeps, tenant: string, keys: readonly string[], fromMs: number, toMs: number, signal: AbortSignal): Promise<ReadSeries[]> {
  const bySeries = new Map<string, { name: string; labels: ReadSeries['labels']; timestamps: number[]; values: number[] }>();
  const selectors = keys.map((key) => parseSeriesKey(key));
  const request = { matchers: [], series: selectors, fromMs, toMs, stepMs: 0, aggregation: Aggregation.AVG };
  for await (const message of deps.reads.read(tenant, request, signal, { keepStaleness: true })) {
    if (message.warnings.length > 0) throw new IncompleteReadError(`the answer would be incomplete: ${message.warnings.join('; ')}`);
    for (const s of message.series) {
      // A long series comes in several messages, one after another.
      const key = seriesKey(s.name, s.labels);
      let entry = bySeries.get(key);
      if (!entry) bySeries.set(key, (entry = { name: s.name, labels: s.labels, timestamps: [], values: [] }));
      for (const p of s.points) {
        entry.timestamps.push(p.timestampMs);
        entry.values.push(p.value);
      }
    }
  }
  // In Prometheus's order of label sets, which a streamed answer's reader relies on.
  return sortForPrometheus([...bySeries.values()]);
}

/** The one place where a remote read's failure becomes an HTTP status. */
function httpStatusOf(error: unknown): { code: number; message: string } {
  if (error instanceof SnappyError || error instanceof RemoteReadFormatError) return { code: 400, message: error.message };
  if (error instanceof InvalidQueryError || error instanceof MalformedRequestError) return { code: 400, message: error.message };
  if (error instanceof QueryLimitError || error instanceof DecodeQueueFullError) return { code: 429, message: error.message };
  if (error instanceof IncompleteReadError) return { code: 503, message: error.message };
  if (error instanceof HotTierFailedError) {
    return { code: error.cause instanceof HotChunkCorruptError ? 500 : 503, message: error.message };
  }
  if (error instanceof HotReadError) return { code: 503, message: `${error.message}; retry` };
  if (error instanceof ReadCancelledError) return { code: 503, message: error.message };
  return { code: 500, message: 'internal error in the reader; see the reader log' };
}
