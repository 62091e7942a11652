import { buildStandardService, createLogger, createMetricsRegistry, runMain } from '@strata/runtime';
import { loadWriterConfig } from './config';

// The writer serves no Strata RPC; its gRPC port carries health (for native Kubernetes
// probes) and reflection only. The consumer and tier projections are added as components.
runMain(async () => {
  const config = loadWriterConfig(process.env);
  const logger = createLogger({ service: 'writer', level: config.service.logLevel });
  const { runner } = buildStandardService({ config: config.service, logger, registry: createMetricsRegistry('writer') });
  await runner.start();
});
