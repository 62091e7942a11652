import { Registry } from 'prom-client';
import { createLogger } from '@strata/runtime';
import type { MetricMetadataEntry } from '@strata/storage/hot';
import { IngestMetrics } from './ingest-metrics';
import { MAX_HELP_CHARS, MetricMetadataRecorder } from './metric-metadata-recorder';

const gauge = (help: string): MetricMetadataEntry => ({ type: 'gauge', help, unit: '' });
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('MetricMetadataRecorder', () => {
  function setup(put: (tenant: string, entries: ReadonlyMap<string, MetricMetadataEntry>) => Promise<number>) {
    const registry = new Registry();
    const metrics = new IngestMetrics(registry);
    const calls: Array<[string, string[]]> = [];
    const recorder = new MetricMetadataRecorder({
      store: { put: (tenant, entries) => (calls.push([tenant, [...entries.keys()]]), put(tenant, entries)) },
      metrics,
      logger: createLogger({ service: 'spec', level: 'silent' }),
      cacheSize: 100,
    });
    return { recorder, calls, registry };
  }

  it('writes a description once, and again only when it changes, per tenant', async () => {
    const { recorder, calls } = setup(async () => 0);
    recorder.record('a', new Map([['up', gauge('1 if up')], ['load', gauge('load')]]));
    await settle();
    recorder.record('a', new Map([['up', gauge('1 if up')], ['load', gauge('load average')]]));
    recorder.record('b', new Map([['up', gauge('1 if up')]]));
    await settle();
    expect(calls).toEqual([
      ['a', ['up', 'load']],
      ['a', ['load']],
      ['b', ['up']],
    ]);
  });

  it('counts failures and refusals and never throws into the write path', async () => {
    const failing = setup(async () => {
      throw new Error('connection refused');
    });
    expect(() => failing.recorder.record('a', new Map([['up', gauge('x')]]))).not.toThrow();
    await settle();
    expect(await failing.registry.getSingleMetricAsString('strata_ingest_metadata_writes_total')).toContain('result="error"} 1');
    // Not remembered as written: the next request tries again.
    failing.recorder.record('a', new Map([['up', gauge('x')]]));
    expect(failing.calls).toHaveLength(2);

    const limited = setup(async () => 2);
    limited.recorder.record('a', new Map([['x', gauge('x')], ['y', gauge('y')], ['long', gauge('h'.repeat(MAX_HELP_CHARS + 1))], ['at-limit', gauge('h'.repeat(MAX_HELP_CHARS))]]));
    await settle();
    const refused = await limited.registry.getSingleMetricAsString('strata_ingest_metadata_refused_total');
    expect(refused).toContain('strata_ingest_metadata_refused_total{tenant="a",reason="tenant_limit"} 2');
    expect(refused).toContain('strata_ingest_metadata_refused_total{tenant="a",reason="too_long"} 1');
    expect(limited.calls).toEqual([['a', ['x', 'y', 'at-limit']]]);
  });
});
