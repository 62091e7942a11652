import { loadReaderConfig } from './config';

describe('loadReaderConfig', () => {
  it('listens on the fixed ports on loopback by default', () => {
    expect(loadReaderConfig({}).service).toMatchObject({ host: '127.0.0.1', grpcPort: 7002, opsPort: 9002 });
  });

  it('defaults to the local stack, the writer’s windows and AWS for DynamoDB', () => {
    const config = loadReaderConfig({}, { cores: 8 });
    expect(config).toMatchObject({
      redis: { mode: 'single', url: 'redis://127.0.0.1:6379' },
      dynamodb: { endpoint: undefined, region: 'us-east-1', table: 'strata_chunks' },
      windowMs: 14_400_000,
      hotRetentionMs: 26 * 3_600_000,
      limits: { maxPointsPerMessage: 10_000 },
      decode: { workers: 4, inlineMaxChunks: 64 },
    });
    expect(loadReaderConfig({}, { cores: 2 }).decode.workers).toBe(2);
  });

  it('reads the shared variable names', () => {
    const config = loadReaderConfig({
      STRATA_WINDOW_MS: '3600000',
      STRATA_HOT_RETENTION_MS: '7200000',
      STRATA_DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      STRATA_DYNAMODB_TABLE: 'other',
      STRATA_DECODE_WORKERS: '0',
    });
    expect(config).toMatchObject({
      windowMs: 3_600_000,
      hotRetentionMs: 7_200_000,
      dynamodb: { endpoint: 'http://127.0.0.1:8000', table: 'other' },
      decode: { workers: 0 },
    });
  });

  it('reads the read limits, with their defaults, and refuses a bad one naming it', () => {
    expect(loadReaderConfig({})).toMatchObject({
      admission: {
        perTenantConcurrency: 4,
        globalConcurrency: 64,
        perTenantQueue: 32,
        maxCost: { read: { units: 100_000, setting: 'STRATA_READ_MAX_REQUESTS' }, list: { units: 1_000_000, setting: 'STRATA_LIST_MAX_SCANNED' } },
        timeoutMs: { read: { ms: 60_000 }, list: { ms: 10_000 } },
      },
      listing: { maxPatternLength: 256, cpuMs: 1_000, sliceMs: 5 },
      hotStateTtlMs: 1_000,
      limits: { maxPointsPerRequest: 5_000_000, pointsPerSeriesDay: 1_440 },
    });
    expect(loadReaderConfig({}).tenantHotCommands).toBe(10_000);
    expect(() => loadReaderConfig({ STRATA_READ_TENANT_HOT_COMMANDS: '0' })).toThrow(/STRATA_READ_TENANT_HOT_COMMANDS=0 is below the minimum 1/);
    expect(loadReaderConfig({ STRATA_READ_POINTS_PER_SERIES_DAY: '86400000' }).limits.pointsPerSeriesDay).toBe(86_400_000);
    expect(() => loadReaderConfig({ STRATA_READ_POINTS_PER_SERIES_DAY: '86400001' })).toThrow(/STRATA_READ_POINTS_PER_SERIES_DAY=86400001 is above the maximum 86400000/);
    expect(() => loadReaderConfig({ STRATA_READ_POINTS_PER_SERIES_DAY: '0' })).toThrow(/STRATA_READ_POINTS_PER_SERIES_DAY=0 is below the minimum 1/);
    expect(loadReaderConfig({ STRATA_READ_TENANT_CONCURRENCY: '2', STRATA_LIST_MAX_PATTERN_LENGTH: '512' })).toMatchObject({
      admission: { perTenantConcurrency: 2 },
      listing: { maxPatternLength: 512 },
    });
    expect(() => loadReaderConfig({ STRATA_LIST_MAX_PATTERN_LENGTH: '513', STRATA_READ_TENANT_CONCURRENCY: '0', STRATA_READ_TIMEOUT_MS: 'soon' })).toThrow(
      /STRATA_READ_TENANT_CONCURRENCY=0 is below the minimum 1[\s\S]*STRATA_READ_TIMEOUT_MS="soon" is not an integer[\s\S]*STRATA_LIST_MAX_PATTERN_LENGTH=513 is above the maximum 512/,
    );
  });

  it('reads the label index following settings, at and just past their bounds', () => {
    expect(loadReaderConfig({}).indexFollow).toEqual({ everyMs: 250, idleMs: 300_000, tenants: 100 });
    expect(loadReaderConfig({ STRATA_INDEX_FOLLOW_MS: '0', STRATA_INDEX_FOLLOW_IDLE_MS: '1000', STRATA_INDEX_FOLLOW_TENANTS: '1' }).indexFollow).toEqual({ everyMs: 0, idleMs: 1_000, tenants: 1 });
    expect(loadReaderConfig({ STRATA_INDEX_FOLLOW_MS: '60000', STRATA_INDEX_FOLLOW_TENANTS: '100000' }).indexFollow).toMatchObject({ everyMs: 60_000, tenants: 100_000 });
    expect(() => loadReaderConfig({ STRATA_INDEX_FOLLOW_MS: '-1' })).toThrow(/STRATA_INDEX_FOLLOW_MS=-1 is below the minimum 0/);
    expect(() => loadReaderConfig({ STRATA_INDEX_FOLLOW_MS: '60001' })).toThrow(/STRATA_INDEX_FOLLOW_MS=60001 is above the maximum 60000/);
    expect(() => loadReaderConfig({ STRATA_INDEX_FOLLOW_IDLE_MS: '999' })).toThrow(/STRATA_INDEX_FOLLOW_IDLE_MS=999 is below the minimum 1000/);
    expect(() => loadReaderConfig({ STRATA_INDEX_FOLLOW_TENANTS: '0' })).toThrow(/STRATA_INDEX_FOLLOW_TENANTS=0 is below the minimum 1/);
    expect(() => loadReaderConfig({ STRATA_INDEX_FOLLOW_TENANTS: '100001' })).toThrow(/STRATA_INDEX_FOLLOW_TENANTS=100001 is above the maximum 100000/);
  });

  it('fails fast naming every bad variable', () => {
    expect(() => loadReaderConfig({ STRATA_API_KEYS: 'nope' })).toThrow(/STRATA_API_KEYS entry 1/);
    // Set but blank is a mistake, not the development key; named along with the others.
    expect(() => loadReaderConfig({ STRATA_API_KEYS: ' ', STRATA_READ_CONCURRENCY: '0' })).toThrow(
      /STRATA_READ_CONCURRENCY=0 is below the minimum 1[\s\S]*STRATA_API_KEYS is set but blank/,
    );
    let message = '';
    try {
      loadReaderConfig({ STRATA_WINDOW_MS: '7000000', STRATA_READ_CONCURRENCY: '0', STRATA_REDIS_URL: 'x y' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/STRATA_WINDOW_MS=7000000 must divide a day/);
    expect(message).toMatch(/STRATA_READ_CONCURRENCY=0 is below the minimum 1/);
    expect(message).toMatch(/STRATA_REDIS_URL="x y" is not a URL/);
  });
});
