import { ConfigError } from '@strata/runtime';
import { loadIngestConfig } from './config';

describe('loadIngestConfig', () => {
  it('listens on the fixed ports on loopback by default, with the development key', () => {
    const config = loadIngestConfig({});
    expect(config.service).toMatchObject({ host: '127.0.0.1', grpcPort: 7001, opsPort: 9001 });
    expect(config.apiKeys.usesDevelopmentKey).toBe(true);
  });

  it('takes keys from STRATA_API_KEYS', () => {
    const config = loadIngestConfig({ STRATA_API_KEYS: 'ops-team-key:ops' });
    expect(config.apiKeys.tenantFor('ops-team-key')).toBe('ops');
    expect(config.apiKeys.tenantFor('strata-dev-key')).toBeUndefined();
  });

  it('fails fast naming the bad variable', () => {
    expect(() => loadIngestConfig({ STRATA_GRPC_PORT: 'seven' })).toThrow(ConfigError);
    expect(() => loadIngestConfig({ STRATA_GRPC_PORT: 'seven' })).toThrow(/STRATA_GRPC_PORT="seven"/);
  });
});
