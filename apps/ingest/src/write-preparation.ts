import { seriesKey, validateWrite, type Label, type PointRejection, type ValidationLimits } from '@strata/model';
import { IngestServiceService, type WriteRequest } from '@strata/proto';
import { encodeSeriesRecords, type PointLogRecord } from '@strata/stream';

/**
 * The CPU-bound part of a Write, as pure functions: decode the body, check its point
 * count, validate every point and encode the valid series into log records. It runs on
 * the event loop for small bodies and in a worker thread for large ones
 * (write-preparation.worker.ts), with the same result either way.
 */

/** Everything preparation depends on besides the request. */
export interface PreparationSettings {
  readonly tenant: string;
  /** The server clock for validation, and each record's acceptedAtMs. */
  readonly nowMs: number;
  readonly limits: ValidationLimits;
  readonly maxPointsPerRequest: number;
  /** Size a series' records are split at. */
  readonly maxRecordBytes: number;
  /** Records of a series' points as one chunk where they make one (STRATA_LOG_PACKED_POINTS). @default true */
  readonly packedPoints?: boolean;
  /** NaN values are staleness, not refused (ValidationOptions in the model): Prometheus remote write only. */
  readonly staleness?: boolean;
}

/** A valid series with its records: what the series limit checks and what the log takes. */
export interface PreparedSeries {
  readonly seriesIndex: number;
  readonly name: string;
  /** Sorted by name. */
  readonly labels: readonly Label[];
  /** The canonical series key (the record key without its tenant), made once for the limiter and the log. */
  readonly key: string;
  /** The log record key, `tenant/key`: the admitted-series cache's key as well. */
  readonly recordKey: string;
  /** Valid points in the series. */
  readonly points: number;
  readonly records: readonly PointLogRecord[];
}

export interface PreparedWrite {
  readonly kind: 'prepared';
  readonly totalPoints: number;
  readonly acceptedPoints: number;
  readonly valid: readonly PreparedSeries[];
  /** Validation's refusals, in request order. */
  readonly rejections: readonly PointRejection[];
  /** Points refused by validation, per code (a refused series counts all its points). */
  readonly refusedPoints: ReadonlyMap<string, number>;
}

/** More points than a request may hold: nothing was validated. */
export interface TooManyPoints {
  readonly kind: 'too-many-points';
  readonly totalPoints: number;
}

/** The body is not a WriteRequest; `reason` is the decoder's message. */
export interface MalformedBody {
  readonly kind: 'malformed';
  readonly reason: string;
}

export type Preparation = PreparedWrite | TooManyPoints | MalformedBody;

const decodeWriteRequest = IngestServiceService.write.requestDeserialize;

/** Decodes a raw Write body and prepares it. */
export function prepareBody(body: Buffer, settings: PreparationSettings): Preparation {
  let request: WriteRequest;
  try {
    request = decodeWriteRequest(body);
  } catch (error) {
    return { kind: 'malformed', reason: error instanceof Error ? error.message : String(error) };
  }
  return prepareRequest(request, settings);
}

/** Checks the point count before any validation, then validates and encodes. */
export function prepareRequest(request: WriteRequest, settings: PreparationSettings): PreparedWrite | TooManyPoints {
  const totalPoints = request.series.reduce((sum, s) => sum + s.points.length, 0);
  if (totalPoints > settings.maxPointsPerRequest) return { kind: 'too-many-points', totalPoints };
  const { tenant, nowMs, maxRecordBytes } = settings;
  const result = validateWrite(request.series, settings.limits, nowMs, { staleness: settings.staleness });
  const refusedPoints = new Map<string, number>();
  for (const rejection of result.rejections) {
    const points = rejection.pointIndex === -1 ? request.series[rejection.seriesIndex].points.length : 1;
    refusedPoints.set(rejection.code, (refusedPoints.get(rejection.code) ?? 0) + points);
  }
  const valid = result.valid.map(({ seriesIndex, name, labels, points }) => {
    const event = { tenant, series: { name, labels, points }, acceptedAtMs: nowMs };
    const records = encodeSeriesRecords(event, maxRecordBytes, { packed: settings.packedPoints ?? true });
    // The record key is `tenant/seriesKey`; both hand a shared identity's key back as the same string each time.
    return { seriesIndex, name, labels, key: seriesKey(name, labels), recordKey: records[0].key, points: points.length, records };
  });
  return { kind: 'prepared', totalPoints, acceptedPoints: result.acceptedPoints, valid, rejections: result.rejections, refusedPoints };
}

/** A task for a worker: a body (its own buffer, transferred) and the settings to prepare it with. */
export interface PreparationTask {
  readonly body: ArrayBuffer;
  readonly settings: PreparationSettings;
}

/**
 * A preparation as a worker posts it: the record values packed into one transferred
 * buffer (moved, not copied, and not one transfer per record), each record naming where
 * its value ends in it.
 */
export type PackedPreparation =
  | TooManyPoints
  | MalformedBody
  | (Omit<PreparedWrite, 'valid'> & {
      readonly valid: ReadonlyArray<Omit<PreparedSeries, 'records'> & { readonly records: ReadonlyArray<{ readonly key: string; readonly end: number; readonly keyHash?: number }> }>;
      readonly values: ArrayBuffer;
    });

export function packPreparation(preparation: Preparation): { packed: PackedPreparation; transfer: ArrayBuffer[] } {
  if (preparation.kind !== 'prepared') return { packed: preparation, transfer: [] };
  const total = preparation.valid.reduce((n, s) => s.records.reduce((m, r) => m + r.value.byteLength, n), 0);
  const values = new ArrayBuffer(total);
  const view = new Uint8Array(values);
  let offset = 0;
  const valid = preparation.valid.map((series) => ({
    ...series,
    records: series.records.map(({ key, value, keyHash }) => {
      view.set(value, offset);
      offset += value.byteLength;
      return { key, end: offset, keyHash };
    }),
  }));
  return { packed: { ...preparation, valid, values }, transfer: [values] };
}

/** The preparation a worker packed; record values are views on its buffer, not copies. */
export function unpackPreparation(packed: PackedPreparation): Preparation {
  if (packed.kind !== 'prepared') return packed;
  const { values, ...rest } = packed;
  let start = 0;
  const valid = packed.valid.map((series) => ({
    ...series,
    records: series.records.map(({ key, end, keyHash }) => {
      const value = Buffer.from(values, start, end - start);
      start = end;
      return { key, value, keyHash };
    }),
  }));
  return { ...rest, valid };
}
