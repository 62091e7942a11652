import * as grpc from '@grpc/grpc-js';
import * as http from 'node:http';
import type { RawOutcome } from './raw-grpc';

/** What an HTTP status means in the terms the noisy-neighbour tally uses (gRPC's codes). */
const AS_GRPC: Record<number, grpc.status> = {
  400: grpc.status.INVALID_ARGUMENT,
  401: grpc.status.UNAUTHENTICATED,
  405: grpc.status.INVALID_ARGUMENT,
  413: grpc.status.INVALID_ARGUMENT,
  415: grpc.status.INVALID_ARGUMENT,
  429: grpc.status.RESOURCE_EXHAUSTED,
  503: grpc.status.UNAVAILABLE,
};

/**
 * POSTs `body` to an HTTP API door and reports it as a RawOutcome: 2xx is OK, a 4xx the
 * gRPC code of the same meaning (400, 413, 415: INVALID_ARGUMENT; 401: UNAUTHENTICATED;
 * 429: RESOURCE_EXHAUSTED), anything else INTERNAL or UNAVAILABLE with the status in the
 * details. A door that answers before reading a refused body closes the connection; when
 * the client sees that close before the status, the outcome is CANCELLED, saying so.
 */
export function postRaw(url: string, body: Buffer, headers: Record<string, string>, timeoutMs = 60_000): Promise<RawOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: { ok: true; messages: Buffer[] } | { ok: false; error: grpc.ServiceError }) => {
      if (settled) return;
      settled = true;
      resolve({ ...outcome, ms: performance.now() - started } as RawOutcome);
    };
    const fail = (code: grpc.status, details: string) => settle({ ok: false, error: Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() }) });
    const req = http.request(url, { method: 'POST', agent: false, timeout: timeoutMs, headers: { 'content-length': String(body.length), ...headers } });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks);
        if (status >= 200 && status < 300) settle({ ok: true, messages: [text] });
        else fail(AS_GRPC[status] ?? grpc.status.INTERNAL, `HTTP ${status}: ${text.toString('utf8', 0, Math.min(text.length, 300)).trim()}`);
      });
      res.on('error', (error) => fail(grpc.status.UNAVAILABLE, `HTTP answer broke off: ${error.message}`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EPIPE' || error.code === 'ECONNRESET'
        ? fail(grpc.status.CANCELLED, `connection closed by the server before its answer was read (${error.code}): the body was refused unread`)
        : fail(grpc.status.UNAVAILABLE, error.message),
    );
    req.end(body);
  });
}
