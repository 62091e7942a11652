import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What an operator asks of the writer (the alerts and dashboards of docs/operations.md). */
export class WriterMetrics {
  readonly consumerLag: Gauge<'partition'>;
  readonly points: Counter;
  readonly records: Counter;
  readonly batchSeconds: Histogram;
  readonly utilisation: Gauge;
  readonly endToEndSeconds: Histogram;
  readonly windowsSealed: Counter<'kind'>;
  readonly sealSeconds: Histogram;
  readonly sealRounds: Counter;
  readonly sealBacklog: Gauge;
  readonly errors: Counter<'tier'>;
  readonly dynamoRetries: Counter<'reason'>;
  readonly dynamoWriteUnits: Counter;
  readonly cachedSeries: Gauge;
  readonly quarantinedWindows: Counter;
  readonly quarantineWindows: Gauge;
  readonly quarantineFailures: Counter;
  readonly catalogRestoredSeries: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.consumerLag = new Gauge({
      name: 'strata_writer_consumer_lag_records',
      help: 'Records in the partition not yet processed (high watermark - last processed offset - 1)',
      labelNames: ['partition'],
      registers,
    });
    this.points = new Counter({ name: 'strata_writer_points_total', help: 'Points written to the hot tier', registers });
    this.catalogRestoredSeries = new Counter({
      name: 'strata_writer_catalog_restored_series_total',
      help: 'Series-days put back into the Redis series catalogues from the warm day index after Redis lost them',
      registers,
    });
    this.records = new Counter({ name: 'strata_writer_records_total', help: 'Log records processed (a batch record of several series counts once)', registers });
    this.batchSeconds = new Histogram({
      name: 'strata_writer_batch_duration_seconds',
      help: 'Time to project one fetched batch into Redis and commit its offsets',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.utilisation = new Gauge({
      name: 'strata_writer_utilisation_ratio',
      help: 'Busy time over the last 60 s divided by 60 s times assigned partitions (keep below 0.7)',
      registers,
    });
    this.endToEndSeconds = new Histogram({
      name: 'strata_writer_end_to_end_delay_seconds',
      help: 'From ingest accepting a record to the writer projecting it into Redis',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.windowsSealed = new Counter({
      name: 'strata_writer_windows_sealed_total',
      help: 'Windows written to DynamoDB; kind=reseal when the window had been sealed before',
      labelNames: ['kind'],
      registers,
    });
    this.sealSeconds = new Histogram({
      name: 'strata_writer_seal_round_duration_seconds',
      help: 'Duration of one sealing round over the owned partitions',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.sealRounds = new Counter({
      name: 'strata_writer_seal_rounds_total',
      help: 'Completed sealing rounds over the owned partitions (the backlog gauge is exact after each)',
      registers,
    });
    this.sealBacklog = new Gauge({
      name: 'strata_writer_seal_backlog_windows',
      help: 'Windows waiting in Redis to be sealed into DynamoDB, over owned partitions',
      registers,
    });
    this.errors = new Counter({
      name: 'strata_writer_errors_total',
      help: 'Failed operations by tier (redis, dynamodb, kafka)',
      labelNames: ['tier'],
      registers,
    });
    this.dynamoRetries = new Counter({
      name: 'strata_writer_dynamodb_retries_total',
      help: 'BatchWriteItem retries: unprocessed items, throttling, transient errors',
      labelNames: ['reason'],
      registers,
    });
    this.dynamoWriteUnits = new Counter({
      name: 'strata_writer_dynamodb_consumed_write_units_total',
      help: 'Write capacity units consumed by sealing',
      registers,
    });
    this.quarantinedWindows = new Counter({
      name: 'strata_writer_quarantined_windows_total',
      help: 'Windows DynamoDB refused for good and the sealer moved into the warm table\'s quarantine',
      registers,
    });
    this.quarantineWindows = new Gauge({
      name: 'strata_writer_quarantine_windows',
      help: 'Windows in the warm table\'s quarantine (all writers; read from its listing at most once a minute)',
      registers,
    });
    this.quarantineFailures = new Counter({
      name: 'strata_writer_quarantine_failures_total',
      help: 'Refused windows whose quarantine write failed too; they stay due in Redis and are retried',
      registers,
    });
    this.cachedSeries = new Gauge({
      name: 'strata_writer_cached_series',
      help: 'Series held in memory (indexed recently); idle ones are passivated',
      registers,
    });
  }
}
