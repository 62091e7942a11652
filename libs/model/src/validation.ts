import { RejectionCode, type PointRejection } from './rejection';
import {
  hasUnpairedSurrogate,
  inCanonicalOrder,
  LABEL_NAME_PATTERN,
  MAX_SERIES_KEY_BYTES,
  SERIES_NAME_PATTERN,
  seriesKeyBytes,
  sharedLabelFacts,
  type Label,
  type Point,
} from './series';

export interface ValidationLimits {
  /** @default 32 */
  readonly maxLabels: number;
  /** @default 128 */
  readonly maxLabelNameLength: number;
  /** @default 1024 */
  readonly maxLabelValueLength: number;
  /** How far ahead of the server clock a timestamp may be. @default 600000 (10 min) */
  readonly futureGraceMs: number;
  /** Oldest accepted point, as an age. @default 460 days */
  readonly retentionMs: number;
}

export interface ValidationOptions {
  /**
   * NaN values are staleness (staleness.ts), not refused: for a front door that knows every
   * NaN it passes on is one (Prometheus remote write turns its staleness markers into NaN
   * and refuses its other NaN samples itself). Infinities are refused all the same.
   */
  readonly staleness?: boolean;
}

export interface SeriesInput {
  readonly name: string;
  readonly labels: readonly Label[];
  readonly points: readonly Point[];
}

export interface ValidSeries {
  readonly seriesIndex: number;
  readonly name: string;
  /** Sorted by name. */
  readonly labels: readonly Label[];
  /** Only the points that passed, in request order. */
  readonly points: readonly Point[];
}

export interface ValidationResult {
  readonly valid: ValidSeries[];
  readonly rejections: PointRejection[];
  readonly acceptedPoints: number;
}

/**
 * Checks the identity of one series; returns the series-level refusal, if any. A shared
 * label array (shareLabels in series.ts) that passed under the same name and identity
 * limits is not checked again, label by label, in the next request or record.
 */
function checkIdentity(series: SeriesInput, seriesIndex: number, limits: ValidationLimits): PointRejection | undefined {
  const facts = sharedLabelFacts(series.labels);
  const passed = facts?.passed;
  if (
    passed !== undefined &&
    passed.name === series.name &&
    passed.maxLabels === limits.maxLabels &&
    passed.maxLabelNameLength === limits.maxLabelNameLength &&
    passed.maxLabelValueLength === limits.maxLabelValueLength
  ) {
    return undefined;
  }
  const problem = identityProblem(series, seriesIndex, limits);
  if (problem === undefined && facts !== undefined) {
    const { maxLabels, maxLabelNameLength, maxLabelValueLength } = limits;
    facts.passed = { name: series.name, maxLabels, maxLabelNameLength, maxLabelValueLength };
  }
  return problem;
}

function identityProblem(series: SeriesInput, seriesIndex: number, limits: ValidationLimits): PointRejection | undefined {
  const refuse = (code: RejectionCode, message: string): PointRejection => ({ seriesIndex, pointIndex: -1, code, message });
  if (!SERIES_NAME_PATTERN.test(series.name)) {
    return refuse(
      RejectionCode.INVALID_NAME,
      `series name ${JSON.stringify(series.name.slice(0, 300))} must match [a-zA-Z0-9._:-]{1,255}`,
    );
  }
  if (series.labels.length > limits.maxLabels) {
    return refuse(
      RejectionCode.TOO_MANY_LABELS,
      `series ${series.name} has ${series.labels.length} labels; the limit is ${limits.maxLabels}`,
    );
  }
  // A series has a handful of labels: comparing each with those before it beats a Set per
  // series. Past 32, a Set keeps the check linear.
  const labels = series.labels;
  const seen = labels.length > 32 ? new Set<string>() : undefined;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!LABEL_NAME_PATTERN.test(label.name) || label.name.length > limits.maxLabelNameLength) {
      return refuse(
        RejectionCode.INVALID_LABEL_NAME,
        `label name ${JSON.stringify(label.name.slice(0, 200))} on series ${series.name} must match ` +
          `[a-zA-Z_][a-zA-Z0-9_]* and be at most ${limits.maxLabelNameLength} characters`,
      );
    }
    let duplicate = seen ? seen.has(label.name) : false;
    for (let j = 0; !seen && j < i; j++) duplicate ||= labels[j].name === label.name;
    if (duplicate) {
      return refuse(RejectionCode.DUPLICATE_LABEL, `label ${label.name} appears twice on series ${series.name}`);
    }
    seen?.add(label.name);
    if (label.value.length === 0 || label.value.length > limits.maxLabelValueLength) {
      return refuse(
        RejectionCode.INVALID_LABEL_VALUE,
        `label ${label.name} on series ${series.name} has a value of ${label.value.length} characters; ` +
          `values must be 1 to ${limits.maxLabelValueLength} characters`,
      );
    }
    if (hasUnpairedSurrogate(label.value)) {
      return refuse(
        RejectionCode.INVALID_LABEL_VALUE,
        `label ${label.name} on series ${series.name} has a value with an unpaired UTF-16 surrogate; values must be valid Unicode`,
      );
    }
  }
  const keyBytes = seriesKeyBytes(series.name, series.labels);
  if (keyBytes > MAX_SERIES_KEY_BYTES) {
    return refuse(
      RejectionCode.SERIES_KEY_TOO_LONG,
      `series ${series.name} has an identity of ${keyBytes} UTF-8 bytes as name{label="value",...}; ` +
        `the limit is ${MAX_SERIES_KEY_BYTES} bytes (the longest key every tier can store): shorten its label values`,
    );
  }
  return undefined;
}

