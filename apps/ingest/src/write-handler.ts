import { RejectionCode, type PointRejection, type ValidationLimits } from '@strata/model';
import type { WriteRequest, WriteResponse } from '@strata/proto';
import type { Logger, TenantRate } from '@strata/runtime';
import {
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  LogUnavailableError,
  RecordTooLargeError,
  recordLimitsFor,
  type PointLogProducer,
  type PointLogRecord,
} from '@strata/stream';
import { MalformedRequestError, RateLimitedError, RequestTooLargeError } from './errors';
import type { IngestConfig, IngestLimits } from './config';
import type { IngestMetrics } from './ingest-metrics';
import type { SeriesLimiter } from './series-limiter';
import type { WritePreparationPool } from './write-preparation-pool';
import { prepareBody, prepareRequest, type PreparationSettings, type PreparedSeries, type PreparedWrite, type TooManyPoints } from './write-preparation';

export interface WriteHandlerDeps {
  readonly config: Pick<IngestConfig, 'validation' | 'tenantRetentionMs'> &
    Partial<Pick<IngestConfig, 'packedPoints'>> & { readonly limits: Pick<IngestLimits, 'maxPointsPerRequest' | 'tenantPointsPerSecond'> };
  /**
   * The log. Its `maxRecordBytes` is the size series are split at; a log without one is
   * taken to be under Kafka's default broker limit.
   */
  readonly log: Pick<PointLogProducer, 'append'> & Partial<Pick<PointLogProducer, 'maxRecordBytes'>>;
  /** Points per second per tenant (STRATA_TENANT_POINTS_PER_SECOND and its overrides), taken whole or not at all. */
  readonly rateLimiter: Pick<TenantRate, 'tryTake' | 'rateOf' | 'overridden'>;
  readonly seriesLimiter: Pick<SeriesLimiter, 'admit'>;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** Prepares large bodies in worker threads ({@link WriteHandler.writeBody}); without it, every body is prepared inline. */
  readonly preparation?: Pick<WritePreparationPool, 'takes' | 'prepare'>;
}

/**
 * The command side of a Write: check request limits, validate every point, refuse new
 * series over the tenant's series limit, append the rest to the log, and answer only
 * after Kafka has them. Throws RequestTooLargeError, RateLimitedError or the log's
 * LogUnavailableError; in each case nothing is reported accepted.
 */
export class WriteHandler {
  constructor(private readonly deps: WriteHandlerDeps) {}

  /**
   * Takes the tenant's rate for `points` before the request is even decoded, for a front
   * door that can count them cheaply (the gRPC door scans the raw body): a tenant over its
   * rate is then refused before it costs a decode. Counts every point the request carries,
   * valid or not: refused points cost work too. Throws RateLimitedError.
   */
  reserveRate(tenant: string, points: number): void {
    const { metrics } = this.deps;
    const admission = this.deps.rateLimiter.tryTake(tenant, points);
    if (!admission.admitted) {
      metrics.pointsRefused.inc({ tenant, code: 'RATE_LIMITED' }, points);
      const { rateLimiter } = this.deps;
      throw new RateLimitedError(tenant, points, rateLimiter.rateOf(tenant), admission.retryAfterMs, rateLimiter.overridden(tenant));
    }
  }

  /**
   * With `rateReserved`, the caller took the rate already ({@link reserveRate}); with
   * `staleness`, NaN values are staleness markers to store (the remote-write door).
   */
  async write(tenant: string, request: WriteRequest, options: { rateReserved?: boolean; staleness?: boolean } = {}): Promise<WriteResponse> {
    const now = this.deps.now();
    return this.commit(tenant, prepareRequest(request, { ...this.settingsFor(tenant, now), staleness: options.staleness }), now, options);
  }

  /** True when {@link writeBody} takes a raw body of `bytes` to a worker thread rather than the event loop. */
  offloads(bytes: number): boolean {
    return this.deps.preparation?.takes(bytes) ?? false;
  }

  /**
   * {@link write} for a raw body, decoded, validated and encoded in a worker thread while
   * the event loop serves other calls. Throws MalformedRequestError for a body that is not
   * a WriteRequest, as the front door does for one it decodes itself.
   */
  async writeBody(tenant: string, body: Buffer, options: { rateReserved?: boolean } = {}): Promise<WriteResponse> {
    const now = this.deps.now();
    const settings = this.settingsFor(tenant, now);
    const { preparation } = this.deps;
    const prepared = preparation ? await preparation.prepare(body, settings) : prepareBody(body, settings);
    if (prepared.kind === 'malformed') throw new MalformedRequestError(prepared.reason);
    return this.commit(tenant, prepared, now, options);
  }

