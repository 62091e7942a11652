import { availableParallelism } from 'node:os';
import { strataPackageDefinition } from '@strata/proto';
import { runMain, startService, TenantRate, workerEntry } from '@strata/runtime';
import { createHotRedis, RedisMetricMetadataStore, RedisSeriesRegistry } from '@strata/storage/hot';
import { createKafka, createProducer, messageLimitReader, partitionCountReader, PointLogProducer } from '@strata/stream';
import { AdmittedSeriesCache } from './admitted-series-cache';
import { loadIngestConfig, seriesRefreshMs } from './config';
import { IngestMetrics } from './ingest-metrics';
import { ingestServiceBinding } from './ingest-service';
import { MetricMetadataRecorder } from './metric-metadata-recorder';
import { remoteWriteRoute } from './remote-write-door';
import { RequestBytesBudget } from './request-bytes-budget';
import { SeriesLimiter } from './series-limiter';
import { WriteHandler } from './write-handler';
import { WritePreparationPool } from './write-preparation-pool';

runMain(async () => {
  const config = loadIngestConfig(process.env, { cores: availableParallelism() });
  const { logger, tracer, registry, buildService } = await startService('ingest', config);
  const metrics = new IngestMetrics(registry);
  const kafka = createKafka(config.kafka, logger);
  const log = new PointLogProducer(createProducer(kafka, { allowAutoTopicCreation: false }), {
    topic: config.kafka.topic,
    ...config.producer,
    // Read at start-up: produce requests and records stay below the topic's max.message.bytes.
    maxMessageBytes: messageLimitReader(kafka, config.kafka),
    ...(config.batchRecords && {
      partitions: partitionCountReader(kafka, config.kafka.topic),
      onPartitionsError: (err: unknown) => logger.warn({ err }, 'could not read the topic partition count; records go one per series until it is read'),
    }),
    bulkProducer: createProducer(kafka, { allowAutoTopicCreation: false }),
    tracer,
    onBatch: ({ records, ms, ok }) => {
      metrics.produceSeconds.observe({ result: ok ? 'ok' : 'error' }, ms / 1_000);
      metrics.produceBatchRecords.observe(records);
    },
  });
  // Not part of readiness: while Redis is away, new series are admitted unchecked (fail open),
  // and metric metadata is not kept (its senders send it again).
  const redis = createHotRedis(config.redis);
  redis.on('error', (error: unknown) => logger.debug({ err: error }, 'series registry connection error'));
  const { seriesLimit } = config;
  const seriesLimiter = new SeriesLimiter({
    registry: new RedisSeriesRegistry(redis, { activeMs: seriesLimit.activeMs, timeoutMs: seriesLimit.registryTimeoutMs }),
    cache: new AdmittedSeriesCache(seriesLimit.cacheSize, seriesRefreshMs(seriesLimit.activeMs), seriesLimit.activeMs),
    config: seriesLimit,
    metrics,
    logger,
  });
  const { preparation } = config;
  const pool =
    preparation.workers > 0
      ? new WritePreparationPool({ entry: workerEntry(__dirname, 'write-preparation'), size: preparation.workers, minBytes: preparation.minBytes, logger, metrics })
      : undefined;
  const handler = new WriteHandler({
    config,
    log,
    rateLimiter: new TenantRate(config.limits.tenantPointsPerSecond, Date.now, {
      burst: config.limits.tenantBurstPoints,
      perTenant: config.limits.tenantPointsPerSecondOverrides,
      // Twice a named tenant's rate, and never less than a full request, which must be able to pass.
      perTenantBurst: (rate) => Math.max(2 * rate, config.limits.maxPointsPerRequest),
    }),
    seriesLimiter,
    metrics,
    logger,
    now: Date.now,
    preparation: pool,
  });
  // One budget of bytes in flight and one byte rate per tenant, whichever door a body comes through.
  const budget = new RequestBytesBudget(
    config.frontDoor.maxInFlightBytes,
    (inUse) => metrics.bytesInFlight.set(inUse),
    config.frontDoor.tenantMaxInFlightBytes,
  );
  const byteRate = new TenantRate(config.frontDoor.tenantBytesPerSecond, Date.now, { perTenant: config.frontDoor.tenantBytesPerSecondOverrides });
  const { runner } = buildService({
    reflection: strataPackageDefinition(),
    maxReceiveMessageLength: config.limits.maxRequestBytes,
    components: [
      {
        name: 'kafka-producer',
        start: async () => {
          await log.start();
          logger.info({ ...log.recordLimits }, 'log record limits read from the topic');
        },
        stop: () => log.stop(),
      },
      { name: 'series-registry', start: async () => undefined, stop: async () => redis.disconnect() },
      ...(pool ? [{ name: 'write-preparation-pool', start: () => pool.start(), stop: () => pool.stop() }] : []),
    ],
    maxConcurrentStreams: config.frontDoor.maxConcurrentStreams,
    grpcServices: [
      ingestServiceBinding({
        keys: config.apiKeys,
        handler,
        metrics,
        logger,
        tracer,
        byteRate,
        budget,
        shape: {
          maxPoints: config.limits.maxPointsPerRequest,
          maxSeries: config.limits.maxSeriesPerRequest,
          maxLabels: config.limits.maxLabelsPerRequest,
        },
        maxListedRejections: config.frontDoor.maxListedRejections,
      }),
    ],
    httpApi: {
      port: config.httpApiPort,
      routes: [
        remoteWriteRoute({
          keys: config.apiKeys,
          handler,
          metrics,
          logger,
          budget,
          byteRate,
          maxRequestBytes: config.limits.maxRequestBytes,
          maxListedRejections: config.frontDoor.maxListedRejections,
          shape: { maxSeries: config.limits.maxSeriesPerRequest, maxLabels: config.limits.maxLabelsPerRequest },
          metadata: new MetricMetadataRecorder({
            store: new RedisMetricMetadataStore(redis, { maxPerTenant: config.metadataMaxPerTenant, ttlMs: seriesLimit.activeMs }),
            metrics,
            logger,
            cacheSize: 100_000,
          }),
        }),
      ],
    },
  });
  await runner.start();
});
