import { hostname } from 'node:os';
import { runMain, startService } from '@strata/runtime';
import { ComponentWatcher } from './component-watcher';
import { loadProberConfig } from './config';
import { findAssetsDir, loadDashboardAssets } from './dashboard-assets';
import { dashboardRoutes } from './dashboard-routes';
import { buildDashboardState } from './dashboard-state';
import { systemClock } from './probe';
import { ProbeHistory } from './probe-history';
import { Prober } from './prober';
import { ProberMetrics } from './prober-metrics';
import { GrpcStrataClient } from './strata-client';

runMain(async () => {
  const config = loadProberConfig(process.env, { hostname: hostname() });
  // `--once` (helm test): one probe per tenant, exit 0 when every point was readable; no spans.
  const once = process.argv.slice(2).includes('--once');
  const { logger, tracer, registry, buildService } = await startService('e2e-prober', config, { exportSpans: !once });
  const rpc = new GrpcStrataClient({ ingest: config.ingestAddress, reader: config.readerAddress });
  const tenants = config.tenants.map((t) => t.tenant);

  if (once) {
    const prober = new Prober({ tenants: config.tenants, settings: { ...config.probe, selfReport: false }, rpc, logger, clock: systemClock });
    const outcomes = await prober.probeAll();
    rpc.close();
    for (const o of outcomes.filter((o) => o.result === 'ok')) {
      logger.info({ tenant: o.tenant, ms: Math.round(o.timeToReadableMs ?? 0), readAttempts: o.readAttempts }, 'probe ok: the point is readable');
    }
    process.exit(outcomes.every((o) => o.result === 'ok') ? 0 : 1);
  }

  const metrics = new ProberMetrics(registry);
  // Enough room for the history span at the configured interval, twice over; never unbounded.
  const history = new ProbeHistory({
    retentionMs: config.historyMs,
    maxEntries: Math.min(200_000, Math.ceil((2 * config.historyMs) / config.probe.intervalMs) * tenants.length),
  });
  const prober = new Prober({
    tenants: config.tenants,
    settings: config.probe,
    rpc,
    logger,
    clock: systemClock,
    metrics,
    history,
    tracer,
  });
  const watcher = new ComponentWatcher({
    targets: config.components,
    intervalMs: config.statusIntervalMs,
    timeoutMs: config.statusTimeoutMs,
    logger,
    metrics,
  });
  const assets = loadDashboardAssets(findAssetsDir(__dirname));
  logger.info(
    { tenants, ingest: config.ingestAddress, reader: config.readerAddress, intervalMs: config.probe.intervalMs, instance: config.probe.instanceId },
    `probing every ${config.probe.intervalMs} ms; dashboard on http://${config.service.host}:${config.service.opsPort}/`,
  );
  const { runner } = buildService({
    components: [
      { name: 'component-watcher', start: () => watcher.start(), stop: () => watcher.stop() },
      { name: 'prober', start: () => prober.start(), stop: async () => prober.stop().finally(() => rpc.close()) },
    ],
    routes: dashboardRoutes({
      assets,
      state: () => buildDashboardState({ config, history, components: watcher.views(), nowMs: Date.now() }),
    }),
  });
  await runner.start();
});
