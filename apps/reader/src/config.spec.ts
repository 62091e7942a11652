import { loadReaderConfig } from './config';

describe('loadReaderConfig', () => {
  it('listens on the fixed ports on loopback by default', () => {
    expect(loadReaderConfig({}).service).toMatchObject({ host: '127.0.0.1', grpcPort: 7002, opsPort: 9002 });
  });

  it('fails fast on a bad key list', () => {
    expect(() => loadReaderConfig({ STRATA_API_KEYS: 'nope' })).toThrow(/STRATA_API_KEYS entry 1/);
  });
});
