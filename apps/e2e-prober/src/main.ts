import { buildStandardService, createLogger, createMetricsRegistry, runMain } from '@strata/runtime';
import { checkComponents } from './component-status';
import { loadProberConfig } from './config';
import { renderStatusPage } from './status-page';

runMain(async () => {
  const config = loadProberConfig(process.env);
  const logger = createLogger({ service: 'e2e-prober', level: config.service.logLevel });
  const { runner } = buildStandardService({
    config: config.service,
    logger,
    registry: createMetricsRegistry('e2e-prober'),
    routes: async (req, res) => {
      if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/') return false;
      const statuses = await checkComponents(config.components, { timeoutMs: config.statusTimeoutMs });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(renderStatusPage(statuses, new Date()));
      return true;
    },
  });
  await runner.start();
});
