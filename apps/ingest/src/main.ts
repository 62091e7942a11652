import { IngestServiceService, strataPackageDefinition } from '@strata/proto';
import {
  buildStandardService,
  createLogger,
  createMetricsRegistry,
  DEVELOPMENT_API_KEY,
  runMain,
  startTracing,
  tolerateMalformedRequests,
} from '@strata/runtime';
import { createKafka, createProducer, PointLogProducer } from '@strata/stream';
import { loadIngestConfig } from './config';
import { IngestMetrics } from './ingest-metrics';
import { createIngestService } from './ingest-service';
import { TenantRateLimiter } from './rate-limiter';
import { WriteHandler } from './write-handler';

runMain(async () => {
  const config = loadIngestConfig(process.env);
  const logger = createLogger({ service: 'ingest', level: config.service.logLevel });
  if (config.apiKeys.usesDevelopmentKey) {
    logger.warn({ apiKey: DEVELOPMENT_API_KEY, tenant: 'dev' }, 'STRATA_API_KEYS is not set: accepting only the development key');
  }
  const tracing = await startTracing(config.tracing, { logger });
  const tracer = tracing.tracer('@strata/ingest');
  const registry = createMetricsRegistry('ingest');
  const metrics = new IngestMetrics(registry);
  const kafka = createKafka(config.kafka, logger);
  const log = new PointLogProducer(createProducer(kafka, { allowAutoTopicCreation: false }), {
    topic: config.kafka.topic,
    ...config.producer,
    tracer,
    onBatch: ({ records, ms, ok }) => {
      metrics.produceSeconds.observe({ result: ok ? 'ok' : 'error' }, ms / 1_000);
      metrics.produceBatchRecords.observe(records);
    },
  });
  const handler = new WriteHandler({
    config,
    log,
    rateLimiter: new TenantRateLimiter(config.limits.tenantPointsPerSecond, config.limits.tenantBurstPoints),
    metrics,
    logger,
    now: Date.now,
  });
  const { runner } = buildStandardService({
    config: config.service,
    logger,
    registry,
    tracing,
    reflection: strataPackageDefinition(),
    maxReceiveMessageLength: config.limits.maxRequestBytes,
    components: [{ name: 'kafka-producer', start: () => log.start(), stop: () => log.stop() }],
    grpcServices: [
      {
        name: 'strata.v1.IngestService',
        definition: tolerateMalformedRequests(IngestServiceService),
        implementation: createIngestService({ keys: config.apiKeys, handler, metrics, logger, tracer }),
      },
    ],
  });
  await runner.start();
});
