import { Registry } from 'prom-client';
import type { ValidSeries } from '@strata/model';
import { createLogger } from '@strata/runtime';
import { AdmittedSeriesCache } from './admitted-series-cache';
import { IngestMetrics } from './ingest-metrics';
import { SeriesLimiter } from './series-limiter';
import { SeriesRegistryUnavailableError } from '@strata/storage/hot';
import { MemorySeriesRegistry, NOW, SERIES_LIMIT_DEFAULTS } from '../test/handler-harness';

const HOUR = 3_600_000;

const series = (seriesIndex: number, host: string): ValidSeries => ({
  seriesIndex,
  name: 'cpu',
  labels: [{ name: 'host', value: host }],
  points: [{ timestampMs: NOW - 60_000, value: seriesIndex }],
});

type Registry_ = Pick<MemorySeriesRegistry, 'admit'>;

/**
 * A registry that, like Redis asked too much in one call, does not answer a call of more
 * than `maxSeries` series in time; smaller calls go to `inner`. Counts calls.
 */
function boundedRegistry(inner: MemorySeriesRegistry, maxSeries: number, failFromCall = Infinity) {
  const calls: number[] = [];
  const registry: Registry_ = {
    admit: async (tenant, request, limit) => {
      calls.push(request.refresh.length + request.candidates.length);
      if (calls.length >= failFromCall || request.refresh.length + request.candidates.length > maxSeries) {
        throw new SeriesRegistryUnavailableError(tenant, 'no answer within 500 ms');
      }
      return inner.admit(tenant, request, limit);
    },
  };
  return { registry, calls };
}

