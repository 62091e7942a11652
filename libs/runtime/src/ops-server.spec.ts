import { Counter } from 'prom-client';
import { createMetricsRegistry } from './metrics';
import { OpsServer } from './ops-server';
import { memoryLogger } from './testing';

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

describe('OpsServer', () => {
  let server: OpsServer;
  let ready: true | string;

  beforeEach(async () => {
    const registry = createMetricsRegistry('spec');
    new Counter({ name: 'strata_spec_events_total', help: 'events seen', registers: [registry] }).inc(3);
    server = new OpsServer({ host: '127.0.0.1', port: 0, registry, logger: memoryLogger().logger });
    ready = true;
    server.addReadinessCheck('dependency', () => ready);
    await server.start();
  });

  afterEach(() => server.stop());

  it('serves Prometheus text with default and component metrics', async () => {
    const { status, body } = await get(server.port, '/metrics');
    expect(status).toBe(200);
    expect(body).toContain('strata_spec_events_total{service="spec"} 3');
    expect(body).toContain('strata_nodejs_heap_size_used_bytes');
  });

  it('answers /healthz while a dependency is down, but /readyz says which', async () => {
    ready = 'redis: connection refused';
    expect((await get(server.port, '/healthz')).status).toBe(200);
    const readyz = await get(server.port, '/readyz');
    expect(readyz.status).toBe(503);
    expect(JSON.parse(readyz.body)).toEqual({ ready: false, checks: { dependency: 'redis: connection refused' } });
  });

  it('turns not-ready once draining starts', async () => {
    expect((await get(server.port, '/readyz')).status).toBe(200);
    server.markDraining();
    const readyz = await get(server.port, '/readyz');
    expect(readyz.status).toBe(503);
    expect(readyz.body).toContain('draining');
  });

  it('reports a throwing check as not ready instead of failing the request', async () => {
    server.addReadinessCheck('broken', () => {
      throw new Error('check exploded');
    });
    const readyz = await get(server.port, '/readyz');
    expect(readyz.status).toBe(503);
    expect(JSON.parse(readyz.body).checks.broken).toBe('check exploded');
  });

  it('answers 404 for unknown paths', async () => {
    expect((await get(server.port, '/nope')).status).toBe(404);
  });
});
