import { metricSum, parsePrometheusText } from './prometheus-text';

const EXPOSITION = `# HELP strata_writer_consumer_lag_records Records in the partition not yet processed
# TYPE strata_writer_consumer_lag_records gauge
strata_writer_consumer_lag_records{partition="0"} 12
strata_writer_consumer_lag_records{partition="3"} 0

# TYPE strata_writer_seal_backlog_windows gauge
strata_writer_seal_backlog_windows 804
strata_writer_batch_duration_seconds_bucket{le="+Inf"} 7 1700000000000
odd_label{path="a\\"b\\\\c",x="1"} +Inf
`;

describe('parsePrometheusText', () => {
  const samples = parsePrometheusText(EXPOSITION);

  it('reads names, labels and values, skipping comments and blank lines', () => {
    expect(samples).toEqual([
      { name: 'strata_writer_consumer_lag_records', labels: { partition: '0' }, value: 12 },
      { name: 'strata_writer_consumer_lag_records', labels: { partition: '3' }, value: 0 },
      { name: 'strata_writer_seal_backlog_windows', labels: {}, value: 804 },
      { name: 'strata_writer_batch_duration_seconds_bucket', labels: { le: '+Inf' }, value: 7 },
      { name: 'odd_label', labels: { path: 'a"b\\c', x: '1' }, value: Infinity },
    ]);
  });

  it('sums a metric over its label sets, and says when it is absent', () => {
    expect(metricSum(samples, 'strata_writer_consumer_lag_records')).toBe(12);
    expect(metricSum(samples, 'strata_writer_seal_backlog_windows')).toBe(804);
    expect(metricSum(samples, 'strata_missing')).toBeUndefined();
  });

  it('refuses a line that is not a sample', () => {
    expect(() => parsePrometheusText('what is this')).toThrow('not a Prometheus sample line');
  });
});
