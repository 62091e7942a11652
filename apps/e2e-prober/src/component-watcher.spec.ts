import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { memoryLogger } from '@strata/runtime/testing';
import { ComponentWatcher } from './component-watcher';
import { ProberMetrics } from './prober-metrics';

describe('ComponentWatcher', () => {
  let server: Server;
  let base: string;
  let points = 0;
  let writerReady = true;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/writer/readyz') {
        res.writeHead(writerReady ? 200 : 503).end(JSON.stringify({ ready: writerReady, checks: { redis: writerReady || 'redis: ECONNREFUSED' } }));
      } else if (req.url === '/writer/metrics') {
        res.writeHead(200).end(`# TYPE strata_writer_points_total counter\nstrata_writer_points_total ${points}\n`);
      } else if (req.url === '/archiver/readyz') {
        res.writeHead(200).end('{"ready":true,"checks":{}}');
      } else {
        res.writeHead(500).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('combines readiness and metrics per component, computes rates between polls, and logs readiness changes', async () => {
    let now = 1_000_000;
    const registry = new Registry();
    const { logger, lines } = memoryLogger();
    const watcher = new ComponentWatcher({
      targets: [
        { name: 'writer', opsUrl: `${base}/writer` },
        { name: 'archiver', opsUrl: `${base}/archiver` },
      ],
      intervalMs: 60_000,
      timeoutMs: 500,
      logger,
      metrics: new ProberMetrics(registry),
      now: () => now,
    });
    points = 100;
    await watcher.poll();
    points = 700;
    now += 10_000;
    writerReady = false;
    await watcher.poll();

    const [writer, archiver] = watcher.views();
    expect(writer).toMatchObject({ name: 'writer', ready: false, problems: ['redis: redis: ECONNREFUSED'] });
    expect(writer.figures.find((f) => f.key === 'points')).toMatchObject({ text: '3600 /min', spark: [null, 3600] });
    expect(archiver).toMatchObject({ ready: true, figures: [], metricsProblem: '/metrics answered 500' });
    expect(await registry.getSingleMetricAsString('strata_prober_component_ready')).toMatch(/component="writer"\} 0/);
    expect(lines().filter((l) => l['msg'] === 'component is not ready').map((l) => l['component'])).toEqual(['writer']);
  });

  it('computes rates over about the last minute of polls, not just the last two', async () => {
    let now = 5_000_000;
    const watcher = new ComponentWatcher({
      targets: [{ name: 'writer', opsUrl: `${base}/writer` }],
      intervalMs: 60_000,
      timeoutMs: 500,
      logger: memoryLogger().logger,
      now: () => now,
    });
    const pointsPerMinute = async (total: number, atMs: number) => {
      points = total;
      now = atMs;
      await watcher.poll();
      return watcher.views()[0].figures.find((f) => f.key === 'points')?.text;
    };
    await pointsPerMinute(100, 5_000_000);
    expect(await pointsPerMinute(700, 5_005_000)).toBe('7200 /min');
    // Nothing new in the last 5 s, but 600 points in the last 10 s.
    expect(await pointsPerMinute(700, 5_010_000)).toBe('3600 /min');
    // A minute later the burst has left the window.
    expect(await pointsPerMinute(700, 5_070_000)).toBe('0 /min');
  });
});
