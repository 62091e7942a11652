import type { ProberConfig } from './config';
import type { ComponentView, ProbeRecord } from './dashboard-contract';
import { buildDashboardState } from './dashboard-state';
import { ProbeHistory } from './probe-history';

const NOW = 10_000_000;
const config: Pick<ProberConfig, 'probe' | 'tenants' | 'historyMs' | 'ingestAddress' | 'readerAddress'> = {
  probe: { intervalMs: 10_000, timeoutMs: 30_000, rpcTimeoutMs: 5_000, instanceId: 'p-1', selfReport: true },
  tenants: [{ tenant: 'dev', apiKey: 'secret-key-never-shown' }],
  historyMs: 3_600_000,
  ingestAddress: '127.0.0.1:7001',
  readerAddress: '127.0.0.1:7002',
};
const component = (name: string, ready: boolean): ComponentView => ({
  name,
  opsUrl: `http://${name}:9000`,
  ready,
  problems: ready ? [] : ['redis: down'],
  checkedAt: NOW,
  figures: [],
});
const probe = (t: number, result: ProbeRecord['result'] = 'ok', ms = 12): ProbeRecord => ({
  t,
  tenant: 'dev',
  result,
  ms,
  writeAttempts: 1,
  readAttempts: 3,
});

function state(records: ProbeRecord[], components: ComponentView[] = [component('reader', true)]) {
  const history = new ProbeHistory({ retentionMs: config.historyMs, maxEntries: 1_000 });
  records.forEach((r) => history.add(r));
  return buildDashboardState({ config, history, components, nowMs: NOW });
}

describe('buildDashboardState', () => {
  it.each([
    ['starting before the first probe', [], true, 'starting'],
    ['ok when the probes pass and every component is ready', [probe(NOW - 20_000), probe(NOW - 10_000)], true, 'ok'],
    ['degraded when a component is not ready', [probe(NOW - 10_000)], false, 'degraded'],
    ['degraded when a probe failed recently but the latest passed', [probe(NOW - 20_000, 'read_error'), probe(NOW - 10_000)], true, 'degraded'],
    ['failing when the latest probe failed', [probe(NOW - 20_000), probe(NOW - 10_000, 'not_readable_in_time')], true, 'failing'],
  ])('is %s', (_case, records, readerReady, expected) => {
    expect(state(records, [component('reader', readerReady)]).status).toBe(expected);
  });

  it('serves the probes of the window, p50/p99 per step and the summaries, and never the API keys', () => {
    const records = Array.from({ length: 30 }, (_, i) => probe(NOW - 300_000 + i * 10_000, 'ok', 10 + i));
    const s = state([probe(NOW - 7_200_000), ...records, probe(NOW - 5_000, 'write_unavailable', 30_000)]);
    expect(s.probes).toHaveLength(31);
    expect(s.summary.last5m).toMatchObject({ probes: 31, ok: 30, failed: 1 });
    expect(s.quantiles.stepMs).toBe(10_000);
    expect(s.quantiles.points.length).toBeGreaterThan(20);
    expect(s.latest['dev'].result).toBe('write_unavailable');
    expect(s.reasons).toEqual(['latest probe of dev failed: write_unavailable', '1 of 31 probes failed in the last 5 minutes']);
    expect(JSON.stringify(s)).not.toContain('secret-key-never-shown');
  });
});
