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
  /** The series is new and its tenant already has its maximum of active series. */
  SERIES_LIMIT_EXCEEDED: 'SERIES_LIMIT_EXCEEDED',
} as const;

export type RejectionCode = (typeof RejectionCode)[keyof typeof RejectionCode];

export interface PointRejection {
  readonly seriesIndex: number;
  /** -1 when the whole series is refused. */
  readonly pointIndex: number;
  readonly code: RejectionCode;
  readonly message: string;
}
