import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import {
  buildStandardService,
  createLogger,
  createMetricsRegistry,
  runMain,
  startTracing,
  type Lifecycle,
} from '@strata/runtime';
import {
  checkRedis,
  createDynamoDb,
  createHotRedis,
  DynamoWarmStore,
  LateWriteLedger,
  RedisHotStore,
  traceAwsClient,
  traceRedisPipelines,
} from '@strata/storage';
import { createKafka, PointLogConsumer } from '@strata/stream';
import { loadWriterConfig } from './config';
import { Projector } from './projector';
import { startReplayTracking } from './replay';
import { Sealer } from './sealer';
import { SeriesCache } from './series-cache';
import { UtilisationTracker } from './utilisation';
import { WriterMetrics } from './writer-metrics';

runMain(async () => {
  const config = loadWriterConfig(process.env, process.argv.slice(2));
  const logger = createLogger({ service: 'writer', level: config.service.logLevel });
  const tracing = await startTracing(config.tracing, { logger });
  const tracer = tracing.tracer('@strata/writer');
  const registry = createMetricsRegistry('writer');
  const metrics = new WriterMetrics(registry);
  const redis = traceRedisPipelines(createHotRedis(config.redis), tracer);
  const dynamo = traceAwsClient(createDynamoDb({ endpoint: config.dynamodb.endpoint, region: config.dynamodb.region }), tracer);
  const hot = new RedisHotStore(redis, {
    windowMs: config.windowMs,
    sealGraceMs: config.sealGraceMs,
    retentionMs: config.hotRetentionMs,
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
    tracer,
    onAssignment: () => void sealer.releaseUnowned(),
  });
  const cache = new SeriesCache(config.seriesCacheSize, 10 * 60_000);
  const utilisation = new UtilisationTracker();
  const projector = new Projector({ hot, cache, metrics, utilisation, logger, now: Date.now, replay: replaying });
  const sealer = new Sealer({
    hot,
    warm,
    ledger: new LateWriteLedger(redis),
    partitions: () => consumer.assignedPartitions(),
    owner: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    metrics,
    logger,
    now: Date.now,
    intervalMs: config.sealIntervalMs,
    tracer,
    batchSize: config.sealBatch,
  });
  const replay = replaying ? await startReplayTracking(kafka, config.kafka.topic, config.replayFromMs!, logger) : undefined;

  let housekeeping: NodeJS.Timeout | undefined;
  const components: Lifecycle[] = [
    {
      name: 'kafka-consumer',
      start: () =>
        consumer.start(async (batch) => {
          await projector.project(batch);
          replay?.record(batch.partition, batch.lastOffset);
        }),
      stop: () => consumer.stop(),
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
  const service = buildStandardService({
    config: config.service,
    logger,
    registry,
    tracing,
    components,
    readinessChecks: {
      redis: () => checkRedis(redis).then(() => true as const, (e: Error) => `redis: ${e.message}`),
      'kafka-assignment': () => consumer.assignedPartitions().length > 0 || 'no partitions assigned yet',
    },
  });
  await service.runner.start();
  replay?.onDone(() => void service.runner.shutdown('replay complete'));
});
