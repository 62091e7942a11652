import { RejectionCode, seriesKey, type PointRejection, type ValidSeries } from '@strata/model';
import { isRetriable, type Logger } from '@strata/runtime';
import type { RedisSeriesRegistry } from '@strata/storage/hot';
import { AdmittedSeriesCache } from './admitted-series-cache';
import type { SeriesLimitConfig } from './config';
import type { IngestMetrics } from './ingest-metrics';
import { UncheckedSeriesAllowance } from './unchecked-series-allowance';

export interface SeriesLimiterDeps {
  readonly registry: Pick<RedisSeriesRegistry, 'admit'>;
  readonly cache: AdmittedSeriesCache;
  readonly config: SeriesLimitConfig;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
}

/** What the limit reads of a series: its identity, and its place in the request for a refusal. */
/**
 * A series to admit. `key`, its canonical series key, and `recordKey`, its log record key
 * (`tenant/key`, the admitted-series cache's key), save making them again when the caller
 * has them already.
 */
export type SeriesIdentity = Pick<ValidSeries, 'seriesIndex' | 'name' | 'labels'> & { readonly key?: string; readonly recordKey?: string };

export interface SeriesLimitOutcome<S extends SeriesIdentity = ValidSeries> {
  /** The series that may be written, in the order given. */
  readonly admitted: S[];
  /** One SERIES_LIMIT_EXCEEDED or SERIES_LIMIT_UNVERIFIED rejection (point_index -1) per refused series. */
  readonly refused: PointRejection[];
}

const UNAVAILABLE_LOG_EVERY_MS = 10_000;

type Verdict = 'admitted' | 'over-limit' | 'unverified';

/**
 * Enforces the active-series limit per tenant across ingest replicas: series this replica
 * admitted recently pass without a round trip; the others go to the shared registry in
 * Redis, in calls of at most `registryChunkSize` series made one after another, so that
 * even one request of 100,000 new series is checked in calls that each fit the timeout.
 *
 * When a call fails (Redis slow or away), no more calls are made for the request: series
 * this replica admitted before pass, and new ones get only the tenant's small allowance
 * of unchecked series (STRATA_SERIES_UNCHECKED_ALLOWANCE per interval); the rest are
 * refused SERIES_LIMIT_UNVERIFIED, which a client retries. Fail closed beyond the
 * allowance, not open: see docs/write-path.md and docs/operations.md.
 */
export class SeriesLimiter {
  private lastUnavailableLogMs = -Infinity;
  private uncheckedSinceLog = 0;
  private refusedSinceLog = 0;
  private readonly allowance: UncheckedSeriesAllowance;

  constructor(private readonly deps: SeriesLimiterDeps) {
    this.allowance = new UncheckedSeriesAllowance(deps.config.uncheckedAllowance, deps.config.uncheckedIntervalMs);
  }

  async admit<S extends SeriesIdentity>(tenant: string, series: readonly S[], now: number): Promise<SeriesLimitOutcome<S>> {
    const { cache, metrics } = this.deps;
    const keys = series.map((s) => s.key ?? seriesKey(s.name, s.labels));
    const refresh = new Set<string>();
    const candidates = new Set<string>();
    const looked = new Set<string>();
    // The cache's key of each series sent to the registry (the others need it only here).
    const cacheKeys = new Map<string, string>();
    let hits = 0;
    for (let i = 0; i < series.length; i++) {
      const key = keys[i];
      if (looked.has(key)) continue;
      looked.add(key);
      const cacheKey = series[i].recordKey ?? AdmittedSeriesCache.key(tenant, key);
      const state = cache.state(cacheKey, now);
      if (state === 'fresh') {
        hits++;
        continue;
      }
      cacheKeys.set(key, cacheKey);
      if (state === 'known') refresh.add(key);
      else candidates.add(key);
    }
    metrics.seriesCacheLookups.inc({ result: 'hit' }, hits);
    metrics.seriesCacheLookups.inc({ result: 'refresh' }, refresh.size);
    metrics.seriesCacheLookups.inc({ result: 'miss' }, candidates.size);
    if (refresh.size === 0 && candidates.size === 0) return { admitted: [...series], refused: [] };

    const limit = this.limitFor(tenant);
    const { verdicts, active, failure } = await this.askRegistry(tenant, [...refresh], [...candidates], cacheKeys, limit, now);
    metrics.cachedSeries.set(cache.size);
    if (failure !== undefined) this.uncheckedAdmission(tenant, verdicts, failure, now);
    if (![...verdicts.values()].some((v) => v !== 'admitted')) return { admitted: [...series], refused: [] };

    const admitted: S[] = [];
    const refused: PointRejection[] = [];
    series.forEach((s, i) => {
      const verdict = verdicts.get(keys[i]) ?? 'admitted';
      if (verdict === 'admitted') admitted.push(s);
      else refused.push(this.rejection(tenant, s.seriesIndex, keys[i], verdict, limit, active, failure));
    });
    return { admitted, refused };
  }