  private async commit(
    tenant: string,
    prepared: PreparedWrite | TooManyPoints,
    now: number,
    options: { rateReserved?: boolean },
  ): Promise<WriteResponse> {
    const { config, metrics, logger } = this.deps;
    const { totalPoints } = prepared;
    if (prepared.kind === 'too-many-points') {
      metrics.pointsRefused.inc({ tenant, code: 'REQUEST_TOO_LARGE' }, totalPoints);
      throw new RequestTooLargeError(totalPoints, config.limits.maxPointsPerRequest);
    }
    if (!options.rateReserved) {
      const admission = this.deps.rateLimiter.tryTake(tenant, prepared.acceptedPoints);
      if (!admission.admitted) {
        metrics.pointsRefused.inc({ tenant, code: 'RATE_LIMITED' }, totalPoints);
        const { rateLimiter } = this.deps;
        throw new RateLimitedError(tenant, totalPoints, rateLimiter.rateOf(tenant), admission.retryAfterMs, rateLimiter.overridden(tenant));
      }
    }
    const seriesLimit = await this.deps.seriesLimiter.admit(tenant, prepared.valid, now);
    const tooLarge = await this.append(tenant, seriesLimit.admitted);
    const accepted = seriesLimit.admitted.reduce((sum, s) => sum + (tooLarge.has(s.seriesIndex) ? 0 : s.points), 0);
    metrics.pointsAccepted.inc({ tenant }, accepted);
    for (const [code, points] of prepared.refusedPoints) metrics.pointsRefused.inc({ tenant, code }, points);
    // Over the series limit, only the points that passed validation are refused for it.
    const valid = new Map(prepared.valid.map((s) => [s.seriesIndex, s.points]));
    for (const rejection of seriesLimit.refused) {
      metrics.pointsRefused.inc({ tenant, code: rejection.code }, valid.get(rejection.seriesIndex));
    }
    const refusedForSize = [...tooLarge.values()];
    for (const rejection of refusedForSize) metrics.pointsRefused.inc({ tenant, code: rejection.code }, valid.get(rejection.seriesIndex));
    const rejections = inRequestOrder(prepared.rejections, [...seriesLimit.refused, ...refusedForSize]);
    if (rejections.length > 0) {
      logger.info({ tenant, refused: rejections.length, accepted, first: rejections[0].message }, 'write partly refused');
    }
    return { accepted, rejections };
  }

  /**
   * Appends the admitted series; resolves once Kafka has all of them but the ones it
   * returns, refused for their size. A series that fits one record goes with the others in
   * one append; a series split over several records (a large one) goes in an append of its
   * own, so the log sends it alone and a refusal of its records reaches only this series.
   */
  private async append(tenant: string, admitted: readonly PreparedSeries[]): Promise<Map<number, PointRejection>> {
    const shared: PointLogRecord[] = [];
    const alone: Array<{ seriesIndex: number; records: readonly PointLogRecord[] }> = [];
    for (const { seriesIndex, records } of admitted) {
      if (records.length === 1) shared.push(records[0]);
      else alone.push({ seriesIndex, records });
    }
    const outcomes = await Promise.allSettled([this.deps.log.append(shared), ...alone.map((a) => this.deps.log.append(a.records))]);
    const refused = new Map<number, PointRejection>();
    let unavailable: unknown;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') return;
      const error: unknown = outcome.reason;
      // A size refusal in the shared append means the broker's limit fell below what the
      // log read at start-up; it has re-read it, so the client's retry is split to fit.
      if (i === 0 || !(error instanceof RecordTooLargeError)) {
        unavailable ??= error instanceof RecordTooLargeError ? new LogUnavailableError(shared.length, error) : error;
        return;
      }
      const { seriesIndex } = alone[i - 1];
      refused.set(seriesIndex, { seriesIndex, pointIndex: -1, code: RejectionCode.RECORD_TOO_LARGE, message: error.message });
    });
    if (unavailable !== undefined) throw unavailable;
    if (refused.size > 0) this.deps.logger.warn({ tenant, series: [...refused.keys()] }, 'series refused: their log records do not fit the broker limit');
    return refused;
  }

  private settingsFor(tenant: string, nowMs: number): PreparationSettings {
    const { config, log } = this.deps;
    const retentionMs = config.tenantRetentionMs.get(tenant);
    const limits: ValidationLimits = retentionMs === undefined ? config.validation : { ...config.validation, retentionMs };
    const maxRecordBytes = log.maxRecordBytes ?? recordLimitsFor(KAFKA_DEFAULT_MAX_MESSAGE_BYTES).recordBytes;
    return { tenant, nowMs, limits, maxPointsPerRequest: config.limits.maxPointsPerRequest, maxRecordBytes, packedPoints: config.packedPoints ?? true };
  }
}

/** Merges two request-ordered rejection lists; a series-level refusal comes before its points'. */
function inRequestOrder(a: readonly PointRejection[], b: readonly PointRejection[]): PointRejection[] {
  if (b.length === 0) return [...a];
  return [...a, ...b].sort((x, y) => x.seriesIndex - y.seriesIndex || x.pointIndex - y.pointIndex);
}
