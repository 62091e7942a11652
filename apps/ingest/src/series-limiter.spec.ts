import { Registry } from 'prom-client';
import type { ValidSeries } from '@strata/model';
import { createLogger } from '@strata/runtime';
import { AdmittedSeriesCache } from './admitted-series-cache';
import { IngestMetrics } from './ingest-metrics';
import { SeriesLimiter } from './series-limiter';
import { MemorySeriesRegistry, NOW, SERIES_LIMIT_DEFAULTS } from './test-support';

const HOUR = 3_600_000;

const series = (seriesIndex: number, host: string): ValidSeries => ({
  seriesIndex,
  name: 'cpu',
  labels: [{ name: 'host', value: host }],
  points: [{ timestampMs: NOW - 60_000, value: seriesIndex }],
});

function limiterHarness(limits: Partial<typeof SERIES_LIMIT_DEFAULTS> = {}) {
  const config = { ...SERIES_LIMIT_DEFAULTS, maxSeriesPerTenant: 3, activeMs: 4 * HOUR, ...limits };
  const registry = new MemorySeriesRegistry();
  const prometheus = new Registry();
  const warnings: string[] = [];
  const logger = createLogger({ service: 'spec', level: 'silent' });
  logger.warn = ((_: unknown, message: string) => void warnings.push(message)) as typeof logger.warn;
  const limiter = new SeriesLimiter({
    registry,
    cache: new AdmittedSeriesCache(100, HOUR, config.activeMs),
    config,
    metrics: new IngestMetrics(prometheus),
    logger,
  });
  const admit = async (tenant: string, hosts: string[], now = NOW) => {
    const outcome = await limiter.admit(tenant, hosts.map((h, i) => series(i, h)), now);
    return {
      admitted: outcome.admitted.map((s) => s.labels[0].value),
      refused: outcome.refused.map((r) => [r.seriesIndex, r.pointIndex, r.code]),
      messages: outcome.refused.map((r) => r.message),
    };
  };
  return { limiter, registry, prometheus, warnings, admit };
}

describe('SeriesLimiter', () => {
  it('admits new series up to the limit and refuses the others with SERIES_LIMIT_EXCEEDED for the whole series', async () => {
    const { admit } = limiterHarness();
    const result = await admit('acme', ['a', 'b', 'c', 'd', 'e']);
    expect(result.admitted).toEqual(['a', 'b', 'c']);
    expect(result.refused).toEqual([
      [3, -1, 'SERIES_LIMIT_EXCEEDED'],
      [4, -1, 'SERIES_LIMIT_EXCEEDED'],
    ]);
    expect(result.messages[0]).toBe(
      'series cpu{host="d"} would be a new active series for tenant acme, which has 3 of its limit of 3 ' +
        '(STRATA_MAX_SERIES_PER_TENANT); its points were not stored. ' +
        'A series stops counting 4 h after its last write (STRATA_SERIES_ACTIVE_HOURS)',
    );
  });

  it('keeps accepting series it admitted once the limit is reached, without asking Redis again', async () => {
    const { admit, registry } = limiterHarness();
    await admit('acme', ['a', 'b', 'c']);
    expect(registry.roundTrips).toBe(1);
    expect((await admit('acme', ['c', 'a'])).admitted).toEqual(['c', 'a']);
    expect(registry.roundTrips).toBe(1);
    expect((await admit('acme', ['a', 'z'])).refused).toEqual([[1, -1, 'SERIES_LIMIT_EXCEEDED']]);
    expect(registry.roundTrips).toBe(2);
  });

  it('re-confirms a known series after the refresh age, and it is never refused then', async () => {
    const { admit, registry } = limiterHarness();
    await admit('acme', ['a', 'b', 'c']);
    registry.active.get('acme')!.clear(); // Redis lost the set
    await admit('acme', ['x', 'y', 'z'], NOW + 1); // others take every place
    const later = await admit('acme', ['a'], NOW + HOUR);
    expect(later.admitted).toEqual(['a']);
    expect(registry.active.get('acme')!.size).toBe(4);
  });

  it('treats a series idle for the whole active span as new: it no longer holds a place', async () => {
    const { admit, registry } = limiterHarness();
    await admit('acme', ['a', 'b', 'c']);
    registry.active.get('acme')!.clear(); // in Redis, its place expired with it
    await admit('acme', ['x', 'y', 'z'], NOW + 3 * HOUR);
    const back = await admit('acme', ['a'], NOW + 4 * HOUR);
    expect(back.refused).toEqual([[0, -1, 'SERIES_LIMIT_EXCEEDED']]);
    expect(registry.roundTrips).toBe(3);
  });

  it('asks once about a series repeated in one request, and refuses every occurrence', async () => {
    const { admit, registry } = limiterHarness({ maxSeriesPerTenant: 1 });
    const result = await admit('acme', ['a', 'b', 'b']);
    expect(result.admitted).toEqual(['a']);
    expect(result.refused.map(([i]) => i)).toEqual([1, 2]);
    expect(registry.roundTrips).toBe(1);
  });

  it('applies a tenant override and names it in the refusal', async () => {
    const { admit } = limiterHarness({ tenantMaxSeries: new Map([['big', 4]]) });
    expect((await admit('big', ['a', 'b', 'c', 'd', 'e'])).admitted).toHaveLength(4);
    const refused = await admit('big', ['f']);
    expect(refused.messages[0]).toContain('which has 4 of its limit of 4 (STRATA_TENANT_MAX_SERIES for big)');
    expect((await admit('small', ['a', 'b', 'c', 'd'])).admitted).toHaveLength(3);
  });

  it('counts tenants separately', async () => {
    const { admit } = limiterHarness();
    await admit('acme', ['a', 'b', 'c']);
    expect((await admit('beta', ['a', 'b', 'c'])).admitted).toEqual(['a', 'b', 'c']);
  });

  it('fails open while the registry is unavailable: admits, counts and logs, and checks the series once it is back', async () => {
    const { admit, registry, prometheus, warnings } = limiterHarness({ maxSeriesPerTenant: 1 });
    registry.failing = true;
    expect((await admit('acme', ['a', 'b'])).admitted).toEqual(['a', 'b']);
    await admit('acme', ['c'], NOW + 1_000);
    expect(warnings).toEqual(['series registry unavailable: admitting new series without checking the series limit']);
    const text = await prometheus.metrics();
    expect(text).toContain('strata_ingest_series_admitted_unchecked_total{tenant="acme"} 3');
    expect(text).toContain('strata_ingest_series_registry_round_trips_total{result="error"} 2');
    registry.failing = false;
    const back = await admit('acme', ['a', 'b'], NOW + 2_000);
    expect(back.admitted).toEqual(['a']);
    expect(back.refused).toEqual([[1, -1, 'SERIES_LIMIT_EXCEEDED']]);
  });

  it('reports cache hits, misses, round trips and the active count', async () => {
    const { admit, prometheus } = limiterHarness();
    await admit('acme', ['a', 'b']);
    await admit('acme', ['a', 'b', 'c']);
    const text = await prometheus.metrics();
    expect(text).toContain('strata_ingest_series_cache_lookups_total{result="hit"} 2');
    expect(text).toContain('strata_ingest_series_cache_lookups_total{result="miss"} 3');
    expect(text).toContain('strata_ingest_series_registry_round_trips_total{result="ok"} 2');
    expect(text).toContain('strata_ingest_tenant_active_series{tenant="acme"} 3');
    expect(text).toContain('strata_ingest_series_cache_entries 3');
  });
});
