/** Percentile by nearest rank over a copy of the samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

/** mulberry32: a small seedable PRNG, so datasets are identical from run to run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cumulative bucket counts of one histogram's label set: [upper bound, count], ascending, +Inf last. */
export type HistogramBuckets = ReadonlyArray<readonly [number, number]>;

/**
 * Every label set of histogram `name` in a Prometheus text page, keyed by its labels other
 * than `le` (sorted, "a=x,b=y").
 */
export function parseHistograms(text: string, name: string): Map<string, HistogramBuckets> {
  const out = new Map<string, Array<[number, number]>>();
  const line = new RegExp(`^${name}_bucket\\{([^}]*)\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(line)) {
    const labels = [...m[1].matchAll(/(\w+)="([^"]*)"/g)];
    const le = labels.find((l) => l[1] === 'le')?.[2];
    if (le === undefined) continue;
    const key = labels
      .filter((l) => l[1] !== 'le')
      .map((l) => `${l[1]}=${l[2]}`)
      .sort()
      .join(',');
    const buckets = out.get(key) ?? [];
    buckets.push([le === '+Inf' ? Infinity : Number(le), Number(m[2])]);
    out.set(key, buckets);
  }
  for (const b of out.values()) b.sort((x, y) => x[0] - y[0]);
  return out;
}

/**
 * The q-quantile of a histogram as Prometheus' histogram_quantile estimates it: linear
 * interpolation inside the bucket the rank falls in (the bucket's upper bound when that is
 * the +Inf bucket's lower neighbour). NaN for an empty histogram.
 */
export function histogramQuantile(q: number, buckets: HistogramBuckets): number {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [upper, count] of buckets) {
    if (count >= rank) {
      if (upper === Infinity) return lower;
      return lower + ((upper - lower) * (rank - below)) / Math.max(count - below, 1e-9);
    }
    lower = upper;
    below = count;
  }
  return lower;
}
