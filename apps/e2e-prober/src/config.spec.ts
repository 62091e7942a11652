import { loadProberConfig } from './config';

describe('loadProberConfig', () => {
  it('probes the development tenant on the local stack every 10 s by default', () => {
    const config = loadProberConfig({}, { hostname: 'host-1' });
    expect(config.service).toMatchObject({ grpcPort: 7005, opsPort: 9005 });
    expect(config).toMatchObject({
      ingestAddress: '127.0.0.1:7001',
      readerAddress: '127.0.0.1:7002',
      tenants: [{ tenant: 'dev', apiKey: 'strata-dev-key' }],
      probe: { intervalMs: 10_000, timeoutMs: 30_000, rpcTimeoutMs: 5_000, instanceId: 'host-1', selfReport: true },
      historyMs: 3_600_000,
    });
  });

  it('watches the four other components on their fixed ops ports by default', () => {
    const config = loadProberConfig({});
    expect(config.components.map((c) => `${c.name}=${c.opsUrl}`)).toEqual([
      'ingest=http://127.0.0.1:9001',
      'reader=http://127.0.0.1:9002',
      'writer=http://127.0.0.1:9003',
      'archiver=http://127.0.0.1:9004',
    ]);
  });

  it('reads tenant:apikey pairs, keys may hold colons', () => {
    const config = loadProberConfig({ STRATA_PROBER_TENANTS: 'acme:key:with:colons, beta:another-key-123' });
    expect(config.tenants).toEqual([
      { tenant: 'acme', apiKey: 'key:with:colons' },
      { tenant: 'beta', apiKey: 'another-key-123' },
    ]);
  });

  it("takes the chart's single STRATA_PROBER_API_KEY as tenant strata-prober (or STRATA_PROBER_TENANT)", () => {
    expect(loadProberConfig({ STRATA_PROBER_API_KEY: 'generated-key-0123' }).tenants).toEqual([
      { tenant: 'strata-prober', apiKey: 'generated-key-0123' },
    ]);
    expect(loadProberConfig({ STRATA_PROBER_API_KEY: 'k-0123456789abcdef', STRATA_PROBER_TENANT: 'ops' }).tenants[0].tenant).toBe('ops');
  });

  it.each([
    [{ STRATA_PROBER_COMPONENTS: 'ingest=http://x:1,reader' }, /STRATA_PROBER_COMPONENTS entry "reader"/],
    [{ STRATA_PROBER_TENANTS: 'acme' }, /STRATA_PROBER_TENANTS entry 1 must be tenant:apikey/],
    [{ STRATA_PROBER_TENANTS: 'a:k1,a:k2' }, /names tenant "a" twice/],
    [{ STRATA_PROBER_TENANTS: 'bad tenant:k1' }, /entry 1 has tenant "bad tenant"/],
    [{ STRATA_PROBER_TENANTS: 'a:k1', STRATA_PROBER_API_KEY: 'k2' }, /either STRATA_PROBER_TENANTS or STRATA_PROBER_API_KEY/],
    [{ STRATA_PROBER_INGEST_ADDRESS: 'http://ingest:7001' }, /STRATA_PROBER_INGEST_ADDRESS="http:\/\/ingest:7001" must be host:port/],
    [{ STRATA_PROBER_READER_ADDRESS: 'reader:0' }, /STRATA_PROBER_READER_ADDRESS="reader:0" must be host:port/],
    [{ STRATA_PROBER_INTERVAL_MS: '50' }, /STRATA_PROBER_INTERVAL_MS=50 is below the minimum 100/],
    [{ STRATA_PROBER_TIMEOUT_MS: 'soon' }, /STRATA_PROBER_TIMEOUT_MS="soon" is not an integer/],
  ])('rejects %j', (env, message) => {
    expect(() => loadProberConfig(env)).toThrow(message);
  });

  it.each([
    [{ STRATA_API_KEYS: 'user-key-123:acme' }, /STRATA_API_KEYS is set, so ingest and reader refuse the development key/],
    [{ STRATA_API_KEYS: '' }, /STRATA_API_KEYS is set but blank/],
    [{ STRATA_API_KEYS: 'nope' }, /STRATA_API_KEYS entry 1 must be key:tenant/],
    [
      { STRATA_API_KEYS: 'user-key-123:acme', STRATA_PROBER_API_KEY: 'other-key-456' },
      /the prober's key for tenant strata-prober is not in STRATA_API_KEYS/,
    ],
  ])('refuses to start with a key ingest would refuse: %j', (env, message) => {
    expect(() => loadProberConfig(env)).toThrow(message);
  });

  it('starts when its own key is in STRATA_API_KEYS', () => {
    const config = loadProberConfig({ STRATA_API_KEYS: 'user-key-123:acme,prober-key-789:strata-prober', STRATA_PROBER_API_KEY: 'prober-key-789' });
    expect(config.tenants).toEqual([{ tenant: 'strata-prober', apiKey: 'prober-key-789' }]);
  });

  it('never echoes an API key in a configuration error', () => {
    expect(() => loadProberConfig({ STRATA_PROBER_TENANTS: 'bad tenant:super-secret-key' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('super-secret-key') }),
    );
  });
});
