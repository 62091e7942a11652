import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What an operator asks of the archiver; alert rules depend on these names. */
export class ArchiverMetrics {
  readonly runs: Counter<'result'>;
  readonly runSeconds: Histogram;
  readonly lastSuccess: Gauge;
  readonly windowsArchived: Counter;
  readonly pointsArchived: Counter;
  readonly seriesDaysArchived: Counter;
  readonly bytesWritten: Counter<'kind'>;
  readonly objectsWritten: Counter<'kind'>;
  readonly objectsDeleted: Counter;
  readonly chunksDeleted: Counter;
  readonly deleteConflicts: Counter;
  readonly dynamoWriteUnits: Counter;
  readonly blockBuildSeconds: Histogram<'kind'>;
  readonly pendingSeriesDays: Gauge;
  readonly failures: Counter<'stage'>;
  readonly cleanMarks: Counter<'result'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.cleanMarks = new Counter({
      name: 'strata_archiver_clean_marks_total',
      help: 'Tenant-days marked as having no chunk left in DynamoDB, so reads skip their Query, by result (set; refused: a chunk was written meanwhile; error: Redis failed)',
      labelNames: ['result'],
      registers,
    });
    this.runs = new Counter({ name: 'strata_archiver_runs_total', help: 'Archive runs by result (success, failure)', labelNames: ['result'], registers });
    this.runSeconds = new Histogram({
      name: 'strata_archiver_run_duration_seconds',
      help: 'Duration of one archive run, including the wait before deleting',
      buckets: [0.1, 0.5, 1, 5, 15, 60, 180, 600, 1_800, 3_600, 10_800],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'strata_archiver_last_success_timestamp_seconds',
      help: 'When the last archive run finished without error (Unix seconds); at start-up the last run recorded in S3, else the process start',
      registers,
    });
    this.windowsArchived = new Counter({
      name: 'strata_archiver_windows_archived_total',
      help: 'Warm chunks (series windows) whose points a durable manifest now lists in S3',
      registers,
    });
    this.pointsArchived = new Counter({ name: 'strata_archiver_points_archived_total', help: 'Points of the archived windows', registers });
    this.seriesDaysArchived = new Counter({ name: 'strata_archiver_series_days_archived_total', help: 'Series sections (series x day) written', registers });
    this.bytesWritten = new Counter({
      name: 'strata_archiver_bytes_written_total',
      help: 'Bytes PUT to S3 by object kind (day_block, month_block, manifest)',
      labelNames: ['kind'],
      registers,
    });
    this.objectsWritten = new Counter({
      name: 'strata_archiver_objects_written_total',
      help: 'Objects PUT to S3 by kind (day_block, month_block, manifest)',
      labelNames: ['kind'],
      registers,
    });
    this.objectsDeleted = new Counter({ name: 'strata_archiver_objects_deleted_total', help: 'S3 objects deleted because no manifest names them any more', registers });
    this.chunksDeleted = new Counter({ name: 'strata_archiver_chunks_deleted_total', help: 'Warm chunks deleted from DynamoDB after archiving', registers });
    this.deleteConflicts = new Counter({
      name: 'strata_archiver_delete_conflicts_total',
      help: 'Warm chunks left in DynamoDB because they changed after being archived (re-archived next run)',
      registers,
    });
    this.dynamoWriteUnits = new Counter({ name: 'strata_archiver_dynamodb_write_units_total', help: 'DynamoDB write units consumed by deletes', registers });
    this.blockBuildSeconds = new Histogram({
      name: 'strata_archiver_block_build_duration_seconds',
      help: 'Time to build one block in a worker (day or month)',
      labelNames: ['kind'],
      buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 15, 60],
      registers,
    });
    this.pendingSeriesDays = new Gauge({
      name: 'strata_archiver_pending_series_days',
      help: 'Series x days the archive index listed at the start of the last run',
      registers,
    });
    this.failures = new Counter({ name: 'strata_archiver_failures_total', help: 'Failed tenant-days or months by stage', labelNames: ['stage'], registers });
  }
}
