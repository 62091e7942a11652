import { status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { memoryLogger } from '@strata/runtime/testing';
import { FakeStrata } from '../test/fake-strata';
import type { ProbeSettings } from './config';
import { PROBE_SERIES, systemClock } from './probe';
import { ProbeHistory } from './probe-history';
import { Prober, SELF_REPORT_SERIES } from './prober';
import { ProberMetrics } from './prober-metrics';
import { GrpcStrataClient } from './strata-client';

const settings: ProbeSettings = { intervalMs: 10_000, timeoutMs: 1_000, rpcTimeoutMs: 300, instanceId: 'prober-7', selfReport: true };
const tenants = [
  { tenant: 'a', apiKey: 'key-a-0123456789' },
  { tenant: 'b', apiKey: 'key-b-0123456789' },
];

/** The value of one sample (`name` may be a histogram's `_count`), or undefined. */
async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const sample of metric.values as Array<{ labels: Record<string, unknown>; value: number; metricName?: string }>) {
      if ((sample.metricName ?? metric.name) !== name) continue;
      if (Object.entries(labels).every(([label, value]) => sample.labels[label] === value)) return sample.value;
    }
  }
  return undefined;
}

describe('Prober', () => {
  let strata: FakeStrata;
  let client: GrpcStrataClient;
  let registry: Registry;
  let metrics: ProberMetrics;
  let history: ProbeHistory;

  beforeEach(async () => {
    strata = new FakeStrata();
    const address = await strata.start();
    client = new GrpcStrataClient({ ingest: address, reader: address });
    registry = new Registry();
    metrics = new ProberMetrics(registry);
    history = new ProbeHistory({ retentionMs: 3_600_000, maxEntries: 1_000 });
  });

  afterEach(() => {
    client.close();
    strata.stop();
  });

  const prober = (overrides: Partial<ProbeSettings> = {}, logger = memoryLogger().logger) =>
    new Prober({ tenants, settings: { ...settings, ...overrides }, rpc: client, logger, clock: systemClock, metrics, history });

  it('probes every tenant, records the outcome in /metrics and the history, and writes the measurement back', async () => {
    strata.visibilityDelayMs = 20;
    const outcomes = await prober().probeAll();

    expect(outcomes.map((o) => [o.tenant, o.result])).toEqual([
      ['a', 'ok'],
      ['b', 'ok'],
    ]);
    expect(await metricValue(registry, 'strata_prober_probes_total', { tenant: 'a', result: 'ok' })).toBe(1);
    // Every result starts at 0, so ratios and rate() work before the first failure.
    expect(await metricValue(registry, 'strata_prober_probes_total', { tenant: 'b', result: 'read_error' })).toBe(0);
    expect(
      await metricValue(registry, 'strata_prober_time_to_readable_seconds_count', { tenant: 'a' }),
    ).toBe(1);
    expect(await metricValue(registry, 'strata_prober_last_success_timestamp_seconds', { tenant: 'b' })).toBeGreaterThan(Date.now() / 1_000 - 5);
    expect(history.since(0).map((r) => [r.tenant, r.result])).toEqual(
      expect.arrayContaining([
        ['a', 'ok'],
        ['b', 'ok'],
      ]),
    );

    // Each tenant's probe series carries the prober's instance id; the values differ.
    const probes = strata.written(PROBE_SERIES);
    expect(probes.map((s) => s.labels)).toEqual([[{ name: 'prober', value: 'prober-7' }], [{ name: 'prober', value: 'prober-7' }]]);
    expect(new Set(probes.map((s) => s.points[0].value)).size).toBe(2);

    const reports = strata.writes.filter((w) => w.request.series[0].name === SELF_REPORT_SERIES);
    expect(reports.map((w) => w.tenant).sort()).toEqual(['a', 'b']);
    const outcomeA = outcomes.find((o) => o.tenant === 'a')!;
    expect(reports.find((w) => w.tenant === 'a')!.request.series[0]).toEqual({
      name: SELF_REPORT_SERIES,
      labels: [{ name: 'tenant', value: 'a' }],
      points: [{ timestampMs: outcomeA.timestampMs, value: expect.closeTo(outcomeA.timeToReadableMs!, 2) }],
    });
    expect(await metricValue(registry, 'strata_prober_self_reports_total', { result: 'ok' })).toBe(2);
  });

  it('logs every failed probe with where it failed and why', async () => {
    strata.readAlwaysFails = status.UNIMPLEMENTED;
    const { logger, lines } = memoryLogger();
    await prober({}, logger).probeAll();

    const failures = lines().filter((l) => l['level'] === 'warn');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({ result: 'read_error', stage: 'read', readAttempts: 1 });
    expect(String(failures[0]['msg'])).toMatch(/^probe failed at the read \(reader\): read_error: reader refused the read \(UNIMPLEMENTED/);
    expect(await metricValue(registry, 'strata_prober_probes_total', { tenant: 'a', result: 'read_error' })).toBe(1);
    expect(strata.writes.some((w) => w.request.series[0].name === SELF_REPORT_SERIES)).toBe(false);
  });

  it('probes once per interval without waiting for slow probes, and stop() cuts in-flight probes short', async () => {
    strata.visibilityDelayMs = 60_000;
    const p = prober({ intervalMs: 100, timeoutMs: 10_000 });
    await p.start();
    await new Promise((resolve) => setTimeout(resolve, 350));
    const began = Date.now();
    await p.stop();

    expect(Date.now() - began).toBeLessThan(500);
    // Rounds at 0, 100, 200, 300 ms: 4 per tenant, all still polling when stopped.
    expect(strata.written(PROBE_SERIES).length).toBeGreaterThanOrEqual(6);
    // Outcomes of probes cut short by shutdown are not recorded as failures.
    expect(history.size).toBe(0);
    expect(await metricValue(registry, 'strata_prober_probes_total', { tenant: 'a', result: 'not_readable_in_time' })).toBe(0);
    expect(await metricValue(registry, 'strata_prober_in_flight_probes', {})).toBe(0);
  });
});
