import { Registry } from 'prom-client';
import { DEFAULT_VALIDATION_LIMITS } from '@strata/model';
import { createLogger } from '@strata/runtime';
import { LogUnavailableError, type PointLogRecord } from '@strata/stream';
import type { IngestConfig } from './config';
import { IngestMetrics } from './ingest-metrics';
import { TenantRateLimiter } from './rate-limiter';
import { WriteHandler } from './write-handler';

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

export function handlerHarness(overrides: Partial<IngestConfig['limits']> = {}) {
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
  const handler = new WriteHandler({
    config: { validation: DEFAULT_VALIDATION_LIMITS, tenantRetentionMs: new Map([['short', 86_400_000]]), limits },
    log,
    rateLimiter: new TenantRateLimiter(limits.tenantPointsPerSecond, limits.tenantBurstPoints, () => NOW),
    metrics,
    logger: createLogger({ service: 'spec', level: 'silent' }),
    now: () => NOW,
  });
  return { handler, log, registry, metrics };
}
