import { buildStandardService, createLogger, createMetricsRegistry, runMain } from '@strata/runtime';
import { loadArchiverConfig } from './config';

// The archiver serves no Strata RPC; its gRPC port carries health (for native Kubernetes
// probes) and reflection only. The scheduled archive runs are added as a component.
runMain(async () => {
  const config = loadArchiverConfig(process.env);
  const logger = createLogger({ service: 'archiver', level: config.service.logLevel });
  const { runner } = buildStandardService({ config: config.service, logger, registry: createMetricsRegistry('archiver') });
  await runner.start();
});