function limiterHarness(limits: Partial<typeof SERIES_LIMIT_DEFAULTS> = {}, wrap?: (inner: MemorySeriesRegistry) => Registry_) {
  const config = { ...SERIES_LIMIT_DEFAULTS, maxSeriesPerTenant: 3, activeMs: 4 * HOUR, ...limits };
  const registry = new MemorySeriesRegistry();
  const prometheus = new Registry();
  const warnings: string[] = [];
  const logger = createLogger({ service: 'spec', level: 'silent' });
  logger.warn = ((_: unknown, message: string) => void warnings.push(message)) as typeof logger.warn;
  const limiter = new SeriesLimiter({
    registry: wrap ? wrap(registry) : registry,
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

  it('finds a series in its cache by the record key the caller made, the same entry as by its series key', async () => {
    const { limiter, registry } = limiterHarness();
    const withKeys = (hosts: string[]) => hosts.map((h, i) => ({ ...series(i, h), key: `cpu{host="${h}"}`, recordKey: `acme/cpu{host="${h}"}` }));
    await limiter.admit('acme', withKeys(['a', 'b']), NOW);
    await limiter.admit('acme', [series(0, 'a'), series(1, 'b')], NOW);
    expect(registry.roundTrips).toBe(1);
    await limiter.admit('acme', [series(0, 'c')], NOW);
    expect((await limiter.admit('acme', withKeys(['c', 'a']), NOW)).admitted.length).toBe(2);
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

  it('admits new series unchecked within the allowance while the registry is unavailable, counts and logs, and checks them once it is back', async () => {
    const { admit, registry, prometheus, warnings } = limiterHarness({ maxSeriesPerTenant: 1 });
    registry.failing = true;
    expect((await admit('acme', ['a', 'b'])).admitted).toEqual(['a', 'b']);
    await admit('acme', ['c'], NOW + 1_000);
    expect(warnings).toEqual([
      'series registry unavailable: admitting new series unchecked up to the allowance, refusing the rest (SERIES_LIMIT_UNVERIFIED)',
    ]);
    const text = await prometheus.metrics();
    expect(text).toContain('strata_ingest_series_admitted_unchecked_total{tenant="acme"} 3');
    expect(text).toContain('strata_ingest_series_registry_round_trips_total{result="error"} 2');
    registry.failing = false;
    const back = await admit('acme', ['a', 'b'], NOW + 2_000);
    expect(back.admitted).toEqual(['a']);
    expect(back.refused).toEqual([[1, -1, 'SERIES_LIMIT_EXCEEDED']]);
  });

  it('fails closed beyond the allowance: the rest are refused SERIES_LIMIT_UNVERIFIED until the next interval', async () => {
    const { admit, registry, prometheus } = limiterHarness({ maxSeriesPerTenant: 100, uncheckedAllowance: 2, uncheckedIntervalMs: 60_000 });
    expect((await admit('acme', ['known'])).admitted).toEqual(['known']);
    registry.failing = true;
    const first = await admit('acme', ['a', 'b', 'c', 'd'], NOW + HOUR + 1); // 'known' now needs a refresh, too
    expect(first.admitted).toEqual(['a', 'b']);
    expect(first.refused).toEqual([
      [2, -1, 'SERIES_LIMIT_UNVERIFIED'],
      [3, -1, 'SERIES_LIMIT_UNVERIFIED'],
    ]);
    expect(first.messages[0]).toMatch(
      /^series cpu\{host="c"\} would be a new series for tenant acme, and the series registry in Redis did not answer \(.*no answer|ECONNREFUSED/,
    );
    expect(first.messages[0]).toMatch(/2 new series per 60 s unchecked \(STRATA_SERIES_UNCHECKED_ALLOWANCE\).*retry later$/);
    // A series this replica admitted before still passes: only new ones need the check.
    const later = await admit('acme', ['known', 'e'], NOW + HOUR + 30_000);
    expect(later.admitted).toEqual(['known']);
    expect(later.refused).toEqual([[1, -1, 'SERIES_LIMIT_UNVERIFIED']]);
    // Another tenant has an allowance of its own; the next interval gives a fresh one.
    expect((await admit('beta', ['x', 'y', 'z'], NOW + HOUR + 30_000)).admitted).toEqual(['x', 'y']);
    expect((await admit('acme', ['c', 'd', 'e'], NOW + HOUR + 60_001)).admitted).toEqual(['c', 'd']);
    expect(await prometheus.metrics()).toContain('strata_ingest_series_refused_unverified_total{tenant="acme"} 4');
  });

  it('with an allowance of 0 admits no new series unchecked', async () => {
    const { admit, registry } = limiterHarness({ uncheckedAllowance: 0 });
    registry.failing = true;
    expect((await admit('acme', ['a'])).refused).toEqual([[0, -1, 'SERIES_LIMIT_UNVERIFIED']]);
  });

  it('holds the limit for one request of 10,000 new series by asking the registry in chunks it can answer', async () => {
    let bounded!: ReturnType<typeof boundedRegistry>;
    // Like Redis with a 100,000-series request: a call over 1,000 series times out.
    const { limiter } = limiterHarness({ maxSeriesPerTenant: 2_500, registryChunkSize: 1_000 }, (inner) => (bounded = boundedRegistry(inner, 1_000)).registry);
    const hosts = Array.from({ length: 10_000 }, (_, i) => series(i, `h${i}`));
    const outcome = await limiter.admit('acme', hosts, NOW);
    expect(outcome.admitted).toHaveLength(2_500);
    expect(outcome.admitted.map((s) => s.seriesIndex)).toEqual(Array.from({ length: 2_500 }, (_, i) => i));
    expect(outcome.refused).toHaveLength(7_500);
    expect(new Set(outcome.refused.map((r) => r.code))).toEqual(new Set(['SERIES_LIMIT_EXCEEDED']));
    expect(bounded.calls).toEqual(Array(10).fill(1_000));
  });

  it('chunks refreshes with candidates, and stops asking at the first failed chunk', async () => {
    let bounded!: ReturnType<typeof boundedRegistry>;
    const { admit } = limiterHarness(
      { maxSeriesPerTenant: 100, registryChunkSize: 3, uncheckedAllowance: 1 },
      (inner) => (bounded = boundedRegistry(inner, 3, 3)).registry, // the third call fails
    );
    const hosts = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const outcome = await admit('acme', hosts);
    // Calls 1 and 2 decided a..f; g and h were never asked: one gets the allowance.
    expect(outcome.admitted).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(outcome.refused).toEqual([[7, -1, 'SERIES_LIMIT_UNVERIFIED']]);
    expect(bounded.calls).toEqual([3, 3, 2]);
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
