import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { bucketIncrease, histogramQuantile, MetricSnapshot, parsePrometheusText } from './prometheus-text';

describe('parsePrometheusText', () => {
  it('reads what prom-client serves: labelled counters, gauges, histograms, escaped label values', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: 'writer' });
    new Counter({ name: 'c_total', help: 'h', labelNames: ['code'], registers: [registry] }).inc({ code: 'say "hi"\\\n' }, 3);
    new Gauge({ name: 'g', help: 'h', registers: [registry] }).set(-1.5);
    const h = new Histogram({ name: 'h_seconds', help: 'h', buckets: [0.1, 1], registers: [registry] });
    h.observe(0.05);
    h.observe(0.5);
    new Counter({ name: 'never_total', help: 'h', labelNames: ['reason'], registers: [registry] });

    const { samples, types } = parsePrometheusText(await registry.metrics());
    expect(samples).toEqual(
      expect.arrayContaining([
        { name: 'c_total', labels: { code: 'say "hi"\\\n', service: 'writer' }, value: 3 },
        { name: 'g', labels: { service: 'writer' }, value: -1.5 },
        { name: 'h_seconds_bucket', labels: { le: '0.1', service: 'writer' }, value: 1 },
        { name: 'h_seconds_bucket', labels: { le: '+Inf', service: 'writer' }, value: 2 },
        { name: 'h_seconds_count', labels: { service: 'writer' }, value: 2 },
      ]),
    );
    expect(types.get('never_total')).toBe('counter');
    expect(types.get('h_seconds')).toBe('histogram');
  });

  it('skips lines it cannot read instead of failing the scrape', () => {
    const { samples } = parsePrometheusText('ok 1\n{broken} 2\nbad{a="x} 3\nnovalue\nalso_ok{a="b"} 4 1700000000000\nweird abc\n');
    expect(samples).toEqual([
      { name: 'ok', labels: {}, value: 1 },
      { name: 'also_ok', labels: { a: 'b' }, value: 4 },
    ]);
  });

  // What the system tests read from a service's /metrics: comments, blank lines, a sample
  // timestamp, escaped quotes and backslashes, +Inf.
  const EXPOSITION = `# HELP strata_writer_consumer_lag_records Records in the partition not yet processed
# TYPE strata_writer_consumer_lag_records gauge
strata_writer_consumer_lag_records{partition="0"} 12
strata_writer_consumer_lag_records{partition="3"} 0

# TYPE strata_writer_seal_backlog_windows gauge
strata_writer_seal_backlog_windows 804
strata_writer_batch_duration_seconds_bucket{le="+Inf"} 7 1700000000000
odd_label{path="a\\"b\\\\c",x="1"} +Inf
`;

  it('reads names, labels and values, skipping comments and blank lines', () => {
    expect(parsePrometheusText(EXPOSITION, { strict: true }).samples).toEqual([
      { name: 'strata_writer_consumer_lag_records', labels: { partition: '0' }, value: 12 },
      { name: 'strata_writer_consumer_lag_records', labels: { partition: '3' }, value: 0 },
      { name: 'strata_writer_seal_backlog_windows', labels: {}, value: 804 },
      { name: 'strata_writer_batch_duration_seconds_bucket', labels: { le: '+Inf' }, value: 7 },
      { name: 'odd_label', labels: { path: 'a"b\\c', x: '1' }, value: Infinity },
    ]);
  });

  it('sums a metric over its label sets, and says when it is absent', () => {
    const snapshot = MetricSnapshot.parse(EXPOSITION, { strict: true });
    expect(snapshot.sum('strata_writer_consumer_lag_records')).toBe(12);
    expect(snapshot.sum('strata_writer_seal_backlog_windows')).toBe(804);
    expect(snapshot.sum('strata_missing')).toBeUndefined();
  });

  it('reads the special values in any case, as Prometheus does (prom-client writes NaN as "Nan")', () => {
    const { samples } = parsePrometheusText('a{s="w"} Nan\nb NaN\nc nan\nd +Inf\ne inf\nf -Inf\ng -inf\n', { strict: true });
    expect(samples.map((s) => s.value)).toEqual([NaN, NaN, NaN, Infinity, Infinity, -Infinity, -Infinity]);
  });

  it.each(['what is this', '{broken} 2', 'bad{a="x} 3', 'novalue', 'weird abc'])('refuses %j when strict', (line) => {
    expect(() => parsePrometheusText(`ok 1\n${line}\n`, { strict: true })).toThrow('not a Prometheus sample line');
    expect(() => MetricSnapshot.parse(line, { strict: true })).toThrow('not a Prometheus sample line');
  });
});

