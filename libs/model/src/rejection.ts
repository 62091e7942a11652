/**
 * Stable, machine-readable reasons a point or series is refused (WriteResponse.rejections).
 * Clients may switch on these; never rename one.
 */
export const RejectionCode = {
  INVALID_NAME: 'INVALID_NAME',
  INVALID_LABEL_NAME: 'INVALID_LABEL_NAME',
  INVALID_LABEL_VALUE: 'INVALID_LABEL_VALUE',
  DUPLICATE_LABEL: 'DUPLICATE_LABEL',
  TOO_MANY_LABELS: 'TOO_MANY_LABELS',
  INVALID_TIMESTAMP: 'INVALID_TIMESTAMP',
  NON_FINITE_VALUE: 'NON_FINITE_VALUE',
  TOO_FAR_IN_FUTURE: 'TOO_FAR_IN_FUTURE',
  TOO_OLD: 'TOO_OLD',
  /**
   * The series' canonical identity (`name{label="value",...}`) is longer than
   * MAX_SERIES_KEY_BYTES UTF-8 bytes, the most every tier can store as a key.
   */
  SERIES_KEY_TOO_LONG: 'SERIES_KEY_TOO_LONG',
  /** The series' points could not be made into log records the broker accepts (record-limits in libs/stream). */
  RECORD_TOO_LARGE: 'RECORD_TOO_LARGE',
  /** The series is new and its tenant already has its maximum of active series. */
  SERIES_LIMIT_EXCEEDED: 'SERIES_LIMIT_EXCEEDED',
  /**
   * The series is new, the series registry could not say whether the tenant is under its
   * limit, and the tenant has used its small allowance of unchecked new series. Retry later.
   */
  SERIES_LIMIT_UNVERIFIED: 'SERIES_LIMIT_UNVERIFIED',
} as const;

export type RejectionCode = (typeof RejectionCode)[keyof typeof RejectionCode];

export interface PointRejection {
  readonly seriesIndex: number;
  /** -1 when the whole series is refused. */
  readonly pointIndex: number;
  readonly code: RejectionCode;
  readonly message: string;
}