  /**
   * Asks the registry in chunks, one after another; stops at the first failure. Verdicts
   * cover the candidates (refreshes always pass): 'unverified' for those not asked.
   */
  private async askRegistry(
    tenant: string,
    refresh: readonly string[],
    candidates: readonly string[],
    cacheKeys: ReadonlyMap<string, string>,
    limit: number,
    now: number,
  ): Promise<{ verdicts: Map<string, Verdict>; active: number | undefined; failure: unknown }> {
    const { cache, metrics, config } = this.deps;
    const verdicts = new Map<string, Verdict>(candidates.map((key) => [key, 'unverified']));
    const chunk = config.registryChunkSize;
    let active: number | undefined;
    let r = 0;
    let c = 0;
    do {
      const refreshPart = refresh.slice(r, r + chunk);
      const candidatePart = candidates.slice(c, c + chunk - refreshPart.length);
      r += refreshPart.length;
      c += candidatePart.length;
      const stopTimer = metrics.seriesRegistrySeconds.startTimer();
      try {
        const outcome = await this.deps.registry.admit(tenant, { refresh: refreshPart, candidates: candidatePart }, limit, now);
        metrics.seriesRegistryRoundTrips.inc({ result: 'ok' });
        active = outcome.active;
        metrics.activeSeries.set({ tenant }, outcome.active);
        for (const key of refreshPart) cache.admitted(cacheKeys.get(key)!, now);
        candidatePart.forEach((key, i) => {
          verdicts.set(key, outcome.admitted[i] ? 'admitted' : 'over-limit');
          if (outcome.admitted[i]) cache.admitted(cacheKeys.get(key)!, now);
        });
      } catch (error) {
        metrics.seriesRegistryRoundTrips.inc({ result: 'error' });
        // Only "no answer" (retriable) makes series unverified; a bug must not pass as Redis being slow.
        if (!isRetriable(error)) throw error;
        return { verdicts, active, failure: error };
      } finally {
        stopTimer();
      }
    } while (r < refresh.length || c < candidates.length);
    return { verdicts, active, failure: undefined };
  }

  /** Grants the tenant's allowance to series the registry did not answer for, in request order. */
  private uncheckedAdmission(tenant: string, verdicts: Map<string, Verdict>, failure: unknown, now: number): void {
    const unverified = [...verdicts].filter(([, v]) => v === 'unverified').map(([key]) => key);
    const granted = this.allowance.take(tenant, unverified.length, now);
    unverified.slice(0, granted).forEach((key) => verdicts.set(key, 'admitted'));
    this.deps.metrics.seriesAdmittedUnchecked.inc({ tenant }, granted);
    this.deps.metrics.seriesRefusedUnverified.inc({ tenant }, unverified.length - granted);
    this.uncheckedSinceLog += granted;
    this.refusedSinceLog += unverified.length - granted;
    if (now - this.lastUnavailableLogMs < UNAVAILABLE_LOG_EVERY_MS) return;
    this.deps.logger.warn(
      { tenant, uncheckedSeries: this.uncheckedSinceLog, refusedSeries: this.refusedSinceLog, err: failure },
      'series registry unavailable: admitting new series unchecked up to the allowance, refusing the rest (SERIES_LIMIT_UNVERIFIED)',
    );
    this.lastUnavailableLogMs = now;
    this.uncheckedSinceLog = 0;
    this.refusedSinceLog = 0;
  }

  private rejection(
    tenant: string,
    seriesIndex: number,
    key: string,
    verdict: Exclude<Verdict, 'admitted'>,
    limit: number,
    active: number | undefined,
    failure: unknown,
  ): PointRejection {
    const { config } = this.deps;
    if (verdict === 'unverified') {
      return {
        seriesIndex,
        pointIndex: -1,
        code: RejectionCode.SERIES_LIMIT_UNVERIFIED,
        message:
          `series ${key} would be a new series for tenant ${tenant}, and the series registry in Redis did not answer ` +
          `(${failure instanceof Error ? failure.message : String(failure)}); until it does, a tenant may add ` +
          `${config.uncheckedAllowance} new series per ${Math.round(config.uncheckedIntervalMs / 1_000)} s unchecked ` +
          '(STRATA_SERIES_UNCHECKED_ALLOWANCE), and this request went past that. Its points were not stored; retry later',
      };
    }
    return {
      seriesIndex,
      pointIndex: -1,
      code: RejectionCode.SERIES_LIMIT_EXCEEDED,
      message:
        `series ${key} would be a new active series for tenant ${tenant}, which has ${active} ` +
        `of its limit of ${limit} (${this.settingFor(tenant)}); its points were not stored. ` +
        `A series stops counting ${Math.round(config.activeMs / 3_600_000)} h after its last write ` +
        '(STRATA_SERIES_ACTIVE_HOURS)',
    };
  }

  private limitFor(tenant: string): number {
    return this.deps.config.tenantMaxSeries.get(tenant) ?? this.deps.config.maxSeriesPerTenant;
  }

  private settingFor(tenant: string): string {
    return this.deps.config.tenantMaxSeries.has(tenant) ? `STRATA_TENANT_MAX_SERIES for ${tenant}` : 'STRATA_MAX_SERIES_PER_TENANT';
  }
}
