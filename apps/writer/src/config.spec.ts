import { loadWriterConfig } from './config';

describe('loadWriterConfig', () => {
  it('listens on its fixed ports on loopback by default', () => {
    expect(loadWriterConfig({}).service).toMatchObject({ host: '127.0.0.1', grpcPort: 7003, opsPort: 9003 });
  });

  it('fails fast naming every bad variable', () => {
    expect(() => loadWriterConfig({ STRATA_OPS_PORT: '-1', STRATA_LOG_LEVEL: 'loud' })).toThrow(
      /STRATA_OPS_PORT=-1 is below the minimum 0[\s\S]*STRATA_LOG_LEVEL="loud"/,
    );
  });
});