describe('MetricSnapshot', () => {
  const snapshot = MetricSnapshot.parse(
    [
      '# TYPE lag gauge',
      'lag{partition="0"} 5',
      'lag{partition="1"} 7',
      '# TYPE retries_total counter',
      'retries_total{reason="throttled"} 2',
      'retries_total{reason="unprocessed"} 9',
      '# TYPE quiet_total counter',
    ].join('\n'),
  );

  it('sums over labels, filters by label, and tells an idle family (0) from an absent one (undefined)', () => {
    expect(snapshot.sum('lag')).toBe(12);
    expect(snapshot.sum('retries_total', { reason: 'throttled' })).toBe(2);
    expect(snapshot.sum('retries_total', { reason: 'error' })).toBe(0);
    expect(snapshot.sum('quiet_total')).toBe(0);
    expect(snapshot.sum('strata_archiver_last_success_timestamp_seconds')).toBeUndefined();
  });
});

describe('MetricSnapshot buckets', () => {
  // One histogram with two label sets, as the reader's tier fetch histogram is scraped.
  const snapshot = MetricSnapshot.parse(
    [
      '# TYPE t histogram',
      't_bucket{le="0.01",tier="warm"} 50',
      't_bucket{le="0.02",tier="warm"} 90',
      't_bucket{le="+Inf",tier="warm"} 100',
      't_bucket{le="0.01",tier="cold"} 0',
      't_bucket{le="+Inf",tier="cold"} 0',
      't_sum{tier="warm"} 1.2',
    ].join('\n'),
  );
  const warm = snapshot.buckets('t', { tier: 'warm' });

  it('selects one label set by its other labels, or sums them, ascending by le', () => {
    expect(warm).toEqual([
      { le: 0.01, count: 50 },
      { le: 0.02, count: 90 },
      { le: Infinity, count: 100 },
    ]);
    expect(snapshot.buckets('t')).toEqual(warm);
    expect(snapshot.buckets('t', { tier: 'hot' })).toEqual([]);
  });

  it.each([
    [0.5, 0.01],
    [0.7, 0.015],
    [0.25, 0.005],
    [0.99, 0.02],
  ])('interpolates the %d quantile within its bucket', (q, expected) => {
    expect(histogramQuantile(q, warm)).toBeCloseTo(expected, 9);
  });

  it('has no quantile for an empty histogram', () => {
    expect(histogramQuantile(0.5, snapshot.buckets('t', { tier: 'cold' }))).toBeUndefined();
  });
});

describe('histogramQuantile', () => {
  const buckets = [
    { le: 0.01, count: 50 },
    { le: 0.1, count: 90 },
    { le: 1, count: 100 },
    { le: Infinity, count: 100 },
  ];

  it.each([
    [0.5, 0.01],
    [0.25, 0.005],
    [0.7, 0.055],
    [0.99, 0.91],
  ])('q=%d interpolates inside the bucket like Prometheus: %d', (q, expected) => {
    expect(histogramQuantile(q, buckets)).toBeCloseTo(expected, 9);
  });

  it('answers the highest finite bound for ranks in +Inf, and nothing without observations', () => {
    expect(histogramQuantile(0.99, [{ le: 1, count: 1 }, { le: Infinity, count: 10 }])).toBe(1);
    expect(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])).toBeUndefined();
  });

  it('works on the increase between two scrapes, treating a reset as a restart from zero', () => {
    const before = [
      { le: 0.1, count: 10 },
      { le: Infinity, count: 10 },
    ];
    const after = [
      { le: 0.1, count: 10 },
      { le: Infinity, count: 14 },
    ];
    expect(bucketIncrease(after, before)).toEqual([
      { le: 0.1, count: 0 },
      { le: Infinity, count: 4 },
    ]);
    const restarted = [
      { le: 0.1, count: 1 },
      { le: Infinity, count: 1 },
    ];
    expect(bucketIncrease(restarted, before)).toEqual(restarted);
  });
});
