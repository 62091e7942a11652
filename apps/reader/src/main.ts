import { availableParallelism } from 'node:os';
import { QueryServiceService, strataPackageDefinition } from '@strata/proto';
import { probeReadiness, runMain, startService, tolerateMalformedRequests, workerEntry, type Lifecycle } from '@strata/runtime';
import { traceAwsClient } from '@strata/storage';
import { ColdReader, createColdS3 } from '@strata/storage/cold';
import { checkRedis, createHotRedis, HotTierState, LateWriteLedger, RedisHotReader, RedisMetricMetadataStore, RedisSeriesCatalog, traceRedisPipelines } from '@strata/storage/hot';
import { createDynamoDb, DynamoWarmStore } from '@strata/storage/warm';
import { ColdArchivedSeries } from './archived-series';
import { ChunkDecoderSwitch } from './chunk-decoder';
import { ColdTierSource } from './cold-source';
import { loadReaderConfig } from './config';
import { DecodePool } from './decode-pool';
import { Fetcher } from './fetcher';
import { HotTierWatch } from './hot-tier-watch';
import { createQueryService } from './query-service';
import { ReadHandler } from './read-handler';
import { prometheusApiRoutes } from './prometheus-api-door';
import { PromqlPool } from './promql-pool';
import { PromqlQueries } from './promql-queries';
import { remoteReadRoute } from './remote-read-door';
import { ReadLimiter } from './read-limits';
import { TenantCredits } from './tenant-credits';
import { ReaderMetrics } from './reader-metrics';
import { LabelIndex } from './label-index';
import { SeriesLister } from './series-lister';
import { HotTierSource, WarmTierSource } from './tier-sources';
import { traceTierSource } from './traced-tier-source';
import { WarmChunkCache } from './warm-cache';
import { WarmPruner } from './warm-pruner';

