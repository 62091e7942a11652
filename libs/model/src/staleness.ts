import type { PointColumns, RolledColumns } from './rollup';

/**
 * Staleness: the mark Prometheus writes when a series stops (its special NaN), stored so
 * that PromQL can end a series there (docs/prometheus.md, "Staleness"). In storage it is a
 * point whose value is NaN, any NaN: Strata refuses NaN values everywhere else
 * (NON_FINITE_VALUE), so a stored NaN can only be staleness, and no bit pattern has to
 * survive the tiers (JavaScript does not keep NaN payloads everywhere).
 *
 * It is never a value: Read leaves it out, rollups skip it, and a later sample at the same
 * timestamp overwrites it like any point.
 */
export function isStaleness(value: number): boolean {
  return Number.isNaN(value);
}

/** The points that are values: `points` itself when it holds no staleness, else a filtered copy. */
export function withoutStaleness<C extends PointColumns>(points: C): C | RolledColumns {
  const { timestamps, values } = points;
  const n = values.length;
  let stale = 0;
  for (let i = 0; i < n; i++) if (values[i] !== values[i]) stale++;
  if (stale === 0) return points;
  const keptTimes = new Float64Array(n - stale);
  const keptValues = new Float64Array(n - stale);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) continue;
    keptTimes[k] = timestamps[i];
    keptValues[k] = v;
    k++;
  }
  return { timestamps: keptTimes, values: keptValues };
}
