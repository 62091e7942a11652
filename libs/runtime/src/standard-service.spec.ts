import { createMetricsRegistry } from './metrics';
import { buildStandardService } from './standard-service';
import { memoryLogger } from './testing';

describe('buildStandardService', () => {
  it('answers /readyz 503 until the gRPC port is bound, though every other check passes', async () => {
    let startComponent: () => void = () => undefined;
    const componentStarted = new Promise<void>((resolve) => (startComponent = resolve));
    const exits: number[] = [];
    const { ops, grpc, runner } = buildStandardService({
      config: { host: '127.0.0.1', grpcPort: 0, opsPort: 0, logLevel: 'silent', shutdownGraceMs: 100 },
      logger: memoryLogger().logger,
      registry: createMetricsRegistry('spec'),
      readinessChecks: { dependency: () => true },
      // A component still starting (a cache warming, a consumer joining): the gRPC port comes after it.
      components: [{ name: 'slow', start: () => componentStarted, stop: async () => undefined }],
      exit: (code) => exits.push(code),
    });
    const starting = runner.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const early = await fetch(`http://127.0.0.1:${ops.port}/readyz`);
      expect(early.status).toBe(503);
      expect(await early.json()).toEqual({ ready: false, checks: { dependency: true, grpc: 'the gRPC port is not bound yet (starting)' } });
      startComponent();
      await starting;
      expect(grpc.port).toBeGreaterThan(0);
      const ready = await fetch(`http://127.0.0.1:${ops.port}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ready: true, checks: { dependency: true, grpc: true } });
    } finally {
      startComponent();
      await starting;
      await runner.shutdown('spec done');
    }
    expect(exits).toEqual([0]);
  });

  it('binds the HTTP API port before the gRPC port, so gRPC SERVING means both take calls', async () => {
    const exits: number[] = [];
    let httpBoundWhenGrpcStarted: boolean | undefined;
    const service = buildStandardService({
      config: { host: '127.0.0.1', grpcPort: 0, opsPort: 0, logLevel: 'silent', shutdownGraceMs: 100 },
      logger: memoryLogger().logger,
      registry: createMetricsRegistry('spec'),
      httpApi: { port: 0, routes: [{ method: 'GET', path: '/hello', handle: async (_req, res) => void res.end('hi') }] },
      exit: (code) => exits.push(code),
    });
    const grpcStart = service.grpc.start.bind(service.grpc);
    service.grpc.start = async () => {
      httpBoundWhenGrpcStarted = (service.httpApi?.port ?? 0) > 0;
      return grpcStart();
    };
    await service.runner.start();
    try {
      expect(httpBoundWhenGrpcStarted).toBe(true);
      expect(await (await fetch(`http://127.0.0.1:${service.httpApi!.port}/hello`)).text()).toBe('hi');
      expect(await (await fetch(`http://127.0.0.1:${service.ops.port}/readyz`)).json()).toEqual({ ready: true, checks: { grpc: true, 'http-api': true } });
    } finally {
      await service.runner.shutdown('spec done');
    }
    expect(exits).toEqual([0]);
  });
});
