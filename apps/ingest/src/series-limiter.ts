import { RejectionCode, seriesKey, type PointRejection, type ValidSeries } from '@strata/model';
import type { Logger } from '@strata/runtime';
import type { RedisSeriesRegistry } from '@strata/storage';
import type { AdmittedSeriesCache } from './admitted-series-cache';
import type { SeriesLimitConfig } from './config';
import type { IngestMetrics } from './ingest-metrics';

export interface SeriesLimiterDeps {
  readonly registry: Pick<RedisSeriesRegistry, 'admit'>;
  readonly cache: AdmittedSeriesCache;
  readonly config: SeriesLimitConfig;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
}

export interface SeriesLimitOutcome {
  /** The series that may be written, in the order given. */
  readonly admitted: ValidSeries[];
  /** One SERIES_LIMIT_EXCEEDED rejection (point_index -1) per refused series. */
  readonly refused: PointRejection[];
}

const UNAVAILABLE_LOG_EVERY_MS = 10_000;

/**
 * Enforces the active-series limit per tenant across ingest replicas: series this replica
 * admitted recently pass without a round trip; the others go to the shared registry in
 * Redis, one round trip per request. When the registry cannot answer, the series are
 * admitted unchecked (fail open, counted and logged): see docs/write-path.md.
 */
export class SeriesLimiter {
  private lastUnavailableLogMs = -Infinity;
  private uncheckedSinceLog = 0;

  constructor(private readonly deps: SeriesLimiterDeps) {}

  async admit(tenant: string, series: readonly ValidSeries[], now: number): Promise<SeriesLimitOutcome> {
    const { cache, metrics } = this.deps;
    const keys = series.map((s) => seriesKey(s.name, s.labels));
    const refresh = new Set<string>();
    const candidates = new Set<string>();
    const looked = new Set<string>();
    let hits = 0;
    for (const key of keys) {
      if (looked.has(key)) continue;
      looked.add(key);
      const state = cache.state(tenant, key, now);
      if (state === 'fresh') hits++;
      else if (state === 'known') refresh.add(key);
      else candidates.add(key);
    }
    metrics.seriesCacheLookups.inc({ result: 'hit' }, hits);
    metrics.seriesCacheLookups.inc({ result: 'refresh' }, refresh.size);
    metrics.seriesCacheLookups.inc({ result: 'miss' }, candidates.size);
    if (refresh.size === 0 && candidates.size === 0) return { admitted: [...series], refused: [] };

    const limit = this.limitFor(tenant);
    const stopTimer = metrics.seriesRegistrySeconds.startTimer();
    let outcome: Awaited<ReturnType<RedisSeriesRegistry['admit']>>;
    try {
      outcome = await this.deps.registry.admit(tenant, { refresh: [...refresh], candidates: [...candidates] }, limit, now);
    } catch (error) {
      stopTimer();
      metrics.seriesRegistryRoundTrips.inc({ result: 'error' });
      this.admittedUnchecked(tenant, candidates.size, error, now);
      return { admitted: [...series], refused: [] };
    }
    stopTimer();
    metrics.seriesRegistryRoundTrips.inc({ result: 'ok' });
    metrics.activeSeries.set({ tenant }, outcome.active);

    for (const key of refresh) cache.admitted(tenant, key, now);
    const refusedKeys = new Set<string>();
    [...candidates].forEach((key, i) => (outcome.admitted[i] ? cache.admitted(tenant, key, now) : refusedKeys.add(key)));
    metrics.cachedSeries.set(cache.size);
    if (refusedKeys.size === 0) return { admitted: [...series], refused: [] };

    const admitted: ValidSeries[] = [];
    const refused: PointRejection[] = [];
    series.forEach((s, i) => {
      if (!refusedKeys.has(keys[i])) {
        admitted.push(s);
        return;
      }
      refused.push({
        seriesIndex: s.seriesIndex,
        pointIndex: -1,
        code: RejectionCode.SERIES_LIMIT_EXCEEDED,
        message:
          `series ${keys[i]} would be a new active series for tenant ${tenant}, which has ${outcome.active} ` +
          `of its limit of ${limit} (${this.settingFor(tenant)}); its points were not stored. ` +
          `A series stops counting ${Math.round(this.deps.config.activeMs / 3_600_000)} h after its last write ` +
          '(STRATA_SERIES_ACTIVE_HOURS)',
      });
    });
    return { admitted, refused };
  }

  private limitFor(tenant: string): number {
    return this.deps.config.tenantMaxSeries.get(tenant) ?? this.deps.config.maxSeriesPerTenant;
  }

  private settingFor(tenant: string): string {
    return this.deps.config.tenantMaxSeries.has(tenant) ? `STRATA_TENANT_MAX_SERIES for ${tenant}` : 'STRATA_MAX_SERIES_PER_TENANT';
  }

  /** Fail open: the write goes on; the operator sees a counter and (at most every 10 s) a log line. */
  private admittedUnchecked(tenant: string, series: number, error: unknown, now: number): void {
    this.deps.metrics.seriesAdmittedUnchecked.inc({ tenant }, series);
    this.uncheckedSinceLog += series;
    if (now - this.lastUnavailableLogMs < UNAVAILABLE_LOG_EVERY_MS) return;
    this.deps.logger.warn(
      { tenant, uncheckedSeries: this.uncheckedSinceLog, err: error },
      'series registry unavailable: admitting new series without checking the series limit',
    );
    this.lastUnavailableLogMs = now;
    this.uncheckedSinceLog = 0;
  }
}
