import { loadArchiverConfig } from './config';

describe('loadArchiverConfig', () => {
  it('listens on its fixed ports on loopback by default', () => {
    expect(loadArchiverConfig({}).service).toMatchObject({ host: '127.0.0.1', grpcPort: 7004, opsPort: 9004 });
  });

  it('fails fast naming every bad variable', () => {
    expect(() => loadArchiverConfig({ STRATA_OPS_PORT: '-1', STRATA_LOG_LEVEL: 'loud' })).toThrow(
      /STRATA_OPS_PORT=-1 is below the minimum 0[\s\S]*STRATA_LOG_LEVEL="loud"/,
    );
  });
});
