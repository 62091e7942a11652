import { randomUUID } from 'node:crypto';
import { activeSeriesKey, createRedis, RedisSeriesRegistry, type Redis } from '@strata/storage/hot';
import { decodePointsAppended } from '@strata/stream';
import { handlerHarness, NOW } from '../test/handler-harness';

// The series limit through the write handler, with the registry on the local stack's
// Redis. Each "ingest instance" has its own Redis connection, cache and log stand-in, as
// separate replicas would.

const HOUR = 3_600_000;
const url = process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const series = (host: string, value = 1) => ({
  name: 'cpu.busy',
  labels: [{ name: 'host', value: host }],
  points: [{ timestampMs: NOW - 60_000, value }],
});

describe('series per tenant limit against a real Redis', () => {
  const clients: Redis[] = [];
  const tenants: string[] = [];

  const newTenant = () => {
    const tenant = `limit-${randomUUID().slice(0, 8)}`;
    tenants.push(tenant);
    return tenant;
  };
  const ingestInstance = (maxSeriesPerTenant: number) => {
    const redis = createRedis({ url });
    clients.push(redis);
    const registry = new RedisSeriesRegistry(redis, { activeMs: 26 * HOUR });
    return { ...handlerHarness({}, { maxSeriesPerTenant }, registry), redis };
  };
  const storedHosts = (records: ReadonlyArray<{ value: Buffer }>) =>
    records.map((r) => decodePointsAppended(r.value).series!.labels[0].value).sort();

  afterAll(async () => {
    if (tenants.length > 0) await clients[0].del(...tenants.map(activeSeriesKey));
    clients.forEach((c) => c.disconnect());
  });

  it('stores 3 of 5 new series at a limit of 3, refuses 2 with SERIES_LIMIT_EXCEEDED, and still takes rewrites', async () => {
    const tenant = newTenant();
    const ingest = ingestInstance(3);
    await ingest.redis.ping();
    const response = await ingest.handler.write(tenant, { series: ['a', 'b', 'c', 'd', 'e'].map((h) => series(h)) });
    expect(response.accepted).toBe(3);
    expect(response.rejections.map((r) => [r.seriesIndex, r.pointIndex, r.code])).toEqual([
      [3, -1, 'SERIES_LIMIT_EXCEEDED'],
      [4, -1, 'SERIES_LIMIT_EXCEEDED'],
    ]);
    expect(response.rejections[0].message).toContain(`tenant ${tenant}, which has 3 of its limit of 3 (STRATA_MAX_SERIES_PER_TENANT)`);
    expect(storedHosts(ingest.log.records)).toEqual(['a', 'b', 'c']);
    expect(await ingest.redis.zcard(activeSeriesKey(tenant))).toBe(3);

    // At the limit: a known series is still written, a new one still refused.
    const later = await ingest.handler.write(tenant, { series: [series('b', 2), series('f')] });
    expect(later.accepted).toBe(1);
    expect(later.rejections.map((r) => [r.seriesIndex, r.code])).toEqual([[1, 'SERIES_LIMIT_EXCEEDED']]);

    // Another replica that never saw these series asks Redis, which knows them.
    const other = ingestInstance(3);
    await other.redis.ping();
    const elsewhere = await other.handler.write(tenant, { series: [series('a', 3), series('c', 3), series('g')] });
    expect(elsewhere.accepted).toBe(2);
    expect(elsewhere.rejections.map((r) => r.seriesIndex)).toEqual([2]);
  });

  it('shares one limit between two ingest instances writing new series at the same time', async () => {
    const tenant = newTenant();
    const [one, two] = [ingestInstance(10), ingestInstance(10)];
    await Promise.all([one.redis.ping(), two.redis.ping()]);
    const writes = Array.from({ length: 12 }, (_, i) =>
      (i % 2 === 0 ? one : two).handler.write(tenant, { series: [series(`h${i}-x`), series(`h${i}-y`)] }),
    );
    const responses = await Promise.all(writes);
    const accepted = responses.reduce((sum, r) => sum + r.accepted, 0);
    const refused = responses.flatMap((r) => r.rejections);
    expect(accepted).toBe(10);
    expect(refused).toHaveLength(14);
    expect(new Set(refused.map((r) => r.code))).toEqual(new Set(['SERIES_LIMIT_EXCEEDED']));
    expect(one.log.records.length + two.log.records.length).toBe(10);
    expect(await one.redis.zcard(activeSeriesKey(tenant))).toBe(10);
  });

  it('admits new series unchecked, at once, while Redis cannot be reached', async () => {
    // Port 1 (tcpmux) is closed on loopback: every connection attempt is refused at once.
    const redis = createRedis({ url: 'redis://127.0.0.1:1' });
    redis.on('error', () => undefined);
    clients.push(redis);
    const ingest = handlerHarness({}, { maxSeriesPerTenant: 1 }, new RedisSeriesRegistry(redis, { activeMs: HOUR }));
    const began = Date.now();
    const response = await ingest.handler.write(newTenant(), { series: [series('a'), series('b')] });
    expect(Date.now() - began).toBeLessThan(1_000);
    expect(response).toEqual({ accepted: 2, rejections: [] });
    expect(await ingest.registry.getSingleMetricAsString('strata_ingest_series_admitted_unchecked_total')).toMatch(/ 2$/m);
  });

  it('fails closed past the unchecked allowance while Redis cannot be reached', async () => {
    const redis = createRedis({ url: 'redis://127.0.0.1:1' });
    redis.on('error', () => undefined);
    clients.push(redis);
    const ingest = handlerHarness({}, { maxSeriesPerTenant: 1_000, uncheckedAllowance: 2 }, new RedisSeriesRegistry(redis, { activeMs: HOUR }));
    const response = await ingest.handler.write(newTenant(), { series: ['a', 'b', 'c', 'd'].map((h) => series(h)) });
    expect(response.accepted).toBe(2);
    expect(response.rejections.map((r) => [r.seriesIndex, r.code])).toEqual([
      [2, 'SERIES_LIMIT_UNVERIFIED'],
      [3, 'SERIES_LIMIT_UNVERIFIED'],
    ]);
    expect(storedHosts(ingest.log.records)).toEqual(['a', 'b']);
  });
});

