import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StrataError } from './errors';
import type { Logger } from './logger';

/** Binds `server` to host:port; rejects if it cannot (the port is taken). */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** One endpoint of an HTTP API port. `handle` owns the response; a throw answers 500. */
export interface HttpRoute {
  readonly method: 'GET' | 'POST';
  /** The exact path, or with `prefix` the start of every path this route takes (an exact route wins). */
  readonly path: string;
  readonly prefix?: boolean;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export interface HttpApiServerOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly routes: readonly HttpRoute[];
  /** Open connections at most; more are closed as they arrive. @default 1024 */
  readonly maxConnections?: number;
  /** Longest a request may take to send its headers and body. @default 60000 */
  readonly requestTimeoutMs?: number;
}

/** Headers larger than this are refused (431) before any route sees them. */
const MAX_HEADER_BYTES = 16 * 1024;

/**
 * An HTTP API port (the doors other ecosystems use, apart from the ops port): fixed routes,
 * bounded headers, connections and request time, so that a slow or endless client holds a
 * socket for a bounded time and nothing more. Unknown paths are 404, a known path with
 * another method 405. Bodies are read by the routes, each within its own limit
 * ({@link readBody}).
 */
export class HttpApiServer {
  private server: Server | undefined;

  constructor(private readonly options: HttpApiServerOptions) {}

  async start(): Promise<void> {
    const { logger } = this.options;
    const server = createServer(
      { maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: this.options.requestTimeoutMs ?? 60_000, headersTimeout: 10_000, keepAliveTimeout: 65_000 },
      (req, res) => {
        this.route(req, res).catch((error: unknown) => {
          logger.error({ err: error, path: req.url }, 'HTTP API request failed');
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end('internal error; nothing in this request is known to be stored, retry it\n');
        });
      },
    );
    server.maxConnections = this.options.maxConnections ?? 1024;
    await listen(server, this.options.port, this.options.host);
    this.server = server;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  /** Stops taking connections, lets requests in progress finish for up to `graceMs`, then cuts the rest. */
  async stop(graceMs = 5_000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const exact = this.options.routes.filter((r) => !r.prefix && r.path === path);
    const matches = exact.length > 0 ? exact : this.options.routes.filter((r) => r.prefix && path.startsWith(r.path));
    const route = matches.find((r) => r.method === req.method);
    if (route) return route.handle(req, res);
    if (matches.length > 0) {
      refuseBeforeBody(res, 405, `${req.method} is not allowed on ${path}`, { allow: matches.map((r) => r.method).join(', ') });
    } else {
      refuseBeforeBody(res, 404, `no such endpoint: ${path}`);
    }
  }
}

/**
 * Answers without reading the body, and closes the connection after the answer, so that
 * a body nobody will read (a refused upload of any size) is never received.
 */
export function refuseBeforeBody(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', ...headers });
  res.end(`${message}\n`);
}

/** The body was longer than the route allows. */
export class BodyTooLargeError extends StrataError {
  constructor(readonly limit: number) {
    super(`request body is over ${limit} bytes`, { context: { limit } });
  }
}

/**
 * Reads a request body of at most `limit` bytes. A declared Content-Length over the limit
 * is refused before a byte is read; a body that grows past it while arriving is refused as
 * soon as it does, having held at most `limit` bytes.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        cleanup();
        chunks.length = 0;
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
