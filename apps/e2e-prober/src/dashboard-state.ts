import type { ProberConfig } from './config';
import type { ComponentView, DashboardState, OverallStatus, ProbeRecord, ProbeSummary } from './dashboard-contract';
import { rollingQuantiles, summarize, type ProbeHistory } from './probe-history';

const FIVE_MINUTES = 5 * 60_000;

/** Probes never fail silently on the page: the newest failing probe makes the page "failing". */
function overall(latest: Record<string, ProbeRecord>, recent: ProbeSummary, components: readonly ComponentView[]) {
  const reasons: string[] = [];
  for (const record of Object.values(latest)) {
    if (record.result !== 'ok') reasons.push(`latest probe of ${record.tenant} failed: ${record.result}`);
  }
  const failing = reasons.length > 0;
  if (recent.failed > 0) reasons.push(`${recent.failed} of ${recent.probes} probes failed in the last 5 minutes`);
  for (const component of components) {
    if (!component.ready) reasons.push(`${component.name} is not ready: ${component.problems.join('; ') || 'no reason given'}`);
  }
  const status: OverallStatus = Object.keys(latest).length === 0 ? 'starting' : failing ? 'failing' : reasons.length > 0 ? 'degraded' : 'ok';
  return { status, reasons };
}

export function buildDashboardState(input: {
  config: Pick<ProberConfig, 'probe' | 'tenants' | 'historyMs' | 'ingestAddress' | 'readerAddress'>;
  history: ProbeHistory;
  components: readonly ComponentView[];
  nowMs: number;
}): DashboardState {
  const { config, history, components, nowMs } = input;
  const fromMs = nowMs - config.historyMs;
  const probes = history.since(fromMs);
  const latest: Record<string, ProbeRecord> = {};
  for (const record of probes) latest[record.tenant] = record;
  // One quantile point per probe interval (1 s to 1 min), each over the last 30 intervals
  // (at least a minute): enough probes per tenant for a p99 that is not just the maximum.
  const stepMs = Math.min(60_000, Math.max(1_000, config.probe.intervalMs));
  const windowMs = Math.max(60_000, 30 * stepMs);
  const last5m = summarize(probes.filter((r) => r.t >= nowMs - FIVE_MINUTES));
  return {
    generatedAt: nowMs,
    ...overall(latest, last5m, components),
    prober: {
      instanceId: config.probe.instanceId,
      intervalMs: config.probe.intervalMs,
      timeoutMs: config.probe.timeoutMs,
      tenants: config.tenants.map((t) => t.tenant),
      ingestAddress: config.ingestAddress,
      readerAddress: config.readerAddress,
    },
    window: { fromMs, toMs: nowMs },
    probes,
    quantiles: { stepMs, windowMs, points: rollingQuantiles(probes, { fromMs, toMs: nowMs, stepMs, windowMs }) },
    summary: { last5m, window: summarize(probes) },
    latest,
    components,
  };
}
