import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { ConfigError, probeReadiness, runMain, startService, type Lifecycle } from '@strata/runtime';
import { traceAwsClient } from '@strata/storage';
import { checkRedis, checkRedisSettings, createHotRedis, HotTierState, LateWriteLedger, RedisHotStore, RedisSeriesCatalog, traceRedisPipelines } from '@strata/storage/hot';
import { createDynamoDb, DynamoWarmStore, RebuildCheckpoints } from '@strata/storage/warm';
import { createKafka, logPositions, PointLogConsumer, retentionProblems, topicRetention } from '@strata/stream';
import { loadWriterConfig } from './config';
import { CatalogRestore } from './catalog-restore';
import { HotRecovery } from './hot-recovery';
import { Projector } from './projector';
import { RecoveryMetrics } from './recovery-metrics';
import { startReplayTracking } from './replay';
import { Sealer } from './sealer';
import { SeriesCache } from './series-cache';
import { UtilisationTracker } from './utilisation';
import { WriterMetrics } from './writer-metrics';

runMain(async () => {
  const config = loadWriterConfig(process.env, process.argv.slice(2));
  const { logger, tracer, registry, buildService } = await startService('writer', config);
  const metrics = new WriterMetrics(registry);
  const redis = traceRedisPipelines(createHotRedis(config.redis), tracer);
  const dynamo = traceAwsClient(createDynamoDb({ endpoint: config.dynamodb.endpoint, region: config.dynamodb.region }), tracer);
  const hot = new RedisHotStore(redis, {
    windowMs: config.windowMs,
    sealGraceMs: config.sealGraceMs,
    retentionMs: config.hotRetentionMs,
    // The main group's, also in a replay: the keys count the main group's offsets.
    group: config.groupId,
    directAppends: config.directAppends,
    resealDelayMs: config.resealDelayMs,
    recordFields: config.recordFields,
    tracer,
    // A failed merge of packed fields leaves them as they were: nothing is lost, Redis holds more until the seal.
    onCompactionError: (error) => {
      metrics.errors.inc({ tier: 'redis' });
      logger.warn({ err: error }, 'merging the packed fields of an open window failed; they stay until the seal');
    },
  });
  const warm = new DynamoWarmStore(dynamo, {
    tableName: config.dynamodb.table,
    dayIndex: { shards: config.dynamodb.dayIndexShards, cacheSeries: config.dynamodb.dayIndexCacheSeries, trustedDays: config.dynamodb.warmSpanDays },
  });
  const kafka = createKafka(config.kafka, logger);
  const replaying = config.replayFromMs !== undefined;
  const groupId = replaying ? `${config.groupId}-replay-${config.replayFromMs}-${Date.now()}` : config.groupId;
  const consumer = new PointLogConsumer(kafka, {
    topic: config.kafka.topic,
    groupId,
    logger,
    seekToTimestampMs: config.replayFromMs,
    maxBytesPerPartition: config.fetchPartitionBytes,
    tracer,
    onAssignment: () => void sealer.releaseUnowned(),
  });
  const cache = new SeriesCache(config.seriesCacheSize, 10 * 60_000);
  const owner = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const catalogRestore = new CatalogRestore({
    redis,
    catalog: new RedisSeriesCatalog(redis),
    warm,
    shards: config.dynamodb.dayIndexShards,
    warmSpanDays: config.dynamodb.warmSpanDays,
    restored: metrics.catalogRestoredSeries,
    owner,
    logger,
    now: Date.now,
  });
  const utilisation = new UtilisationTracker();
  const projector = new Projector({ hot, cache, metrics, utilisation, logger, now: Date.now, replay: replaying });
  const sealer = new Sealer({
    hot,
    warm,
    ledger: new LateWriteLedger(redis),
    partitions: () => consumer.assignedPartitions(),
    owner,
    metrics,
    logger,
    now: Date.now,
    intervalMs: config.sealIntervalMs,
    tracer,
    batchSize: config.sealBatch,
  });
  const replay = replaying ? await startReplayTracking(kafka, config.kafka.topic, config.replayFromMs!, logger) : undefined;

  // The main group keeps Redis whole by itself (hot-recovery.ts); a replay group only adds.
  const admin = kafka.admin();
  const { topic } = config.kafka;
  const recovery = replaying
    ? undefined
    : new HotRecovery({
        hot,
        state: new HotTierState(redis),
        checkpoints: new RebuildCheckpoints(dynamo, { tableName: config.dynamodb.table, group: config.groupId }),
        log: {
          seek: (partition, offset) => consumer.seek(partition, offset),
          partitionCount: async () => (await admin.fetchTopicOffsets(topic)).length,
          positions: () => logPositions(admin, topic, config.groupId),
        },
        partitions: () => consumer.assignedPartitions(),
        onLoss: () => {
          cache.clear();
          catalogRestore.markLost().catch((error: unknown) => logger.warn({ err: error }, 'could not mark the series catalogues for a restore; the next check retries'));
        },
        metrics: new RecoveryMetrics(registry),
        logger,
        now: Date.now,
      });
  let recoveryTimers: NodeJS.Timeout[] = [];
  const everyInterval = (ms: number, what: string, fn: () => Promise<void>) => {
    let running = false;
    recoveryTimers.push(
      setInterval(() => {
        if (running) return;
        running = true;
        fn()
          .catch((error: unknown) => logger.warn({ err: error }, `${what} failed; retried at the next interval`))
          .finally(() => (running = false));
      }, ms),
    );
  };

  let housekeeping: NodeJS.Timeout | undefined;
  const components: Lifecycle[] = [
    {
      name: 'log-and-redis-checks',
      start: async () => {
        await admin.connect();
        if (replaying) return;
        const settings = await checkRedisSettings(redis);
        settings.warnings.forEach((warning) => logger.warn({ checked: settings.checked }, warning));
        if (settings.problems.length > 0) throw new ConfigError([...settings.problems]);
        // Managed clusters may forbid DescribeConfigs: then the operator is told what to check.
        const retention = await topicRetention(admin, topic).catch((error: unknown) => {
          logger.warn({ err: error, topic, minRetentionHours: config.recovery.minLogRetentionMs / 3_600_000 }, 'could not read the topic retention; make sure the log keeps records long enough to rebuild the hot tier');
          return undefined;
        });
        const problems = retention ? retentionProblems(retention, topic, config.recovery.minLogRetentionMs) : [];
        if (problems.length > 0) throw new ConfigError(problems);
      },
      stop: () => admin.disconnect(),
    },
    {
      name: 'kafka-consumer',
      start: () =>
        consumer.start(async (batch) => {
          if (recovery) {
            await recovery.project(batch.partition, Number(batch.lastOffset), (projected) => projector.project(batch, projected));
          } else {
            await projector.project(batch);
          }
          replay?.record(batch.partition, batch.lastOffset);
        }),
      stop: () => consumer.stop(),
    },
    {
      name: 'hot-recovery',
      start: async () => {
        if (!recovery) return;
        everyInterval(config.recovery.checkIntervalMs, 'hot tier check', () => recovery.check());
        everyInterval(config.recovery.checkpointIntervalMs, 'rebuild checkpoint', () => recovery.checkpoint());
        everyInterval(config.recovery.checkpointIntervalMs, 'series catalogue restore', async () => void (await catalogRestore.check()));
      },
      stop: async () => {
        recoveryTimers.forEach(clearInterval);
        recoveryTimers = [];
      },
    },
    { name: 'sealer', start: async () => sealer.start(), stop: () => sealer.stop() },
    {
      name: 'housekeeping',
      start: async () => {
        housekeeping = setInterval(() => {
          cache.passivate();
          metrics.cachedSeries.set(cache.size);
          metrics.utilisation.set(utilisation.ratio(Date.now(), consumer.assignedPartitions().length));
          sealer.reportBacklog().catch((error: unknown) => logger.warn({ err: error }, 'could not read the seal backlog'));
        }, 5_000);
      },
      stop: async () => clearInterval(housekeeping),
    },
  ];
  const service = buildService({
    components,
    readinessChecks: {
      ...probeReadiness({ redis: () => checkRedis(redis) }),
      'kafka-assignment': () => consumer.assignedPartitions().length > 0 || 'no partitions assigned yet',
      'hot-tier': () => {
        const rebuilding = recovery?.rebuilding() ?? [];
        return rebuilding.length === 0 || `rebuilding the hot tier from the log: partitions ${rebuilding.join(', ')}`;
      },
    },
  });
  await service.runner.start();
  replay?.onDone(() => void service.runner.shutdown('replay complete'));
});
