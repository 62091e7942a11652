import { Registry } from 'prom-client';
import { DEFAULT_VALIDATION_LIMITS } from '@strata/model';
import { createLogger, TenantRate } from '@strata/runtime';
import { SeriesRegistryUnavailableError, type RedisSeriesRegistry, type SeriesAdmission, type SeriesAdmissionRequest } from '@strata/storage/hot';
import { LogUnavailableError, type PointLogRecord } from '@strata/stream';
import { AdmittedSeriesCache } from '../src/admitted-series-cache';
import { seriesRefreshMs, type IngestConfig, type SeriesLimitConfig } from '../src/config';
import { IngestMetrics } from '../src/ingest-metrics';
import { SeriesLimiter } from '../src/series-limiter';
import { WriteHandler } from '../src/write-handler';

export const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

/** A stand-in for the Kafka log: keeps what it is given, or fails like an unreachable cluster. */
export class MemoryLog {
  readonly records: PointLogRecord[] = [];
  failing = false;

  async append(records: readonly PointLogRecord[]): Promise<void> {
    if (this.failing) throw new LogUnavailableError(records.length, new Error('connection refused'));
    this.records.push(...records);
  }
}

/**
 * A stand-in for the Redis series registry with the same admission rule (refreshes always
 * pass, a held series passes, a new one only under the limit), no idle expiry, and a
 * switch that makes it fail like an unreachable Redis. Counts the round trips it served.
 */
export class MemorySeriesRegistry {
  readonly active = new Map<string, Set<string>>();
  failing = false;
  roundTrips = 0;

  async admit(tenant: string, request: SeriesAdmissionRequest, limit: number): Promise<SeriesAdmission> {
    if (this.failing) throw new SeriesRegistryUnavailableError(tenant, 'connect ECONNREFUSED');
    this.roundTrips++;
    const set = this.active.get(tenant) ?? new Set<string>();
    this.active.set(tenant, set);
    request.refresh.forEach((s) => set.add(s));
    const admitted = request.candidates.map((s) => {
      if (set.has(s) || set.size < limit) set.add(s);
      return set.has(s);
    });
    return { admitted, active: set.size, calls: 1 };
  }
}

export const SERIES_LIMIT_DEFAULTS: SeriesLimitConfig = {
  maxSeriesPerTenant: 1_000,
  tenantMaxSeries: new Map(),
  activeMs: 26 * 3_600_000,
  cacheSize: 1_000,
  registryTimeoutMs: 500,
  registryChunkSize: 5_000,
  uncheckedAllowance: 100,
  uncheckedIntervalMs: 60_000,
};

/** A WriteHandler over a MemoryLog; the series registry is in memory unless one is given (e.g. on real Redis). */
export function handlerHarness<R extends Pick<RedisSeriesRegistry, 'admit'> = MemorySeriesRegistry>(
  overrides: Partial<IngestConfig['limits']> = {},
  seriesOverrides: Partial<SeriesLimitConfig> = {},
  seriesRegistry: R = new MemorySeriesRegistry() as unknown as R,
) {
  const log = new MemoryLog();
  const registry = new Registry();
  const metrics = new IngestMetrics(registry);
  const limits = {
    maxPointsPerRequest: 1_000,
    maxRequestBytes: 1024 * 1024,
    tenantPointsPerSecond: 10_000,
    tenantBurstPoints: 10_000,
    ...overrides,
  };
  const seriesConfig = { ...SERIES_LIMIT_DEFAULTS, ...seriesOverrides };
  const logger = createLogger({ service: 'spec', level: 'silent' });
  const seriesLimiter = new SeriesLimiter({
    registry: seriesRegistry,
    cache: new AdmittedSeriesCache(seriesConfig.cacheSize, seriesRefreshMs(seriesConfig.activeMs), seriesConfig.activeMs),
    config: seriesConfig,
    metrics,
    logger,
  });
  const handler = new WriteHandler({
    config: { validation: DEFAULT_VALIDATION_LIMITS, tenantRetentionMs: new Map([['short', 86_400_000]]), limits },
    log,
    rateLimiter: new TenantRate(limits.tenantPointsPerSecond, () => NOW, { burst: limits.tenantBurstPoints }),
    seriesLimiter,
    metrics,
    logger,
    now: () => NOW,
  });
  return { handler, log, registry, metrics, seriesRegistry };
}
