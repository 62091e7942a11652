import { SpanKind, type Tracer } from '@opentelemetry/api';
import { inSpan } from '@strata/runtime';
import type { TierSource } from './tier-sources';

type ColdFetch = (tenant: string, seriesKey: string, request: never) => Promise<unknown>;

/**
 * Makes each fetch of `source` (one series from one tier) a span named `fetch <tier>`,
 * beneath the Read call; the cold tier's rollup-aware `fetchCold` as well. Without a
 * tracer the source is returned untouched.
 */
export function traceTierSource<S extends TierSource>(source: S, tracer: Tracer | undefined): S {
  if (!tracer) return source;
  const name = `fetch ${source.tier}`;
  const fetch = source.fetch.bind(source);
  source.fetch = (tenant, seriesKey, range, windowMs, signal) =>
    inSpan(tracer, name, { kind: SpanKind.INTERNAL, attributes: { 'strata.tier': source.tier, 'strata.series': seriesKey } }, async (span) => {
      const windows = await fetch(tenant, seriesKey, range, windowMs, signal);
      span?.setAttribute('strata.windows', windows.length);
      return windows;
    });
  const cold = source as S & { fetchCold?: ColdFetch };
  if (typeof cold.fetchCold === 'function') {
    const fetchCold = cold.fetchCold.bind(source);
    cold.fetchCold = ((tenant: string, seriesKey: string, request: never) =>
      inSpan(tracer, name, { attributes: { 'strata.tier': source.tier, 'strata.series': seriesKey } }, () =>
        fetchCold(tenant, seriesKey, request),
      )) as ColdFetch;
  }
  return source;
}
