import { Counter, Gauge, type Registry } from 'prom-client';

/** The writer's account of the hot tier's completeness (docs/write-path.md, "Rebuilding the hot tier"). */
export class RecoveryMetrics {
  readonly rebuilding: Gauge<'partition'>;
  readonly rebuildRemaining: Gauge<'partition'>;
  readonly rebuilds: Counter<'reason'>;
  readonly rebuildSeconds: Gauge<'partition'>;
  readonly checkpointOffset: Gauge<'partition'>;
  readonly checkpointWrites: Counter<'result'>;
  readonly logGap: Gauge<'partition'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.rebuilding = new Gauge({
      name: 'strata_writer_hot_rebuilding',
      help: '1 while the partition\'s points are being rebuilt into Redis from the log after Redis lost them',
      labelNames: ['partition'],
      registers,
    });
    this.rebuildRemaining = new Gauge({
      name: 'strata_writer_hot_rebuild_remaining_records',
      help: 'Log records still to re-project before the partition is whole in Redis again',
      labelNames: ['partition'],
      registers,
    });
    this.rebuilds = new Counter({
      name: 'strata_writer_hot_rebuilds_total',
      help: 'Rebuilds of a partition started; reason=emptied (Redis lost the partition), rolled_back (Redis holds less than it acknowledged), unchecked (found marked at start)',
      labelNames: ['reason'],
      registers,
    });
    this.rebuildSeconds = new Gauge({
      name: 'strata_writer_hot_last_rebuild_seconds',
      help: 'Duration of the partition\'s last completed rebuild',
      labelNames: ['partition'],
      registers,
    });
    this.checkpointOffset = new Gauge({
      name: 'strata_writer_rebuild_checkpoint_offset',
      help: 'Offset a rebuild of the partition would start from (every record below it is durable in DynamoDB)',
      labelNames: ['partition'],
      registers,
    });
    this.checkpointWrites = new Counter({
      name: 'strata_writer_rebuild_checkpoint_writes_total',
      help: 'Rebuild checkpoints written to DynamoDB, by result',
      labelNames: ['result'],
      registers,
    });
    this.logGap = new Gauge({
      name: 'strata_writer_rebuild_gap_records',
      help: 'Records below the log start that a rebuild would need (retention deleted records not yet durable in DynamoDB); anything above 0 means a Redis loss now loses data',
      labelNames: ['partition'],
      registers,
    });
  }
}
