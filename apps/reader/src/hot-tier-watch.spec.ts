import { status } from '@grpc/grpc-js';
import type { HotTierStatus } from '@strata/storage/hot';
import { toGrpcStatus } from './grpc-status';
import { HotTierWatch } from './hot-tier-watch';
import { HOUR, NOW, readerHarness, W } from '../test/reader-harness';

const WHOLE: HotTierStatus = { initialised: true, rebuildingPartitions: [], complete: true };
const REBUILDING: HotTierStatus = { initialised: true, rebuildingPartitions: [0, 3], complete: false };

/** A state source whose answer the test sets, counting lookups. */
function source(initial: HotTierStatus | Error) {
  const state = { current: initial, lookups: 0 };
  return {
    state,
    status: async () => {
      state.lookups++;
      if (state.current instanceof Error) throw state.current;
      return state.current;
    },
  };
}

describe('HotTierWatch', () => {
  it('warns naming the partitions while the hot tier is rebuilt, and not once it is whole', async () => {
    const s = source(REBUILDING);
    let clock = 0;
    const watch = new HotTierWatch(s, { ttlMs: 1_000, now: () => clock });
    expect(await watch.warning()).toMatch(/^hot tier \(Redis\) is being rebuilt from the log after it lost its data \(partitions 0, 3\); points of the last hours/);
    s.state.current = { initialised: true, rebuildingPartitions: [7], complete: false };
    clock = 1_000;
    expect(await watch.warning()).toMatch(/\(partition 7\)/);
    s.state.current = { initialised: false, rebuildingPartitions: [], complete: false };
    clock = 2_000;
    expect(await watch.warning()).toMatch(/has not been checked by a writer/);
    s.state.current = WHOLE;
    clock = 3_000;
    expect(await watch.warning()).toBeUndefined();
  });

  it('reads the state at most once per ttl however many reads ask', async () => {
    const s = source(REBUILDING);
    let clock = 0;
    const watch = new HotTierWatch(s, { ttlMs: 1_000, now: () => clock });
    await Promise.all(Array.from({ length: 50 }, () => watch.warning()));
    clock = 999;
    await watch.warning();
    expect(s.state.lookups).toBe(1);
    clock = 1_000;
    await watch.warning();
    expect(s.state.lookups).toBe(2);
  });

  it('fails like the hot tier when the state cannot be read (UNAVAILABLE), and does not cache the failure', async () => {
    const s = source(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    const watch = new HotTierWatch(s, { ttlMs: 1_000, now: () => 0 });
    const error = await watch.warning().catch((e: unknown) => e);
    expect(toGrpcStatus(error)).toMatchObject({ code: status.UNAVAILABLE, details: expect.stringMatching(/h:\{state\}.*ECONNREFUSED/) });
    s.state.current = WHOLE;
    expect(await watch.warning()).toBeUndefined();
  });
});

describe('ReadHandler with the hot tier being rebuilt', () => {
  const collect = async (h: ReturnType<typeof readerHarness>, fromMs: number, toMs: number) => {
    const warnings: string[] = [];
    for await (const m of h.reads.read('acme', { matchers: [], series: [{ name: 'cpu', labels: [] }], fromMs, toMs, stepMs: 0, aggregation: 0 })) warnings.push(...m.warnings);
    return warnings;
  };

  it('adds the warning to a read overlapping the hot span, even one that finds no points, and to no other read', async () => {
    const s = source(REBUILDING);
    const h = readerHarness({ hotState: s });
    h.warm.put('acme', 'cpu', NOW - 10 * 24 * HOUR - (NOW % W), [[NOW - 10 * 24 * HOUR, 1]]);
    const recent = await collect(h, NOW - HOUR, NOW);
    expect(recent).toEqual([expect.stringMatching(/hot tier \(Redis\) is being rebuilt .*\(partitions 0, 3\)/)]);
    // Ten days ago: Redis never held it, so its rebuild cannot make it incomplete.
    expect(await collect(h, NOW - 11 * 24 * HOUR, NOW - 9 * 24 * HOUR)).toEqual([]);
    s.state.current = WHOLE;
    const whole = readerHarness({ hotState: s });
    expect(await collect(whole, NOW - HOUR, NOW)).toEqual([]);
    expect(await h.registry.getSingleMetricAsString('strata_reader_warnings_total')).toMatch(/tier="hot"} 1/);
  });
});
