import type { IncomingMessage, ServerResponse } from 'node:http';
import { RejectionCode } from '@strata/model';
import {
  decodeRemoteWrite,
  describeSeries,
  RemoteWriteFormatError,
  snappyDeclaredLength,
  SnappyError,
  snappyUncompress,
  type DecodedRemoteWrite,
  type RemoteWriteVersion,
} from '@strata/prometheus';
import type { Rejection, WriteResponse } from '@strata/proto';
import {
  BodyTooLargeError,
  readBody,
  refuseBeforeBody,
  tenantFromHttpHeaders,
  UnauthenticatedError,
  type ApiKeyStore,
  type HttpRoute,
  type Logger,
  type TenantRate,
} from '@strata/runtime';
import { LogUnavailableError } from '@strata/stream';
import { BytesInFlightError, BytesRateLimitedError, RateLimitedError, RequestTooLargeError, TenantBytesInFlightError } from './errors';
import type { IngestMetrics } from './ingest-metrics';
import type { MetricMetadataRecorder } from './metric-metadata-recorder';
import { budgetRefusal, refusalBeforeBody, type RequestBytesBudget } from './request-bytes-budget';
import type { WriteHandler } from './write-handler';

export interface RemoteWriteDoorDeps {
  readonly keys: ApiKeyStore;
  readonly handler: Pick<WriteHandler, 'write' | 'reserveRate'>;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
  /** The same budget of bytes in flight as the gRPC door: one process, one budget. */
  readonly budget: RequestBytesBudget;
  readonly byteRate?: TenantRate;
  /** Compressed body and uncompressed message, each at most this (STRATA_MAX_REQUEST_BYTES). */
  readonly maxRequestBytes: number;
  /** Refusals listed in full in a 400's body (STRATA_MAX_LISTED_REJECTIONS); the rest as a count per code. */
  readonly maxListedRejections: number;
  /** Series and labels a request may hold (STRATA_MAX_SERIES_PER_REQUEST, STRATA_MAX_LABELS_PER_REQUEST). */
  readonly shape: { readonly maxSeries: number; readonly maxLabels: number };
  /** Keeps the metric metadata of requests that pass the limits; without it, metadata is read and dropped. */
  readonly metadata?: Pick<MetricMetadataRecorder, 'record'>;
}

const V1_MESSAGE = 'prometheus.WriteRequest';
const V2_MESSAGE = 'io.prometheus.write.v2.Request';

/** Rejection codes a sender should retry the request for: it is safe, as a rewrite overwrites. */
const RETRIABLE_CODES = new Set<string>([RejectionCode.SERIES_LIMIT_UNVERIFIED]);

/**
 * Prometheus remote write, 1.0 and 2.0, on the HTTP API port: `POST /api/v1/write`. A
 * second front door to the same command path as gRPC Write (WriteHandler): the same key
 * to tenant mapping, bytes budget, byte and point rates, validation, series limit and log.
 * The order of work is the gRPC door's, cheapest refusal first: key, content type, budget
 * and byte rate before the body is read; the snappy header's declared size before it is
 * uncompressed. Status codes follow the remote-write specs (docs/prometheus.md): 204
 * stored; 400 never storable (the rest of the request is stored, the answer names what was
 * not); 401; 413; 415; 429 with Retry-After; 503 when the sender should retry.
 */
export function remoteWriteRoute(deps: RemoteWriteDoorDeps): HttpRoute {
  return { method: 'POST', path: '/api/v1/write', handle: (req, res) => handleWrite(deps, req, res) };
}

/** The protocol version a Content-Type names, or undefined for one this door does not take. */
export function remoteWriteVersion(contentType: string | undefined): RemoteWriteVersion | undefined {
  if (contentType === undefined) return undefined;
  const [mediaType, ...params] = contentType.split(';').map((p) => p.trim());
  if (mediaType.toLowerCase() !== 'application/x-protobuf') return undefined;
  const proto = params.find((p) => p.toLowerCase().startsWith('proto='))?.slice('proto='.length);
  if (proto === undefined || proto === V1_MESSAGE) return '1.0';
  if (proto === V2_MESSAGE) return '2.0';
  return undefined;
}

