import { availableParallelism } from 'node:os';
import { inSpan, probeReadiness, runMain, startService, workerEntry, type Lifecycle, type Logger } from '@strata/runtime';
import { traceAwsClient } from '@strata/storage';
import { checkS3, createColdS3, dayIso, dayNumber, ensureBucket, type ObjectStore } from '@strata/storage/cold';
import { createHotRedis, LateWriteLedger } from '@strata/storage/hot';
import { checkDynamoDb, createDynamoDb, DynamoWarmStore } from '@strata/storage/warm';
import { Archiver, MIN_ARCHIVE_AGE_DAYS, type RunReport } from './archiver';
import { ArchiverMetrics } from './archiver-metrics';
import { BlockPool, InlineBlockBuilder, type BlockBuilder } from './block-pool';
import { loadArchiverConfig, type ArchiverConfig } from './config';
import { KillAfterPuts } from './fault-injection';
import { ArchiveScheduler } from './scheduler';

// Service: `node dist/apps/archiver/main.js` runs an archive every STRATA_ARCHIVE_INTERVAL_MS
// and serves health on 7004, /metrics on 9004. One-shot: `--once` (one full sweep) or
// `--day 2026-11-01` (that day only) prints its progress and exits 0, or 1 on a failure.
runMain(async () => {
  const startedAt = Date.now();
  const config = loadArchiverConfig(process.env, process.argv.slice(2), { cores: availableParallelism() });
  const oneShot = config.mode.kind !== 'service';
  const { logger, tracer, registry, buildService } = await startService('archiver', config, {
    logLevel: oneShot && !process.env['STRATA_LOG_LEVEL'] ? 'warn' : config.service.logLevel,
    exportSpans: !oneShot,
  });
  const metrics = new ArchiverMetrics(registry);
  const dynamo = traceAwsClient(createDynamoDb({ endpoint: config.dynamodb.endpoint, region: config.dynamodb.region }), tracer);
  const s3 = createColdS3(config.s3);
  traceAwsClient(s3.client, tracer);
  const store: ObjectStore = config.faultKillAfterPuts ? new KillAfterPuts(s3.store, config.faultKillAfterPuts) : s3.store;
  const pool = config.archive.workers > 0 ? new BlockPool({ entry: workerEntry(__dirname, 'block'), size: config.archive.workers, logger }) : undefined;
  const builder: BlockBuilder = pool ?? new InlineBlockBuilder();
  const say = (line: string) => process.stderr.write(`${line}\n`);
  // Redis only holds the clean marks that spare readers a DynamoDB Query; runs succeed without it.
  const redis = createHotRedis(config.redis);
  redis.on('error', () => undefined);
  const archiver = new Archiver({
    warm: new DynamoWarmStore(dynamo, { tableName: config.dynamodb.table, dayIndex: { shards: config.dynamodb.dayIndexShards } }),
    store,
    keys: s3.keys,
    builder,
    retention: config.retention,
    settings: config.archive,
    metrics,
    logger,
    now: Date.now,
    ledger: new LateWriteLedger(redis),
    ...(oneShot && { progress: say }),
  });
  const prepare = async () => {
    await ensureBucket(s3.client, config.s3.bucket);
  };
  const close = () => {
    redis.disconnect();
    dynamo.destroy();
    s3.client.destroy();
  };

  if (oneShot) {
    await runOnce(config, archiver, { prepare, pool, close, say, logger });
    return;
  }
  // The bucket is checked before the first run rather than at start-up, so a slow S3 does
  // not hold the service out of SERVING.
  let prepared = false;
  const scheduler = new ArchiveScheduler({
    archiver: {
      run: async (options) => {
        if (!prepared) {
          await prepare();
          prepared = true;
        }
        return inSpan(tracer, 'archive run', { attributes: { 'strata.full_sweep': options?.fullSweep === true } }, () => archiver.run(options));
      },
    },
    intervalMs: config.intervalMs,
    fullSweepIntervalMs: config.archive.fullSweepIntervalMs,
    logger,
    now: Date.now,
  });
  const components: Lifecycle[] = [
    { name: 'last-success', start: async () => void (await archiver.restoreLastSuccess(startedAt)), stop: async () => undefined },
    ...(pool ? [{ name: 'block-pool', start: () => pool.start(), stop: () => pool.stop() }] : []),
    { name: 'storage-clients', start: async () => undefined, stop: async () => close() },
    { name: 'archive-scheduler', start: async () => scheduler.start(), stop: () => scheduler.stop() },
  ];
  const { runner } = buildService({
    components,
    readinessChecks: probeReadiness({ dynamodb: () => checkDynamoDb(dynamo), s3: () => checkS3(s3.client) }),
  });
  await runner.start();
});

async function runOnce(
  config: ArchiverConfig,
  archiver: Archiver,
  parts: { prepare: () => Promise<void>; pool?: BlockPool; close: () => void; say: (line: string) => void; logger: Logger },
): Promise<void> {
  const abort = new AbortController();
  const onSignal = () => {
    parts.say('stopping after the current step (the next run finishes the work)');
    abort.abort();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let report: RunReport | undefined;
  try {
    if (config.mode.kind === 'day') {
      const newest = dayNumber(Date.now()) - MIN_ARCHIVE_AGE_DAYS - 1;
      if (config.mode.day > newest) {
        parts.say(`--day ${dayIso(config.mode.day)}: only days that ended at least ${MIN_ARCHIVE_AGE_DAYS} days ago can be archived (the newest is ${dayIso(newest)})`);
        process.exitCode = 2;
        return;
      }
    }
    await parts.prepare();
    await parts.pool?.start();
    const began = Date.now();
    parts.say(config.mode.kind === 'day' ? `archiving ${dayIso(config.mode.day)}` : `archiving every day older than ${config.archive.warmSpanDays} days (full sweep)`);
    report = await archiver.run({
      ...(config.mode.kind === 'day' ? { days: [config.mode.day] } : { fullSweep: true }),
      signal: abort.signal,
    });
    parts.say(
      `done in ${((Date.now() - began) / 1000).toFixed(1)} s: ${report.tenantDays} tenant-day(s), ${report.seriesDays} series-days, ${report.windows} windows, ` +
        `${report.blocksWritten} block(s) (${report.bytesWritten} bytes), ${report.monthsCompacted} month rollup(s), ` +
        `${report.chunksDeleted} chunks deleted (${report.deleteConflicts} changed meanwhile, kept), ${report.indexEntriesCleared} day-index entries cleared, ` +
        `${report.objectsCollected} stale object(s) removed, ${report.failures} failure(s)`,
    );
    if (report.failures > 0 || abort.signal.aborted) process.exitCode = 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await parts.pool?.stop();
    parts.close();
  }
}
