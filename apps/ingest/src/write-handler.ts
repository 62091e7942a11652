import { validateWrite, type PointRejection, type ValidationLimits } from '@strata/model';
import type { WriteRequest, WriteResponse } from '@strata/proto';
import type { Logger } from '@strata/runtime';
import { encodePointsAppended, type PointLogProducer } from '@strata/stream';
import { RateLimitedError, RequestTooLargeError } from './errors';
import type { IngestConfig } from './config';
import type { IngestMetrics } from './ingest-metrics';
import type { TenantRateLimiter } from './rate-limiter';
import type { SeriesLimiter } from './series-limiter';

export interface WriteHandlerDeps {
  readonly config: Pick<IngestConfig, 'validation' | 'tenantRetentionMs' | 'limits'>;
  readonly log: Pick<PointLogProducer, 'append'>;
  readonly rateLimiter: TenantRateLimiter;
  readonly seriesLimiter: Pick<SeriesLimiter, 'admit'>;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
  readonly now: () => number;
}

/**
 * The command side of a Write: check request limits, validate every point, refuse new
 * series over the tenant's series limit, append the rest to the log, and answer only
 * after Kafka has them. Throws RequestTooLargeError, RateLimitedError or the log's
 * LogUnavailableError; in each case nothing is reported accepted.
 */
export class WriteHandler {
  constructor(private readonly deps: WriteHandlerDeps) {}

  async write(tenant: string, request: WriteRequest): Promise<WriteResponse> {
    const { config, metrics, logger } = this.deps;
    const totalPoints = request.series.reduce((sum, s) => sum + s.points.length, 0);
    if (totalPoints > config.limits.maxPointsPerRequest) {
      metrics.pointsRefused.inc({ tenant, code: 'REQUEST_TOO_LARGE' }, totalPoints);
      throw new RequestTooLargeError(totalPoints, config.limits.maxPointsPerRequest);
    }
    const now = this.deps.now();
    const limits = this.limitsFor(tenant);
    const result = validateWrite(request.series, limits, now);
    const admission = this.deps.rateLimiter.tryTake(tenant, result.acceptedPoints);
    if (!admission.admitted) {
      metrics.pointsRefused.inc({ tenant, code: 'RATE_LIMITED' }, totalPoints);
      throw new RateLimitedError(tenant, totalPoints, config.limits.tenantPointsPerSecond, admission.retryAfterMs);
    }
    const seriesLimit = await this.deps.seriesLimiter.admit(tenant, result.valid, now);
    const records = seriesLimit.admitted.map((series) =>
      encodePointsAppended({
        tenant,
        series: { name: series.name, labels: [...series.labels], points: [...series.points] },
        acceptedAtMs: now,
      }),
    );
    await this.deps.log.append(records);
    const accepted = seriesLimit.admitted.reduce((sum, s) => sum + s.points.length, 0);
    metrics.pointsAccepted.inc({ tenant }, accepted);
    for (const rejection of result.rejections) {
      const refused = rejection.pointIndex === -1 ? request.series[rejection.seriesIndex].points.length : 1;
      metrics.pointsRefused.inc({ tenant, code: rejection.code }, refused);
    }
    // Over the series limit, only the points that passed validation are refused for it.
    const valid = new Map(result.valid.map((s) => [s.seriesIndex, s.points.length]));
    for (const rejection of seriesLimit.refused) {
      metrics.pointsRefused.inc({ tenant, code: rejection.code }, valid.get(rejection.seriesIndex));
    }
    const rejections = inRequestOrder(result.rejections, seriesLimit.refused);
    if (rejections.length > 0) {
      logger.info({ tenant, refused: rejections.length, accepted, first: rejections[0].message }, 'write partly refused');
    }
    return { accepted, rejections };
  }

  private limitsFor(tenant: string): ValidationLimits {
    const retentionMs = this.deps.config.tenantRetentionMs.get(tenant);
    return retentionMs === undefined ? this.deps.config.validation : { ...this.deps.config.validation, retentionMs };
  }
}

/** Merges two request-ordered rejection lists; a series-level refusal comes before its points'. */
function inRequestOrder(a: readonly PointRejection[], b: readonly PointRejection[]): PointRejection[] {
  if (b.length === 0) return [...a];
  return [...a, ...b].sort((x, y) => x.seriesIndex - y.seriesIndex || x.pointIndex - y.pointIndex);
}
