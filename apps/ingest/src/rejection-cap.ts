import type { Rejection } from '@strata/proto';

/**
 * Caps the rejections of one WriteResponse, so that a request of many bad points cannot
 * make an answer of tens of MB (docs/api.md, "Capped list": the first refusals in full,
 * then a count per code). Pure.
 *
 * The answer holds the first `listed` rejections unchanged, in request order, then one
 * summary per code among the rest, in order of first appearance:
 *   series_index = -1, point_index = -1 (no real series has index -1),
 *   code = the code summarised,
 *   message = "<count> more rejections with code <code> ..." (the count is the leading
 *   decimal integer).
 * Every refused point is still refused, and counted in strata_ingest_points_refused_total;
 * only the listing is shortened. See docs/operations.md, "Ingest limits".
 */
export function capRejections(rejections: readonly Rejection[], listed: number): CappedRejections {
  if (rejections.length <= listed) return { rejections: [...rejections], unlisted: new Map() };
  const unlisted = new Map<string, number>();
  for (let i = listed; i < rejections.length; i++) {
    const code = rejections[i].code;
    unlisted.set(code, (unlisted.get(code) ?? 0) + 1);
  }
  const summaries = [...unlisted].map(
    ([code, count]): Rejection => ({
      seriesIndex: -1,
      pointIndex: -1,
      code,
      message:
        `${count} more rejections with code ${code} are not listed: an answer lists the first ${listed} ` +
        'rejections in full (STRATA_MAX_LISTED_REJECTIONS), then a count per code; none of these points was stored',
    }),
  );
  return { rejections: [...rejections.slice(0, listed), ...summaries], unlisted };
}

export interface CappedRejections {
  /** What the answer carries: the first rejections in full, then the summaries. */
  readonly rejections: Rejection[];
  /** Rejections answered only as a count, by code. */
  readonly unlisted: ReadonlyMap<string, number>;
}

/** The summaries of {@link capRejections}, told apart from per-point and per-series rejections. */
export function isRejectionSummary(rejection: Rejection): boolean {
  return rejection.seriesIndex === -1;
}
