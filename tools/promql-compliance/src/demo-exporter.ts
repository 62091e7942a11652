// A stand-in for Prometheus's demo service (julius/prometheus-demo-service), whose series the
// PromQL compliance tester's query file queries: GET /metrics on 127.0.0.1 answers the
// Prometheus text format with the series of demo-metrics.ts.
//
// usage: npx tsx tools/promql-compliance/src/demo-exporter.ts --port <n> [--instance <i>]
//        (or DEMO_EXPORTER_PORT / DEMO_EXPORTER_INSTANCE); SIGTERM or SIGINT stops it.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DemoMetrics } from './demo-metrics';

export interface DemoExporterOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Seeds the values: instances with different numbers differ. @default 0 */
  readonly instance?: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** @default Date.now */
  readonly clock?: () => number;
}

export interface DemoExporter {
  readonly port: number;
  close(): Promise<void>;
}

export async function startDemoExporter(options: DemoExporterOptions): Promise<DemoExporter> {
  const clock = options.clock ?? Date.now;
  const metrics = new DemoMetrics({ instance: options.instance ?? 0, startMs: clock() });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the demo exporter serves GET /metrics\n');
      return;
    }
    const body = metrics.render(clock());
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    // Scrapers keep their connections open: a stopped exporter must refuse the next scrape.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function argument(name: string, fallback: string | undefined): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function integer(name: string, text: string | undefined, min: number, max: number): number {
  const value = Number(text);
  if (text === undefined || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`demo-exporter: --${name} must be an integer in [${min}, ${max}], got ${text ?? 'nothing'}`);
  }
  return value;
}

async function main(): Promise<void> {
  const port = integer('port', argument('port', process.env['DEMO_EXPORTER_PORT']), 0, 65_535);
  const instance = integer('instance', argument('instance', process.env['DEMO_EXPORTER_INSTANCE'] ?? '0'), 0, 1_000);
  const exporter = await startDemoExporter({ port, instance });
  process.stdout.write(`demo exporter ${instance} serving http://127.0.0.1:${exporter.port}/metrics\n`);
  const stop = () => void exporter.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