async function handleWrite(deps: RemoteWriteDoorDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { metrics } = deps;
  const stopTimer = metrics.remoteWriteSeconds.startTimer();
  // Parsed first so that every answer is counted under it; refused after the key is checked.
  const version = remoteWriteVersion(req.headers['content-type']);
  const answer = (status: number, message: string, headers: Record<string, string> = {}, beforeBody = false) => {
    metrics.remoteWriteRequests.inc({ status: String(status), version: version ?? 'unknown' });
    stopTimer();
    if (beforeBody) {
      refuseBeforeBody(res, status, message, headers);
    } else {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      res.end(message === '' ? undefined : `${message}\n`);
    }
  };

  let tenant: string;
  try {
    tenant = tenantFromHttpHeaders(req.headers, deps.keys);
  } catch (error) {
    if (!(error instanceof UnauthenticatedError)) throw error;
    return answer(401, error.message, { 'www-authenticate': 'Basic realm="strata", Bearer' }, true);
  }
  if (version === undefined) {
    return answer(
      415,
      `unsupported Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')}: send application/x-protobuf ` +
        `with proto=${V1_MESSAGE} (remote write 1.0, the default) or proto=${V2_MESSAGE} (2.0)`,
      {},
      true,
    );
  }
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined || encoding.trim().toLowerCase() !== 'snappy') {
    return answer(415, `unsupported Content-Encoding ${JSON.stringify(encoding ?? '')}: remote write bodies are snappy-compressed`, {}, true);
  }
  const written = (samples: number) =>
    version === '2.0'
      ? {
          'x-prometheus-remote-write-samples-written': String(samples),
          'x-prometheus-remote-write-histograms-written': '0',
          'x-prometheus-remote-write-exemplars-written': '0',
        }
      : ({} as Record<string, string>);

  // Before the body: the budget of bytes in flight and the tenant's byte rate, as over gRPC.
  const early = refusalBeforeBody(deps.budget, deps.byteRate, tenant);
  if (early) {
    const status = statusOf(early);
    return answer(status.code, status.message, { ...status.headers, ...written(0) }, true);
  }

  let body: Buffer;
  try {
    body = await readBody(req, deps.maxRequestBytes);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return answer(413, `request body is over ${deps.maxRequestBytes} bytes (STRATA_MAX_REQUEST_BYTES): send smaller batches (max_samples_per_send)`, written(0), true);
  }
  deps.byteRate?.charge(tenant, body.length);

  let declared: number;
  try {
    declared = snappyDeclaredLength(body).length;
  } catch (error) {
    return answer(400, `body is not snappy-compressed: ${(error as Error).message}`, written(0));
  }
  if (declared > deps.maxRequestBytes) {
    return answer(413, `uncompressed body would be ${declared} bytes; the limit is ${deps.maxRequestBytes} (STRATA_MAX_REQUEST_BYTES): send smaller batches`, written(0));
  }
  const release = deps.budget.tryTake(body.length + declared, tenant);
  if (release === undefined) {
    const error = budgetRefusal(deps.budget, tenant, body.length + declared);
    return answer(429, error.message, { 'retry-after': '1', ...written(0) });
  }
  try {
    let decoded: DecodedRemoteWrite;
    try {
      decoded = decodeRemoteWrite(snappyUncompress(body, deps.maxRequestBytes), version);
    } catch (error) {
      if (error instanceof SnappyError || error instanceof RemoteWriteFormatError) return answer(400, error.message, written(0));
      throw error;
    }
    const { series } = decoded;
    const labels = series.reduce((n, s) => n + s.labels.length, 0);
    let response: WriteResponse;
    try {
      if (series.length > deps.shape.maxSeries) throw new RequestTooLargeError(series.length, deps.shape.maxSeries, 'series');
      if (labels > deps.shape.maxLabels) throw new RequestTooLargeError(labels, deps.shape.maxLabels, 'labels');
      // Every sample the body carries costs the rate, refused ones too, as over gRPC.
      deps.handler.reserveRate(tenant, decoded.samples);
      response = series.length === 0 ? { accepted: 0, rejections: [] } : await deps.handler.write(tenant, { series }, { rateReserved: true, staleness: true });
    } catch (error) {
      const status = statusOf(error);
      deps.logger[status.code >= 500 ? 'error' : 'info']({ tenant, status: status.code, err: error }, 'remote write refused');
      return answer(status.code, status.message, { ...status.headers, ...written(0) });
    }
    for (const refusal of decoded.refusals) metrics.remoteWriteRefused.inc({ tenant, code: refusal.code }, refusal.count);
    deps.metadata?.record(tenant, decoded.metadata);
    const accepted = Number(response.accepted);
    if (response.rejections.length === 0 && decoded.refusals.length === 0) return answer(204, '', written(accepted));
    const retriable = response.rejections.some((r) => RETRIABLE_CODES.has(r.code));
    const text = refusalText(decoded, response.rejections, accepted, deps.maxListedRejections, retriable);
    if (retriable) return answer(503, text, { 'retry-after': '1', ...written(accepted) });
    return answer(400, text, written(accepted));
  } finally {
    release();
  }
}

