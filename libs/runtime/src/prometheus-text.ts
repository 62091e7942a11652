/** One sample of the Prometheus text exposition format. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/**
 * A sample value. The special values are case-insensitive, as Prometheus reads them
 * (Go's ParseFloat): prom-client writes NaN as "Nan" (an event-loop lag mean before its
 * first measurement), others write "NaN", "+Inf", "inf".
 */
function parseValue(raw: string): number {
  const special = SPECIAL_VALUES.get(raw.toLowerCase());
  return special ?? Number(raw);
}

const SPECIAL_VALUES: ReadonlyMap<string, number> = new Map([
  ['nan', NaN],
  ['+inf', Infinity],
  ['inf', Infinity],
  ['+infinity', Infinity],
  ['infinity', Infinity],
  ['-inf', -Infinity],
  ['-infinity', -Infinity],
]);

/** Parses `{a="x",b="y\"z"}` starting at `line[start] === '{'`; returns the labels and the index after `}`. */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } | undefined {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
    if (!name || line[i + name[0].length] !== '=' || line[i + name[0].length + 1] !== '"') return undefined;
    i += name[0].length + 2;
    let value = '';
    while (i < line.length && line[i] !== '"') {
      if (line[i] === '\\' && i + 1 < line.length) {
        const next = line[i + 1];
        value += next === 'n' ? '\n' : next;
        i += 2;
      } else {
        value += line[i++];
      }
    }
    if (line[i] !== '"') return undefined;
    labels[name[0]] = value;
    i++;
  }
}

export interface ParsedMetrics {
  readonly samples: Sample[];
  /** Metric families declared by `# TYPE` lines, with or without samples. */
  readonly types: Map<string, string>;
}

export interface ParseOptions {
  /**
   * Throw on a line that is neither a comment nor a sample. The prober's dashboard leaves
   * it off (one odd line must not blank a panel); a test turns it on, so that a service
   * printing something unreadable fails it.
   * @default false
   */
  readonly strict?: boolean;
}

/**
 * Parses the text format every Strata ops port serves at /metrics (prom-client's output,
 * exposition format 0.0.4). Other comments, blank lines and sample timestamps are skipped,
 * and so are malformed lines unless `strict`.
 */
export function parsePrometheusText(text: string, options: ParseOptions = {}): ParsedMetrics {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const malformed = (line: string) => {
    if (options.strict) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
  };
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^#\s*TYPE\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(\w+)/.exec(line);
      if (type) types.set(type[1], type[2]);
      continue;
    }
    const name = NAME.exec(line);
    if (!name) {
      malformed(line);
      continue;
    }
    let rest = name[0].length;
    let labels: Record<string, string> = {};
    if (line[rest] === '{') {
      const parsed = parseLabels(line, rest);
      if (!parsed) {
        malformed(line);
        continue;
      }
      labels = parsed.labels;
      rest = parsed.end;
    }
    const [valueText] = line.slice(rest).trim().split(/\s+/);
    const value = valueText === undefined || valueText === '' ? NaN : parseValue(valueText);
    if (Number.isNaN(value) && valueText?.toLowerCase() !== 'nan') {
      malformed(line);
      continue;
    }
    samples.push({ name: name[0], labels, value });
  }
  return { samples, types };
}

function matches(sample: Sample, match: Readonly<Record<string, string>>): boolean {
  return Object.entries(match).every(([label, value]) => sample.labels[label] === value);
}

/** One scrape of one component, with the lookups the dashboard needs. */
export class MetricSnapshot {
  private readonly byName = new Map<string, Sample[]>();
  private readonly types: ReadonlyMap<string, string>;

  constructor({ samples, types }: ParsedMetrics) {
    this.types = types;
    for (const sample of samples) {
      const list = this.byName.get(sample.name);
      if (list) list.push(sample);
      else this.byName.set(sample.name, [sample]);
    }
  }

  static parse(text: string, options: ParseOptions = {}): MetricSnapshot {
    return new MetricSnapshot(parsePrometheusText(text, options));
  }

  /** The component exports this metric family (declared by a TYPE line, or sampled). */
  declares(name: string): boolean {
    return this.types.has(name) || this.byName.has(name);
  }

  /**
   * Sum over the samples of `name` whose labels include `match`. A declared family without
   * matching samples sums to 0 (prom-client prints no sample for a labelled counter that
   * never counted); a family the component does not export is undefined.
   */
  sum(name: string, match: Readonly<Record<string, string>> = {}): number | undefined {
    const selected = (this.byName.get(name) ?? []).filter((s) => matches(s, match));
    if (selected.length === 0) return this.declares(name) ? 0 : undefined;
    return selected.reduce((total, s) => total + s.value, 0);
  }

  /** Cumulative bucket counts of histogram `name` (summed over other labels), ascending by `le`. */
  buckets(name: string, match: Readonly<Record<string, string>> = {}): Bucket[] {
    const byLe = new Map<number, number>();
    for (const sample of this.byName.get(`${name}_bucket`) ?? []) {
      if (!matches(sample, match) || sample.labels['le'] === undefined) continue;
      const le = parseValue(sample.labels['le']);
      byLe.set(le, (byLe.get(le) ?? 0) + sample.value);
    }
    return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
  }
}

export interface Bucket {
  readonly le: number;
  /** Cumulative: observations <= le. */
  readonly count: number;
}

/** Per-bucket increase between two scrapes of the same histogram (a counter reset counts from zero). */
export function bucketIncrease(current: readonly Bucket[], previous: readonly Bucket[] | undefined): Bucket[] {
  if (!previous) return [...current];
  const before = new Map(previous.map((b) => [b.le, b.count]));
  const reset = current.some((b) => b.count < (before.get(b.le) ?? 0));
  return current.map((b) => ({ le: b.le, count: reset ? b.count : b.count - (before.get(b.le) ?? 0) }));
}

/**
 * The q-quantile of a histogram as Prometheus's histogram_quantile computes it: linear
 * interpolation inside the bucket holding the rank; in the +Inf bucket, the highest
 * finite bound. Undefined without observations.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | undefined {
  if (buckets.length === 0) return undefined;
  const total = buckets[buckets.length - 1].count;
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      return inBucket === 0 ? bucket.le : lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}
