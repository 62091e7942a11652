import { createRedis } from './redis-client';
import { checkRedisSettings } from './redis-settings';

describe('checkRedisSettings against a real Redis', () => {
  const redis = createRedis({ url: process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
  let saved: string[] = [];

  beforeAll(async () => {
    saved = (await redis.call('CONFIG', 'GET', 'maxmemory-policy', 'appendonly', 'save')) as string[];
  });
  afterAll(async () => {
    for (let i = 0; i + 1 < saved.length; i += 2) await redis.call('CONFIG', 'SET', saved[i], saved[i + 1]);
    redis.disconnect();
  });

  it.each([
    { policy: 'noeviction', problems: 0, warnings: 0 },
    { policy: 'volatile-lru', problems: 0, warnings: 1 },
    { policy: 'allkeys-lru', problems: 1, warnings: 0 },
    { policy: 'allkeys-random', problems: 1, warnings: 0 },
  ])('judges maxmemory-policy $policy', async ({ policy, problems, warnings }) => {
    await redis.call('CONFIG', 'SET', 'maxmemory-policy', policy);
    await redis.call('CONFIG', 'SET', 'appendonly', 'yes');
    const report = await checkRedisSettings(redis);
    expect(report.checked).toBe(true);
    expect(report.problems).toHaveLength(problems);
    expect(report.warnings).toHaveLength(warnings);
    if (problems > 0) expect(report.problems[0]).toContain('noeviction');
  });

  it('says that a Redis without persistence is rebuilt after every restart', async () => {
    await redis.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await redis.call('CONFIG', 'SET', 'appendonly', 'no');
    await redis.call('CONFIG', 'SET', 'save', '');
    expect((await checkRedisSettings(redis)).warnings).toEqual([expect.stringContaining('rebuilds the unsealed points from the log')]);
  });
});
