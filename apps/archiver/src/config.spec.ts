import { loadArchiverConfig } from './config';

describe('loadArchiverConfig', () => {
  it('listens on its fixed ports on loopback by default', () => {
    expect(loadArchiverConfig({}).service).toMatchObject({ host: '127.0.0.1', grpcPort: 7004, opsPort: 9004 });
  });

  it('defaults to a 14-day warm span, hourly runs, the strata-cold bucket and the service mode', () => {
    const config = loadArchiverConfig({}, [], { cores: 8 });
    expect(config).toMatchObject({
      dynamodb: { table: 'strata_chunks', region: 'us-east-1' },
      s3: { bucket: 'strata-cold', forcePathStyle: false, prefix: '' },
      archive: { warmSpanDays: 14, lookbackDays: 500, deleteDelayMs: 120_000, workers: 4, compact: true },
      intervalMs: 3_600_000,
      mode: { kind: 'service' },
    });
    expect(config.faultKillAfterPuts).toBeUndefined();
  });

  it('reads the shared S3 variables; an endpoint implies path-style addressing', () => {
    const config = loadArchiverConfig({ STRATA_S3_ENDPOINT: 'http://127.0.0.1:8333', STRATA_S3_BUCKET: 'my-bucket', STRATA_S3_PREFIX: 'a/b/' });
    expect(config.s3).toEqual({ endpoint: 'http://127.0.0.1:8333', region: 'us-east-1', bucket: 'my-bucket', forcePathStyle: true, prefix: 'a/b/' });
  });

  it.each([
    [['--once'], { kind: 'once' }],
    [['--day', '2026-11-01'], { kind: 'day', day: 20_758 }],
    [[], { kind: 'service' }],
  ])('%j runs as %j', (argv, mode) => {
    expect(loadArchiverConfig({}, argv).mode).toEqual(mode);
  });

  it('fails fast naming every bad variable and argument', () => {
    expect(() =>
      loadArchiverConfig(
        { STRATA_OPS_PORT: '-1', STRATA_LOG_LEVEL: 'loud', STRATA_WARM_SPAN_DAYS: '1', STRATA_S3_BUCKET: 'Bad_Bucket', STRATA_S3_PREFIX: 'no-slash' },
        ['--day', 'yesterday'],
      ),
    ).toThrow(
      /STRATA_OPS_PORT=-1 is below the minimum 0[\s\S]*STRATA_LOG_LEVEL="loud"[\s\S]*STRATA_WARM_SPAN_DAYS=1 is below the minimum 2[\s\S]*STRATA_S3_PREFIX="no-slash"[\s\S]*STRATA_S3_BUCKET="Bad_Bucket"[\s\S]*--day "yesterday"/,
    );
  });
});
