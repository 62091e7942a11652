import { ConfigError } from '@strata/runtime';
import { loadWriterConfig } from './config';

describe('loadWriterConfig', () => {
  it('listens on its fixed ports on loopback by default, with 4 h windows', () => {
    const config = loadWriterConfig({});
    expect(config.service).toMatchObject({ host: '127.0.0.1', grpcPort: 7003, opsPort: 9003 });
    expect(config).toMatchObject({ windowMs: 14_400_000, groupId: 'strata-writer', hotRetentionMs: 26 * 3_600_000, fetchPartitionBytes: 256 * 1024 });
    expect(loadWriterConfig({ STRATA_WRITER_FETCH_PARTITION_BYTES: '1048576' }).fetchPartitionBytes).toBe(1_048_576);
    expect(() => loadWriterConfig({ STRATA_WRITER_FETCH_PARTITION_BYTES: '1023' })).toThrow(/STRATA_WRITER_FETCH_PARTITION_BYTES=1023 is below the minimum 1024/);
    expect(config.replayFromMs).toBeUndefined();
  });

  it('seals a late window 30 s after its first late point unless told otherwise, within 0-10 min', () => {
    expect(loadWriterConfig({}).resealDelayMs).toBe(30_000);
    expect(loadWriterConfig({ STRATA_RESEAL_DELAY_MS: '0' }).resealDelayMs).toBe(0);
    expect(() => loadWriterConfig({ STRATA_RESEAL_DELAY_MS: '600001' })).toThrow(/STRATA_RESEAL_DELAY_MS=600001 is above/);
    expect(() => loadWriterConfig({ STRATA_RESEAL_DELAY_MS: '-1' })).toThrow(/STRATA_RESEAL_DELAY_MS=-1 is below/);
  });

  it('packs a record as the record kind unless STRATA_HOT_RECORD_FIELDS=false (a rolling upgrade)', () => {
    expect(loadWriterConfig({}).recordFields).toBe(true);
    expect(loadWriterConfig({ STRATA_HOT_RECORD_FIELDS: 'false' }).recordFields).toBe(false);
    expect(() => loadWriterConfig({ STRATA_HOT_RECORD_FIELDS: 'sometimes' })).toThrow(/STRATA_HOT_RECORD_FIELDS="sometimes" is not a boolean/);
  });

  it('sends appends on their own connection unless STRATA_REDIS_DIRECT_APPENDS=false', () => {
    expect(loadWriterConfig({}).directAppends).toBe(true);
    expect(loadWriterConfig({ STRATA_REDIS_DIRECT_APPENDS: 'false' }).directAppends).toBe(false);
    expect(() => loadWriterConfig({ STRATA_REDIS_DIRECT_APPENDS: 'sometimes' })).toThrow(/STRATA_REDIS_DIRECT_APPENDS="sometimes" is not a boolean/);
  });

  it.each([
    ['an ISO time', '2026-11-20T00:00:00Z', Date.UTC(2026, 10, 20)],
    ['epoch milliseconds', '1763596800000', 1_763_596_800_000],
  ])('reads --replay-from as %s', (_case, value, expected) => {
    expect(loadWriterConfig({}, ['--replay-from', value]).replayFromMs).toBe(expected);
  });

  it('refuses a window whose 1 ms data could not be sealed as one chunk (6 h: 21.6 M points, above 2^24)', () => {
    expect(() => loadWriterConfig({ STRATA_WINDOW_MS: '21600000' })).toThrow(/STRATA_WINDOW_MS=21600000 is above 16777216/);
    expect(loadWriterConfig({ STRATA_WINDOW_MS: '14400000' }).windowMs).toBe(14_400_000);
  });

  it('fails fast naming every bad setting', () => {
    let error: unknown;
    try {
      loadWriterConfig({ STRATA_WINDOW_MS: '7000000', STRATA_OPS_PORT: '-1' }, ['--replay-from', 'yesterday']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'STRATA_OPS_PORT=-1 is below the minimum 0',
      'STRATA_WINDOW_MS=7000000 must divide a day (86400000) evenly',
      '--replay-from "yesterday" is neither an ISO 8601 time nor epoch milliseconds',
    ]);
  });
});

describe('loadWriterConfig hot tier', () => {
  it('uses a single Redis node unless cluster nodes are given', () => {
    expect(loadWriterConfig({}).redis).toEqual({ mode: 'single', url: 'redis://127.0.0.1:6379' });
    expect(loadWriterConfig({ STRATA_REDIS_CLUSTER_NODES: 'a:6379, b:6379', STRATA_REDIS_TLS: 'true' }).redis).toEqual({
      mode: 'cluster',
      nodes: ['a:6379', 'b:6379'],
      password: undefined,
      tls: true,
    });
  });
});
