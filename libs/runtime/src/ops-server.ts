import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { listen } from './http-api-server';
import type { Logger } from './logger';

/** A named readiness condition; resolves to `true` or to a reason it is not ready. */
export type ReadinessCheck = () => Promise<true | string> | true | string;

export interface OpsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Extra routes (e.g. the prober's dashboard). Return false to fall through to 404. */
  readonly routes?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
}

/**
 * The HTTP ops port: `/metrics` (Prometheus text), `/healthz` (the process is alive and
 * its event loop answers) and `/readyz` (every readiness check passes and the process
 * is not shutting down; 503 with the failing checks otherwise).
 */
export class OpsServer {
  private readonly checks = new Map<string, ReadinessCheck>();
  private server: Server | undefined;
  private draining = false;

  constructor(private readonly options: OpsServerOptions) {}

  addReadinessCheck(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** From now on /readyz answers 503, so load balancers stop sending work. */
  markDraining(): void {
    this.draining = true;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.options.logger.error({ err: error, path: req.url }, 'ops request failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    await listen(server, this.options.port, this.options.host);
    this.server = server;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  async readiness(): Promise<{ ready: boolean; checks: Record<string, true | string> }> {
    const results: Record<string, true | string> = {};
    if (this.draining) results['shutdown'] = 'draining: the process is shutting down';
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          results[name] = await check();
        } catch (error) {
          results[name] = error instanceof Error ? error.message : String(error);
        }
      }),
    );
    return { ready: Object.values(results).every((result) => result === true), checks: results };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      const body = await this.options.registry.metrics();
      res.writeHead(200, { 'content-type': this.options.registry.contentType });
      res.end(body);
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    if (req.method === 'GET' && path === '/readyz') {
      const { ready, checks } = await this.readiness();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ready, checks }) + '\n');
      return;
    }
    if (this.options.routes && (await this.options.routes(req, res))) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  }
}