runMain(async () => {
  const config = loadReaderConfig(process.env, { cores: availableParallelism() });
  const { logger, tracer, registry, buildService } = await startService('reader', config);
  const metrics = new ReaderMetrics(registry);
  // One retry, then fail: a read waiting on a Redis that is down should fail fast.
  const redis = traceRedisPipelines(createHotRedis(config.redis), tracer);
  const dynamo = traceAwsClient(createDynamoDb({ endpoint: config.dynamodb.endpoint, region: config.dynamodb.region }), tracer);
  const hot = new RedisHotReader(redis, { windowMs: config.windowMs });
  const warm = new DynamoWarmStore(dynamo, { tableName: config.dynamodb.table });
  const s3 = config.cold ? createColdS3(config.cold.s3) : undefined;
  if (s3) traceAwsClient(s3.client, tracer);
  const cold =
    config.cold && s3
      ? new ColdReader(s3.store, {
          keys: s3.keys,
          manifestTtlMs: config.cold.manifestTtlMs,
          indexCacheBytes: config.cold.indexCacheBytes,
          sectionCacheBytes: config.cold.sectionCacheBytes,
          sectionReadAheadBytes: config.cold.sectionReadAheadBytes,
          concurrency: config.cold.concurrency,
          events: {
            onRequest: (kind, bytes) => {
              metrics.coldRequests.inc({ kind });
              metrics.coldBytes.inc({ kind }, bytes);
            },
            onCache: (kind, hit) => metrics.coldCache.inc({ kind, result: hit ? 'hit' : 'miss' }),
          },
        })
      : undefined;
  // __dirname is dist/apps/reader in the bundle (decode.worker.js beside main.js) and
  // apps/reader/src under tsx (decode.worker.ts).
  const pool =
    config.decode.workers > 0
      ? new DecodePool({ entry: workerEntry(__dirname, 'decode'), size: config.decode.workers, maxQueue: config.decode.maxQueue, logger, metrics })
      : undefined;
  const promqlPool =
    config.promql.workers > 0 ? new PromqlPool({ entry: workerEntry(__dirname, 'promql'), size: config.promql.workers, maxQueue: config.promql.maxQueue, logger }) : undefined;
  const coldSource = cold ? new ColdTierSource(cold) : undefined;
  const ledger = new LateWriteLedger(redis);
  const warmCache =
    config.warmCacheBytes > 0
      ? new WarmChunkCache(warm, ledger, {
          maxBytes: config.warmCacheBytes,
          onLookup: (result) => metrics.warmCache.inc({ result }),
          onLedgerError: (error) => logger.debug({ err: error }, 'could not read the late-write ledger; the warm tier is queried without its cache'),
        })
      : undefined;
  const fetcher = new Fetcher({
    sources: [new HotTierSource(hot, new TenantCredits(config.tenantHotCommands)), new WarmTierSource(warm, warmCache), ...(coldSource ? [coldSource] : [])].map((s) =>
      traceTierSource(s, tracer),
    ),
    decoder: new ChunkDecoderSwitch(pool, config.decode.inlineMaxChunks, metrics),
    tierTimeoutMs: config.tierTimeoutMs,
    metrics,
  });
  // One limiter for Reads and listings (and later PromQL): one tenant's load queues behind its own.
  const limiter = new ReadLimiter(config.admission, metrics.admission);
  const hotTier = new HotTierWatch(new HotTierState(redis), {
    ttlMs: config.hotStateTtlMs,
    onStatus: (status) => metrics.hotTierRebuilding.set(status.complete ? 0 : 1),
  });
  const reads = new ReadHandler({
    fetcher,
    limiter,
    hotTier,
    ...(coldSource && { warmPruner: new WarmPruner({ ledger, cold: coldSource, metrics, logger }) }),
    settings: {
      limits: config.limits,
      concurrency: config.concurrency,
      retention: config.retention,
      planner: { windowMs: config.windowMs, hotRetentionMs: config.hotRetentionMs, sealGraceMs: config.sealGraceMs, futureGraceMs: config.futureGraceMs, cold: cold !== undefined },
    },
    metrics,
    logger,
    now: Date.now,
  });
  const labelIndex = new LabelIndex({
    catalog: new RedisSeriesCatalog(redis),
    ...(cold && { archived: new ColdArchivedSeries(cold) }),
    firstKeptDay: (tenant, nowMs) => config.retention.firstKeptDay(tenant, nowMs),
    followMs: config.indexFollow.everyMs,
    followIdleMs: config.indexFollow.idleMs,
    followTenants: config.indexFollow.tenants,
  });
  const lister = new SeriesLister({
    index: labelIndex,
    limiter,
    limits: { maxResults: config.limits.maxListSeries, ...config.listing },
    metrics,
  });
  const components: Lifecycle[] = [
    ...(pool ? [{ name: 'decode-pool', start: () => pool.start(), stop: () => pool.stop() }] : []),
    ...(promqlPool ? [{ name: 'promql-pool', start: () => promqlPool.start(), stop: () => promqlPool.stop() }] : []),
    { name: 'label-index-follow', start: async () => labelIndex.start(), stop: async () => labelIndex.stop() },
    {
      name: 'storage-clients',
      start: async () => undefined,
      stop: async () => {
        redis.disconnect();
        dynamo.destroy();
        s3?.client.destroy();
      },
    },
  ];
  const { runner } = buildService({
    reflection: strataPackageDefinition(),
    components,
    // Only Redis gates readiness: without DynamoDB or S3 the reader still answers, with warnings.
    readinessChecks: probeReadiness({ redis: () => checkRedis(redis) }),
    grpcServices: [
      {
        name: 'strata.v1.QueryService',
        definition: tolerateMalformedRequests(QueryServiceService),
        implementation: createQueryService({ keys: config.apiKeys, reads, lister, metrics, logger, tracer }),
      },
    ],
    httpApi: {
      port: config.httpApiPort,
      routes: [
        remoteReadRoute({ keys: config.apiKeys, reads, lister, metrics, logger }),
        ...prometheusApiRoutes({
          keys: config.apiKeys,
          lister,
          logger,
          maxSeries: config.limits.maxListSeries,
          requests: metrics.prometheusApiRequests,
          promql: new PromqlQueries({ lister, reads, limits: config.promql, ...(promqlPool && { pool: promqlPool }) }),
          // Read only here (ingest writes it); the options bound writes.
          metadata: new RedisMetricMetadataStore(redis, { maxPerTenant: 10_000, ttlMs: 26 * 3_600_000 }),
        }),
      ],
    },
  });
  await runner.start();
});
