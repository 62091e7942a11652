import type { EnvReader } from '@strata/runtime';
import { readColdEnv } from '../cold/cold-env';
import { readHotEnv } from '../hot/hot-env';
import { readSettings as read } from '../testing/read-settings';
import { readWarmEnv } from '../warm/warm-env';
import { readRetentionEnv } from './retention';
import { DAY_MS, HOUR_MS } from './time';

// Every service reads a tier's settings through that tier's reader, so these defaults are
// the ones the writer, the reader, the archiver and ingest all get.
describe('tier settings', () => {
  it('defaults to the local stack and the documented spans', () => {
    expect(read(readHotEnv, {})).toEqual({ settings: { redis: { mode: 'single', url: 'redis://127.0.0.1:6379' }, windowMs: 4 * HOUR_MS, hotRetentionMs: 26 * HOUR_MS, sealGraceMs: 5 * 60_000 }, problems: [] });
    expect(read(readWarmEnv, {})).toEqual({
      settings: { endpoint: undefined, region: 'us-east-1', table: 'strata_chunks', dayIndexShards: 64, warmSpanDays: 14 },
      problems: [],
    });
    const cold = read(readColdEnv, {});
    expect(cold.problems).toEqual([]);
    expect(cold.settings.s3).toEqual({ endpoint: undefined, region: 'us-east-1', bucket: 'strata-cold', forcePathStyle: false, prefix: '' });
    expect(cold.settings.retention.retentionMs('any')).toBe(460 * DAY_MS);
  });

  it('reads the shared variable names', () => {
    const env = {
      STRATA_HOT_RETENTION_MS: String(2 * HOUR_MS),
      STRATA_DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      AWS_REGION: 'eu-west-1',
      STRATA_DYNAMODB_TABLE: 'other',
      STRATA_DAY_INDEX_SHARDS: '8',
      STRATA_WARM_SPAN_DAYS: '3',
      STRATA_RETENTION_DAYS: '30',
      STRATA_TENANT_RETENTION_DAYS: 'acme:7, beta:400',
    };
    expect(read(readHotEnv, env).settings.hotRetentionMs).toBe(2 * HOUR_MS);
    expect(read(readWarmEnv, env).settings).toEqual({ endpoint: 'http://127.0.0.1:8000', region: 'eu-west-1', table: 'other', dayIndexShards: 8, warmSpanDays: 3 });
    const { settings } = read(readColdEnv, env);
    expect(settings.s3.region).toBe('eu-west-1');
    expect([settings.retention.retentionMs('acme'), settings.retention.retentionMs('beta'), settings.retention.retentionMs('other')]).toEqual([7 * DAY_MS, 400 * DAY_MS, 30 * DAY_MS]);
  });

  it.each([
    [readHotEnv, { STRATA_HOT_RETENTION_MS: String(HOUR_MS - 1) }, /STRATA_HOT_RETENTION_MS=3599999 is below the minimum 3600000/],
    [readWarmEnv, { STRATA_DAY_INDEX_SHARDS: '0' }, /STRATA_DAY_INDEX_SHARDS=0 is below the minimum 1/],
    [readWarmEnv, { STRATA_WARM_SPAN_DAYS: '461' }, /STRATA_WARM_SPAN_DAYS=461 is above the maximum 460/],
    [readRetentionEnv, { STRATA_TENANT_RETENTION_DAYS: 'acme:0' }, /STRATA_TENANT_RETENTION_DAYS entry "acme:0" must be tenant:days with days from 1 to 36500/],
    [readRetentionEnv, { STRATA_TENANT_RETENTION_DAYS: 'acme:7,acme:8' }, /STRATA_TENANT_RETENTION_DAYS names tenant acme twice/],
  ] as const)('refuses a bad value, naming the variable (%#)', (readTier, env, message) => {
    const { problems } = read(readTier as (reader: EnvReader) => unknown, env);
    expect(problems).toEqual([expect.stringMatching(message)]);
  });
});
