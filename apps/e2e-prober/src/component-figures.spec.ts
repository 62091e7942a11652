import { MetricSnapshot } from '@strata/runtime';
import { componentFigures } from './component-figures';
import type { Figure } from './dashboard-contract';

const NOW = Date.UTC(2026, 0, 15, 12);

function figures(component: string, previous: string | undefined, current: string, seconds = 10): Record<string, Pick<Figure, 'text' | 'level'>> {
  const result = componentFigures(component, {
    current: MetricSnapshot.parse(current),
    previous: previous === undefined ? undefined : MetricSnapshot.parse(previous),
    seconds,
    nowMs: NOW,
  });
  return Object.fromEntries(result.map((f) => [f.key, { text: f.text, level: f.level }]));
}

const writerText = (points: number, throttled: number, lag: [number, number]) => `
# TYPE strata_writer_consumer_lag_records gauge
strata_writer_consumer_lag_records{partition="0"} ${lag[0]}
strata_writer_consumer_lag_records{partition="1"} ${lag[1]}
# TYPE strata_writer_points_total counter
strata_writer_points_total ${points}
# TYPE strata_writer_seal_backlog_windows gauge
strata_writer_seal_backlog_windows 42
# TYPE strata_writer_utilisation_ratio gauge
strata_writer_utilisation_ratio 0.85
# TYPE strata_writer_dynamodb_retries_total counter
strata_writer_dynamodb_retries_total{reason="throttled"} ${throttled}
strata_writer_dynamodb_retries_total{reason="unprocessed"} 100
# TYPE strata_nodejs_heap_size_used_bytes gauge
strata_nodejs_heap_size_used_bytes 52428800
`;

describe('componentFigures', () => {
  it('writer: lag, points per minute, seal backlog, utilisation and throttles from two scrapes', () => {
    expect(figures('writer', writerText(1_000, 3, [10, 20]), writerText(2_000, 5, [20_000, 1]))).toMatchObject({
      lag: { text: '20.0 k records', level: 'warn' },
      points: { text: '6000 /min', level: 'ok' },
      'seal-backlog': { text: '42 windows', level: 'ok' },
      utilisation: { text: '85 %', level: 'warn' },
      throttled: { text: '12 /min', level: 'warn' },
      heap: { text: '50 MiB', level: 'ok' },
    });
  });

  it('writer: the hot tier is whole, being rebuilt from the log, or missing records the log deleted', () => {
    const text = (rebuilding: [number, number], remaining: [number, number], gap = 0) => `
# TYPE strata_writer_hot_rebuilding gauge
strata_writer_hot_rebuilding{partition="0"} ${rebuilding[0]}
strata_writer_hot_rebuilding{partition="1"} ${rebuilding[1]}
# TYPE strata_writer_hot_rebuild_remaining_records gauge
strata_writer_hot_rebuild_remaining_records{partition="0"} ${remaining[0]}
strata_writer_hot_rebuild_remaining_records{partition="1"} ${remaining[1]}
# TYPE strata_writer_rebuild_gap_records gauge
strata_writer_rebuild_gap_records{partition="0"} ${gap}
`;
    expect(figures('writer', undefined, text([0, 0], [0, 0]))['hot-tier']).toEqual({ text: 'whole', level: 'ok' });
    expect(figures('writer', undefined, text([1, 0], [12_000, 0]))['hot-tier']).toEqual({ text: 'rebuilding from the log: 12.0 k records to go', level: 'warn' });
    expect(figures('writer', undefined, text([0, 0], [0, 0], 40))['hot-tier']).toEqual({ text: 'log retention deleted 40 records not yet sealed', level: 'bad' });
    expect(figures('writer', undefined, writerText(1, 0, [0, 0]))['hot-tier']).toEqual({ text: 'no data', level: 'info' });
  });

  it('says a rate is being measured until a second scrape exists', () => {
    expect(figures('writer', undefined, writerText(1, 0, [0, 0]))).toMatchObject({
      points: { text: 'measuring…', level: 'info' },
      lag: { text: '0 records', level: 'ok' },
    });
  });

  it('ingest: accepted and refused points per second', () => {
    const text = (accepted: number, refused: number) => `
# TYPE strata_ingest_points_accepted_total counter
strata_ingest_points_accepted_total{tenant="a"} ${accepted}
strata_ingest_points_accepted_total{tenant="b"} ${accepted}
# TYPE strata_ingest_points_refused_total counter
${refused ? `strata_ingest_points_refused_total{tenant="a",code="TOO_OLD"} ${refused}` : ''}
`;
    expect(figures('ingest', text(0, 0), text(500, 20))).toMatchObject({
      accepted: { text: '100 /s', level: 'ok' },
      refused: { text: '2 /s', level: 'warn' },
    });
    expect(figures('ingest', text(0, 0), text(500, 0))).toMatchObject({ refused: { text: '0 /s', level: 'ok' } });
  });

  it('reader: Read latency quantiles over the requests between the scrapes', () => {
    const text = (fast: number, total: number) => `
# TYPE strata_reader_request_duration_seconds histogram
strata_reader_request_duration_seconds_bucket{le="0.01",rpc="Read"} ${fast}
strata_reader_request_duration_seconds_bucket{le="0.1",rpc="Read"} ${total}
strata_reader_request_duration_seconds_bucket{le="+Inf",rpc="Read"} ${total}
strata_reader_request_duration_seconds_bucket{le="0.01",rpc="ListSeries"} 0
strata_reader_request_duration_seconds_bucket{le="0.1",rpc="ListSeries"} 0
strata_reader_request_duration_seconds_bucket{le="+Inf",rpc="ListSeries"} 1000
# TYPE strata_reader_requests_total counter
strata_reader_requests_total{rpc="Read",code="OK"} ${total}
`;
    expect(figures('reader', text(100, 100), text(190, 200))).toMatchObject({
      reads: { text: '10 /s' },
      'read-p50': { text: '5.6 ms' },
      'read-p99': { text: '91 ms', level: 'ok' },
    });
    expect(figures('reader', text(100, 100), text(100, 100))).toMatchObject({ 'read-p99': { text: 'no requests', level: 'info' } });
  });

  it.each([
    ['without the metric (archiver not deployed)', '', 'not running yet', 'info'],
    ['an hour after its last success', `strata_archiver_last_success_timestamp_seconds ${NOW / 1_000 - 3_600}`, '60 min ago', 'ok'],
    ['two days after its last success', `strata_archiver_last_success_timestamp_seconds ${NOW / 1_000 - 172_800}`, '2 d ago', 'bad'],
  ])('archiver %s: %s', (_case, text, expected, level) => {
    expect(figures('archiver', undefined, text)['last-success']).toEqual({ text: expected, level });
  });

  it('says "no data" for a figure whose metric the component does not export', () => {
    expect(figures('writer', '', '')).toMatchObject({ lag: { text: 'no data' }, points: { text: 'no data' } });
  });
});