const enum PointProblem {
  None,
  Timestamp,
  Value,
  Future,
  Old,
}

/** The points before `end`, which all passed, as a new array that refused points stay out of. */
function copyPoints(points: readonly Point[], end: number): Point[] {
  const copy: Point[] = [];
  for (let i = 0; i < end; i++) copy.push({ timestampMs: points[i].timestampMs, value: points[i].value });
  return copy;
}

function pointRejection(problem: PointProblem, name: string, point: Point, seriesIndex: number, pointIndex: number, nowMs: number, limits: ValidationLimits): PointRejection {
  const refuse = (code: RejectionCode, message: string): PointRejection => ({ seriesIndex, pointIndex, code, message: `${name} @ ${point.timestampMs}: ${message}` });
  switch (problem) {
    case PointProblem.Timestamp:
      return refuse(RejectionCode.INVALID_TIMESTAMP, 'timestamp must be a non-negative integer of milliseconds since the epoch');
    case PointProblem.Value:
      return refuse(RejectionCode.NON_FINITE_VALUE, `value ${point.value} is not a finite number`);
    case PointProblem.Future:
      return refuse(
        RejectionCode.TOO_FAR_IN_FUTURE,
        `timestamp is ${point.timestampMs - nowMs} ms ahead of the server clock; the grace is ${limits.futureGraceMs} ms`,
      );
    default:
      return refuse(RejectionCode.TOO_OLD, `timestamp is older than the retention of ${Math.round(limits.retentionMs / 86_400_000)} days`);
  }
}

/**
 * Validates a write. A bad series identity refuses the series (point_index = -1); a bad
 * point refuses only that point. Every input point ends up either in `valid` or in
 * `rejections`, never both, never neither.
 */
export function validateWrite(series: readonly SeriesInput[], limits: ValidationLimits, nowMs: number, options: ValidationOptions = {}): ValidationResult {
  const staleness = options.staleness === true;
  const valid: ValidSeries[] = [];
  const rejections: PointRejection[] = [];
  let acceptedPoints = 0;
  const newest = nowMs + limits.futureGraceMs;
  const oldest = nowMs - limits.retentionMs;
  for (let seriesIndex = 0; seriesIndex < series.length; seriesIndex++) {
    const input = series[seriesIndex];
    const identityProblem = checkIdentity(input, seriesIndex, limits);
    if (identityProblem) {
      rejections.push(identityProblem);
      continue;
    }
    // Nearly every series passes whole: its points are then taken as they are, not copied
    // point by point; a copy is made only from the first refused point on.
    const given = input.points;
    let points: Point[] | undefined;
    for (let pointIndex = 0; pointIndex < given.length; pointIndex++) {
      const point = given[pointIndex];
      const { timestampMs, value } = point;
      const problem =
        !Number.isSafeInteger(timestampMs) || timestampMs < 0
          ? PointProblem.Timestamp
          : !Number.isFinite(value) && !(staleness && Number.isNaN(value))
            ? PointProblem.Value
            : timestampMs > newest
              ? PointProblem.Future
              : timestampMs < oldest
                ? PointProblem.Old
                : PointProblem.None;
      if (problem === PointProblem.None) {
        // Only the fields a point has: a caller's object may carry more.
        if (points !== undefined) points.push({ timestampMs, value });
        continue;
      }
      points ??= copyPoints(given, pointIndex);
      rejections.push(pointRejection(problem, input.name, point, seriesIndex, pointIndex, nowMs, limits));
    }
    const accepted = points ?? given;
    if (accepted.length > 0) {
      valid.push({ seriesIndex, name: input.name, labels: inCanonicalOrder(input.labels), points: accepted });
      acceptedPoints += accepted.length;
    }
  }
  return { valid, rejections, acceptedPoints };
}

export const DEFAULT_VALIDATION_LIMITS: ValidationLimits = {
  maxLabels: 32,
  maxLabelNameLength: 128,
  maxLabelValueLength: 1024,
  futureGraceMs: 10 * 60_000,
  retentionMs: 460 * 86_400_000,
};

/** The part of the runtime's EnvReader a setting reader here needs (the model imports nothing). */
export interface IntSettingReader {
  int(name: string, fallback: number, range?: { min?: number; max?: number }): number;
}

/**
 * STRATA_FUTURE_GRACE_MS, read the same way by every service that uses it: ingest refuses
 * points further ahead of its clock, and the reader plans reads up to that far ahead. More
 * than 30 days ahead is a clock error, not a grace.
 */
export function readFutureGraceMs(reader: IntSettingReader): number {
  return reader.int('STRATA_FUTURE_GRACE_MS', DEFAULT_VALIDATION_LIMITS.futureGraceMs, { min: 0, max: 30 * 86_400_000 });
}
