import { IngestServiceService, strataPackageDefinition } from '@strata/proto';
import { buildStandardService, createLogger, createMetricsRegistry, DEVELOPMENT_API_KEY, runMain } from '@strata/runtime';
import { loadIngestConfig } from './config';
import { createIngestService } from './ingest-service';

runMain(async () => {
  const config = loadIngestConfig(process.env);
  const logger = createLogger({ service: 'ingest', level: config.service.logLevel });
  if (config.apiKeys.usesDevelopmentKey) {
    logger.warn({ apiKey: DEVELOPMENT_API_KEY, tenant: 'dev' }, 'STRATA_API_KEYS is not set: accepting only the development key');
  }
  const { runner } = buildStandardService({
    config: config.service,
    logger,
    registry: createMetricsRegistry('ingest'),
    reflection: strataPackageDefinition(),
    grpcServices: [
      {
        name: 'strata.v1.IngestService',
        definition: IngestServiceService,
        implementation: createIngestService({ keys: config.apiKeys, logger }),
      },
    ],
  });
  await runner.start();
});
