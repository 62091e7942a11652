import * as http from 'node:http';
import type * as grpc from '@grpc/grpc-js';
import { WriteResponse } from '@strata/proto';
import { METHODS, outcomeCode, ownConnection, unaryRaw } from '@strata/system-tests';

export interface Outcome {
  readonly ok: boolean;
  /** `204`, `OK`, or what went wrong: `400`, `UNAVAILABLE`, `ECONNRESET`... */
  readonly code: string;
  readonly detail: string;
  readonly ms: number;
}

/** Where a benchmark's bodies go, `worker` being the connection that sends. */
export interface Target {
  send(worker: number, body: Buffer, samples: number): Promise<Outcome>;
  close(): void;
}

/** Remote write (snappy bodies) to `POST /api/v1/write` over `connections` keep-alive connections; only 204 counts as stored. */
export function remoteWriteTarget(options: { port: number; version: '1.0' | '2.0'; apiKey: string; connections: number; path?: string }): Target {
  const { port, version, apiKey } = options;
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const headers = {
    'content-type': version === '1.0' ? 'application/x-protobuf' : 'application/x-protobuf;proto=io.prometheus.write.v2.Request',
    'content-encoding': 'snappy',
    'x-prometheus-remote-write-version': version === '1.0' ? '0.1.0' : '2.0.0',
    'user-agent': 'strata-remote-write-bench',
    authorization: `Bearer ${apiKey}`,
  };
  return {
    send: (_worker, body) =>
      new Promise<Outcome>((resolve) => {
        const began = performance.now();
        const done = (ok: boolean, code: string, detail: string) => resolve({ ok, code, detail, ms: performance.now() - began });
        const request = http.request(
          { host: '127.0.0.1', port, path: options.path ?? '/api/v1/write', method: 'POST', agent, headers: { ...headers, 'content-length': body.length } },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => done(response.statusCode === 204, String(response.statusCode), Buffer.concat(chunks).toString('utf8').slice(0, 300)));
            response.on('error', (error) => done(false, 'response error', error.message));
          },
        );
        request.setTimeout(30_000, () => request.destroy(new Error('no answer within 30 s')));
        request.on('error', (error: NodeJS.ErrnoException) => done(false, error.code ?? 'request error', error.message));
        request.end(body);
      }),
    close: () => agent.destroy(),
  };
}

/** Strata's gRPC Write (encoded WriteRequest bodies) over `connections` connections of their own; only OK with every point accepted counts. */
export function grpcWriteTarget(options: { address: string; apiKey: string; connections: number }): Target {
  const clients: grpc.Client[] = Array.from({ length: options.connections }, () => ownConnection(options.address));
  return {
    async send(worker, body, samples) {
      const outcome = await unaryRaw(clients[worker], METHODS.write, body, options.apiKey);
      if (!outcome.ok) return { ok: false, code: outcomeCode(outcome), detail: outcome.error.details, ms: outcome.ms };
      const response = WriteResponse.decode(outcome.messages[0]);
      const accepted = Number(response.accepted);
      if (accepted === samples && response.rejections.length === 0) return { ok: true, code: 'OK', detail: '', ms: outcome.ms };
      const first = response.rejections[0];
      return { ok: false, code: 'OK with rejections', detail: `${accepted} of ${samples} accepted; ${first ? `${first.code}: ${first.message}` : ''}`, ms: outcome.ms };
    },
    close: () => clients.forEach((c) => c.close()),
  };
}