/** Whole seconds, at least 1: what Retry-After carries. */
function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1_000)));
}

/** The one place where a whole-request refusal of the command path becomes an HTTP status. */
export function statusOf(error: unknown): { code: number; message: string; headers: Record<string, string> } {
  if (error instanceof RateLimitedError || error instanceof BytesRateLimitedError) {
    return { code: 429, message: error.message, headers: { 'retry-after': retryAfterSeconds(error.retryAfterMs) } };
  }
  if (error instanceof BytesInFlightError || error instanceof TenantBytesInFlightError) {
    return { code: 429, message: error.message, headers: { 'retry-after': '1' } };
  }
  if (error instanceof RequestTooLargeError) return { code: 413, message: `${error.message} (max_samples_per_send)`, headers: {} };
  if (error instanceof LogUnavailableError) {
    return { code: 503, message: `${error.message}; nothing in this request was stored, retry it`, headers: { 'retry-after': '1' } };
  }
  return { code: 500, message: 'internal error; nothing in this request is known to be stored, retry it', headers: {} };
}

/**
 * The body of a 400 (or 503): one summary line first (senders log the start of it), then
 * each refusal naming the series and the rule, at most `listed` of them, then a count per
 * code for the rest.
 */
function refusalText(decoded: DecodedRemoteWrite, rejections: readonly Rejection[], accepted: number, listed: number, retriable: boolean): string {
  const lines: Array<{ code: string; line: string }> = [];
  for (const r of decoded.refusals) lines.push({ code: r.code, line: `${r.series}: ${r.code}: ${r.message}` });
  for (const r of rejections) {
    const s = decoded.series[r.seriesIndex];
    const what = r.pointIndex < 0 ? 'series' : `sample ${r.pointIndex}`;
    lines.push({ code: r.code, line: `${describeSeries(s.name, s.labels)} ${what}: ${r.code}: ${r.message}` });
  }
  const perCode = new Map<string, number>();
  for (const r of decoded.refusals) perCode.set(r.code, (perCode.get(r.code) ?? 0) + r.count);
  for (const r of rejections) perCode.set(r.code, (perCode.get(r.code) ?? 0) + (r.pointIndex < 0 ? decoded.series[r.seriesIndex].points.length : 1));
  const counts = [...perCode].map(([code, n]) => `${n} ${code}`).join(', ');
  const head =
    `stored ${accepted} of ${decoded.samples} samples; not stored: ${counts}` +
    (retriable ? '; retry the request (a rewrite of the stored samples overwrites them)' : '');
  const unlisted = new Map<string, number>();
  for (const { code } of lines.slice(listed)) unlisted.set(code, (unlisted.get(code) ?? 0) + 1);
  const tail = [...unlisted].map(([code, n]) => `${n} more refusals with code ${code} not listed (STRATA_MAX_LISTED_REJECTIONS)`);
  return [head, ...lines.slice(0, listed).map((l) => l.line), ...tail].join('\n');
}
