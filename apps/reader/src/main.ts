import { QueryServiceService, strataPackageDefinition } from '@strata/proto';
import { buildStandardService, createLogger, createMetricsRegistry, DEVELOPMENT_API_KEY, runMain } from '@strata/runtime';
import { loadReaderConfig } from './config';
import { createQueryService } from './query-service';

runMain(async () => {
  const config = loadReaderConfig(process.env);
  const logger = createLogger({ service: 'reader', level: config.service.logLevel });
  if (config.apiKeys.usesDevelopmentKey) {
    logger.warn({ apiKey: DEVELOPMENT_API_KEY, tenant: 'dev' }, 'STRATA_API_KEYS is not set: accepting only the development key');
  }
  const { runner } = buildStandardService({
    config: config.service,
    logger,
    registry: createMetricsRegistry('reader'),
    reflection: strataPackageDefinition(),
    grpcServices: [
      {
        name: 'strata.v1.QueryService',
        definition: QueryServiceService,
        implementation: createQueryService({ keys: config.apiKeys, logger }),
      },
    ],
  });
  await runner.start();
});
