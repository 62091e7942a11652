import { SERVICES, serviceEnv, withPortOffset } from './services';

describe('launcher services', () => {
  it('runs the five services on the fixed ports', () => {
    expect(SERVICES.map((s) => `${s.name}:${s.grpcPort}/${s.opsPort}`)).toEqual([
      'ingest:7001/9001',
      'reader:7002/9002',
      'writer:7003/9003',
      'archiver:7004/9004',
      'e2e-prober:7005/9005',
    ]);
  });

  it('gives each service its ports and points the prober at its peers, also when shifted', () => {
    const shifted = withPortOffset(SERVICES, 100);
    const prober = shifted.find((s) => s.name === 'e2e-prober')!;
    const env = serviceEnv(prober, shifted, { KEEP: 'me' });
    expect(env).toMatchObject({
      KEEP: 'me',
      STRATA_GRPC_PORT: '7105',
      STRATA_OPS_PORT: '9105',
      STRATA_PROBER_INGEST_ADDRESS: '127.0.0.1:7101',
      STRATA_PROBER_READER_ADDRESS: '127.0.0.1:7102',
    });
    expect(env['STRATA_PROBER_COMPONENTS']).toBe(
      'ingest=http://127.0.0.1:9101,reader=http://127.0.0.1:9102,writer=http://127.0.0.1:9103,archiver=http://127.0.0.1:9104',
    );
    expect(serviceEnv(shifted[0], shifted, {})['STRATA_HTTP_API_PORT']).toBe('7201');
    expect(serviceEnv(SERVICES[0], SERVICES, {})['STRATA_HTTP_API_PORT']).toBe('7101');
    expect(serviceEnv(SERVICES[1], SERVICES, {})['STRATA_HTTP_API_PORT']).toBe('7102');
    expect(env['STRATA_HTTP_API_PORT']).toBeUndefined();
    expect(serviceEnv(shifted[0], shifted, {})['STRATA_PROBER_COMPONENTS']).toBeUndefined();
    expect(serviceEnv(shifted[0], shifted, {})['STRATA_PROBER_INGEST_ADDRESS']).toBeUndefined();
  });
});
