import { ApiKeyStore } from './api-keys';
import { EnvReader } from './env-reader';
import { readStandardConfig, startService, type StandardConfig } from './service-start';
import { memoryLogger } from './testing';

function standard(env: Record<string, string> = {}): StandardConfig {
  const reader = new EnvReader(env);
  const config = readStandardConfig(reader, 'writer', { grpcPort: 7003, opsPort: 9003 });
  reader.finish();
  return config;
}

describe('readStandardConfig', () => {
  it("reads the service's ports and the tracing settings named after the component", () => {
    const config = standard({ STRATA_OPS_PORT: '19003' });
    expect(config.service).toMatchObject({ grpcPort: 7003, opsPort: 19003, logLevel: 'info' });
    expect(config.tracing).toMatchObject({ enabled: false, serviceName: 'strata-writer' });
  });

  it('names bad service and tracing variables together', () => {
    expect(() => standard({ STRATA_GRPC_PORT: 'seven', OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(
      /STRATA_GRPC_PORT="seven" is not an integer[\s\S]*OTEL_TRACES_SAMPLER_ARG="2" must be a number from 0 to 1/,
    );
  });
});

describe('startService', () => {
  it('warns with the development key when the process runs on it, and only then', async () => {
    const dev = memoryLogger('ingest');
    await startService('ingest', { ...standard(), apiKeys: ApiKeyStore.parse(undefined) }, { logger: dev.logger });
    expect(dev.lines()).toEqual([
      expect.objectContaining({ level: 'warn', apiKey: 'strata-dev-key', tenant: 'dev', msg: 'STRATA_API_KEYS is not set: accepting only the development key' }),
    ]);
    const keyed = memoryLogger('ingest');
    await startService('ingest', { ...standard(), apiKeys: ApiKeyStore.parse('a-secret-key:acme') }, { logger: keyed.logger });
    const keyless = memoryLogger('writer');
    await startService('writer', standard(), { logger: keyless.logger });
    expect([...keyed.lines(), ...keyless.lines()]).toEqual([]);
  });

  it('labels the metrics registry with the component and leaves tracing off unless configured', async () => {
    const { registry, tracer } = await startService('archiver', standard(), { logger: memoryLogger().logger });
    expect(await registry.metrics()).toContain('service="archiver"');
    expect(tracer).toBeUndefined();
  });

  it("builds the standard service on the process's ops port, serving its registry", async () => {
    const { buildService } = await startService('archiver', standard({ STRATA_OPS_PORT: '0' }), { logger: memoryLogger().logger });
    const { ops } = buildService({});
    await ops.start();
    try {
      expect(await (await fetch(`http://127.0.0.1:${ops.port}/metrics`)).text()).toContain('service="archiver"');
    } finally {
      await ops.stop();
    }
  });

  it('starts no tracing when spans are not to be exported, whatever the settings say', async () => {
    const { tracer } = await startService('archiver', standard({ OTEL_TRACES_EXPORTER: 'otlp' }), { logger: memoryLogger().logger, exportSpans: false });
    expect(tracer).toBeUndefined();
  });
});
