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

  it.each([
    ['blank', '', /STRATA_API_KEYS is set but blank/],
    ['spaces', '  ', /STRATA_API_KEYS is set but blank/],
    ['malformed', 'short:x', /STRATA_API_KEYS entry 1 must be key:tenant/],
    ['the development key', 'strata-dev-key:dev', /STRATA_API_KEYS entry 1 uses the public development key/],
  ])('fails start-up on a %s STRATA_API_KEYS instead of opening the development key', (_case, keys, message) => {
    expect(() => loadIngestConfig({ STRATA_API_KEYS: keys })).toThrow(ConfigError);
    expect(() => loadIngestConfig({ STRATA_API_KEYS: keys })).toThrow(message);
  });

  it('reads STRATA_FUTURE_GRACE_MS through the parser the reader uses: 10 min by default, at most 30 days', () => {
    expect(loadIngestConfig({}).validation.futureGraceMs).toBe(600_000);
    expect(loadIngestConfig({ STRATA_FUTURE_GRACE_MS: '60000' }).validation.futureGraceMs).toBe(60_000);
    expect(() => loadIngestConfig({ STRATA_FUTURE_GRACE_MS: String(31 * 86_400_000) })).toThrow(/STRATA_FUTURE_GRACE_MS/);
  });

  it('batches log records per partition unless STRATA_LOG_BATCH_RECORDS=false, and refuses anything but a boolean', () => {
    expect(loadIngestConfig({}).batchRecords).toBe(true);
    expect(loadIngestConfig({ STRATA_LOG_BATCH_RECORDS: 'false' }).batchRecords).toBe(false);
    expect(() => loadIngestConfig({ STRATA_LOG_BATCH_RECORDS: 'sometimes' })).toThrow(/STRATA_LOG_BATCH_RECORDS/);
  });

  it('packs a series run of points into one chunk unless STRATA_LOG_PACKED_POINTS=false, and refuses anything but a boolean', () => {
    expect(loadIngestConfig({}).packedPoints).toBe(true);
    expect(loadIngestConfig({ STRATA_LOG_PACKED_POINTS: 'false' }).packedPoints).toBe(false);
    expect(() => loadIngestConfig({ STRATA_LOG_PACKED_POINTS: 'maybe' })).toThrow(/STRATA_LOG_PACKED_POINTS/);
  });

  it('fails fast naming the bad variable', () => {
    expect(() => loadIngestConfig({ STRATA_GRPC_PORT: 'seven' })).toThrow(ConfigError);
    expect(() => loadIngestConfig({ STRATA_GRPC_PORT: 'seven' })).toThrow(/STRATA_GRPC_PORT="seven"/);
  });

  it('prepares bodies of 256 KiB and more in a worker per core (at most 4), or every body inline with no workers', () => {
    expect(loadIngestConfig({}, { cores: 8 }).preparation).toEqual({ workers: 4, minBytes: 256 * 1024 });
    expect(loadIngestConfig({}, { cores: 2 }).preparation.workers).toBe(2);
    expect(loadIngestConfig({ STRATA_INGEST_PREPARATION_WORKERS: '0', STRATA_INGEST_PREPARATION_MIN_BYTES: '1000' }).preparation).toEqual({ workers: 0, minBytes: 1000 });
  });

  it('limits series per tenant, with overrides, and finds the series registry in the hot tier Redis', () => {
    const defaults = loadIngestConfig({});
    expect(defaults.seriesLimit).toEqual({
      maxSeriesPerTenant: 1_000_000,
      tenantMaxSeries: new Map(),
      activeMs: 26 * 3_600_000,
      cacheSize: 250_000,
      registryTimeoutMs: 500,
      registryChunkSize: 5_000,
      uncheckedAllowance: 100,
      uncheckedIntervalMs: 60_000,
    });
    expect(defaults.redis).toEqual({ mode: 'single', url: 'redis://127.0.0.1:6379' });
    const config = loadIngestConfig({
      STRATA_MAX_SERIES_PER_TENANT: '5000',
      STRATA_TENANT_MAX_SERIES: 'acme:20000, beta:10',
      STRATA_SERIES_ACTIVE_HOURS: '48',
      STRATA_REDIS_CLUSTER_NODES: 'r1:6379,r2:6379',
    });
    expect(config.seriesLimit.maxSeriesPerTenant).toBe(5_000);
    expect([...config.seriesLimit.tenantMaxSeries]).toEqual([
      ['acme', 20_000],
      ['beta', 10],
    ]);
    expect(config.seriesLimit.activeMs).toBe(48 * 3_600_000);
    expect(config.redis).toMatchObject({ mode: 'cluster', nodes: ['r1:6379', 'r2:6379'] });
  });

  it('names every bad series-limit and override setting at once', () => {
    const load = () =>
      loadIngestConfig({
        STRATA_MAX_SERIES_PER_TENANT: '0',
        STRATA_TENANT_MAX_SERIES: 'acme:lots',
        STRATA_TENANT_RETENTION_DAYS: 'acme:0',
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/STRATA_MAX_SERIES_PER_TENANT=0 is below the minimum 1/);
    expect(load).toThrow(/STRATA_TENANT_MAX_SERIES entry "acme:lots" must be tenant:series with series >= 1/);
    expect(load).toThrow(/STRATA_TENANT_RETENTION_DAYS entry "acme:0" must be tenant:days with days from 1 to 36500/);
  });

  it('keeps retention overrides in milliseconds', () => {
    expect(loadIngestConfig({ STRATA_TENANT_RETENTION_DAYS: 'acme:30' }).tenantRetentionMs.get('acme')).toBe(30 * 86_400_000);
  });

  it('bounds the front door: bytes in flight, bytes per second, streams per connection, rejections listed', () => {
    expect(loadIngestConfig({}).frontDoor).toEqual({
      maxInFlightBytes: 16 * 1024 * 1024,
      tenantMaxInFlightBytes: 8 * 1024 * 1024,
      tenantBytesPerSecond: 32 * 1024 * 1024,
      tenantBytesPerSecondOverrides: new Map(),
      maxConcurrentStreams: 32,
      maxListedRejections: 100,
    });
    // The in-flight default follows the request size.
    expect(loadIngestConfig({ STRATA_MAX_REQUEST_BYTES: '1048576' }).frontDoor.maxInFlightBytes).toBe(2 * 1048576);
    // At the request size is enough; one byte below could never admit a full request.
    expect(loadIngestConfig({ STRATA_INGEST_MAX_INFLIGHT_BYTES: String(8 * 1024 * 1024) }).frontDoor.maxInFlightBytes).toBe(8 * 1024 * 1024);
    expect(() => loadIngestConfig({ STRATA_INGEST_MAX_INFLIGHT_BYTES: String(8 * 1024 * 1024 - 1) })).toThrow(
      /STRATA_INGEST_MAX_INFLIGHT_BYTES \(8388607\) must be at least STRATA_MAX_REQUEST_BYTES/,
    );
    expect(loadIngestConfig({ STRATA_TENANT_BYTES_PER_SECOND: '1024' }).frontDoor.tenantBytesPerSecond).toBe(1024);
    expect(() => loadIngestConfig({ STRATA_TENANT_BYTES_PER_SECOND: '1023' })).toThrow(/STRATA_TENANT_BYTES_PER_SECOND=1023 is below the minimum 1024/);
    // Rates of named tenants, points and bytes; every bad entry is named.
    const overridden = loadIngestConfig({ STRATA_TENANT_BYTES_PER_SECOND_OVERRIDES: 'acme:1048576', STRATA_TENANT_POINTS_PER_SECOND_OVERRIDES: 'acme:5000,beta:200000' });
    expect(overridden.frontDoor.tenantBytesPerSecondOverrides).toEqual(new Map([['acme', 1_048_576]]));
    expect(overridden.limits.tenantPointsPerSecondOverrides).toEqual(new Map([['acme', 5_000], ['beta', 200_000]]));
    expect(() => loadIngestConfig({ STRATA_TENANT_BYTES_PER_SECOND_OVERRIDES: 'acme:100', STRATA_TENANT_POINTS_PER_SECOND_OVERRIDES: 'beta' })).toThrow(
      /STRATA_TENANT_POINTS_PER_SECOND_OVERRIDES entry "beta" must be tenant:points[\s\S]*STRATA_TENANT_BYTES_PER_SECOND_OVERRIDES entry "acme:100" must be tenant:bytes with bytes >= 1024/,
    );
    expect(() => loadIngestConfig({ STRATA_GRPC_MAX_CONCURRENT_STREAMS: '0', STRATA_MAX_LISTED_REJECTIONS: '-1' })).toThrow(
      /STRATA_GRPC_MAX_CONCURRENT_STREAMS=0 is below the minimum 1[\s\S]*STRATA_MAX_LISTED_REJECTIONS=-1 is below the minimum 0/,
    );
  });

  it('gives each tenant a share of the bytes in flight: half by default, never below the largest request nor above the whole', () => {
    const share = (env: Record<string, string>) => loadIngestConfig(env).frontDoor.tenantMaxInFlightBytes;
    expect(share({ STRATA_INGEST_MAX_INFLIGHT_BYTES: String(64 * 1024 * 1024) })).toBe(32 * 1024 * 1024);
    // Half of 10 MiB is below the 8 MiB request limit: the default rises to it.
    expect(share({ STRATA_INGEST_MAX_INFLIGHT_BYTES: String(10 * 1024 * 1024) })).toBe(8 * 1024 * 1024);
    expect(share({ STRATA_INGEST_TENANT_MAX_INFLIGHT_BYTES: String(8 * 1024 * 1024) })).toBe(8 * 1024 * 1024);
    expect(share({ STRATA_INGEST_TENANT_MAX_INFLIGHT_BYTES: String(16 * 1024 * 1024) })).toBe(16 * 1024 * 1024);
    expect(() => share({ STRATA_INGEST_TENANT_MAX_INFLIGHT_BYTES: String(8 * 1024 * 1024 - 1) })).toThrow(
      /STRATA_INGEST_TENANT_MAX_INFLIGHT_BYTES \(8388607\) must be from STRATA_MAX_REQUEST_BYTES \(8388608\) to STRATA_INGEST_MAX_INFLIGHT_BYTES \(16777216\)/,
    );
    expect(() => share({ STRATA_INGEST_TENANT_MAX_INFLIGHT_BYTES: String(16 * 1024 * 1024 + 1) })).toThrow(/STRATA_INGEST_TENANT_MAX_INFLIGHT_BYTES \(16777217\) must be from/);
  });

  it('bounds the series and labels of one request: series follow the point limit, labels 250,000', () => {
    expect(loadIngestConfig({}).limits).toMatchObject({ maxPointsPerRequest: 100_000, maxSeriesPerRequest: 100_000, maxLabelsPerRequest: 250_000 });
    expect(loadIngestConfig({ STRATA_MAX_POINTS_PER_REQUEST: '5000' }).limits.maxSeriesPerRequest).toBe(5_000);
    expect(loadIngestConfig({ STRATA_MAX_SERIES_PER_REQUEST: '7', STRATA_MAX_LABELS_PER_REQUEST: '0' }).limits).toMatchObject({
      maxSeriesPerRequest: 7,
      maxLabelsPerRequest: 0,
    });
    expect(() => loadIngestConfig({ STRATA_MAX_SERIES_PER_REQUEST: '0', STRATA_MAX_LABELS_PER_REQUEST: '-1' })).toThrow(
      /STRATA_MAX_SERIES_PER_REQUEST=0 is below the minimum 1[\s\S]*STRATA_MAX_LABELS_PER_REQUEST=-1 is below the minimum 0/,
    );
  });
});
