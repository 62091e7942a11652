import { SpanKind, type Tracer } from '@opentelemetry/api';
import { inSpan } from '@strata/runtime';
import type { TierSource } from './tier-sources';

/**
 * Makes each fetch of `source` (one series from one tier) a span named `fetch <tier>`,
 * beneath the Read call. Without a tracer the source is returned untouched.
 */
export function traceTierSource<S extends TierSource>(source: S, tracer: Tracer | undefined): S {
  if (!tracer) return source;
  const name = `fetch ${source.tier}`;
  const fetch = source.fetch.bind(source);
  source.fetch = (tenant, seriesKey, request) =>
    inSpan(tracer, name, { kind: SpanKind.INTERNAL, attributes: { 'strata.tier': source.tier, 'strata.series': seriesKey } }, async (span) => {
      const answer = await fetch(tenant, seriesKey, request);
      span?.setAttribute('strata.windows', answer.windows.length);
      return answer;
    });
  return source;
}
