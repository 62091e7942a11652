import { Registry } from 'prom-client';
import { HotTierFailedError } from './errors';
import { TierFanout } from './fanout';
import { planRead, type TierName } from './planner';
import { ReaderMetrics } from './reader-metrics';
import type { SeriesRef } from './read-request';
import { HOUR, NOW, W } from '../test/reader-harness';
import type { TierAnswer, TierSource } from './tier-sources';

const DAY = 24 * HOUR;
const dayStart = (ms: number) => Math.floor(ms / DAY) * DAY;
const ref: SeriesRef = { key: 'cpu', name: 'cpu', labels: [] };
const settings = { windowMs: W, hotRetentionMs: 26 * HOUR, futureGraceMs: 0 };
/** The last hour (hot and warm) and two hours two days back (warm only). */
const recent = planRead(NOW - HOUR, NOW, settings, NOW);
const old = planRead(NOW - 48 * HOUR, NOW - 46 * HOUR, settings, NOW);

/** A tier that answers nothing, or fails with `error`, or never answers. */
function source(tier: TierName, behaviour: 'ok' | 'fail' | 'hang' = 'ok'): TierSource {
  return {
    tier,
    windowUnit: (windowMs) => ({ name: 'window', ms: windowMs }),
    fetch: (): Promise<TierAnswer> =>
      behaviour === 'ok' ? Promise.resolve({ windows: [] }) : behaviour === 'fail' ? Promise.reject(new Error(`${tier} broke`)) : new Promise(() => undefined),
  };
}

const fanout = (...sources: TierSource[]) => new TierFanout(sources, { tierTimeoutMs: 50, metrics: new ReaderMetrics(new Registry()) });

async function read(f: TierFanout, plan = recent) {
  return f.fetch('acme', ref, plan, f.legs(plan), (range) => ({ range, windowMs: W }), undefined);
}

describe('TierFanout', () => {
  it('fails the read when the first source (the primary) fails, with its error as the cause', async () => {
    const failed = read(fanout(source('hot', 'fail'), source('warm')));
    await expect(failed).rejects.toBeInstanceOf(HotTierFailedError);
    await expect(failed).rejects.toMatchObject({ cause: new Error('hot broke') });
  });

  it.each([
    ['fails', 'fail', 'error', 'warm broke'],
    ['times out', 'hang', 'timeout', 'warm tier (DynamoDB) gave no answer within 50 ms (STRATA_READ_TIER_TIMEOUT_MS)'],
  ] as const)('answers with a failure naming what is missing when a secondary %s', async (_, behaviour, kind, reason) => {
    const { answers, failures } = await read(fanout(source('hot'), source('warm', behaviour)));
    expect(answers).toEqual([{ windows: [] }, { windows: [] }]);
    // The hot tier covers the whole last hour: the warm tier's failure leaves no gap there.
    expect(failures).toEqual([{ tier: 'warm', kind, reason, fromMs: NOW - HOUR, toMs: NOW - HOUR }]);
  });

  it('has no primary in a plan without the primary tier: every failure there is a warning', async () => {
    expect(old.tiers.map((t) => t.tier)).toEqual(['warm']);
    const { failures } = await read(fanout(source('hot'), source('warm', 'fail')), old);
    expect(failures).toEqual([{ tier: 'warm', kind: 'error', reason: 'warm broke', fromMs: old.fromMs, toMs: old.toMs }]);
  });

  it('chooses the primary by position, not by name', async () => {
    await expect(read(fanout(source('warm', 'fail'), source('hot')))).rejects.toBeInstanceOf(HotTierFailedError);
  });

  it('reports a corrupt chunk of a secondary for its own window unit', () => {
    const f = fanout(source('hot'), source('warm'), { ...source('cold'), windowUnit: () => ({ name: 'day', ms: DAY }) });
    // From noon five days back to noon the next day: warm and cold (its first day only, the second is too young).
    const plan = planRead(NOW - 5 * DAY, NOW - 4 * DAY, { ...settings, cold: true }, NOW);
    const [, cold] = f.legs(plan);
    expect(cold.range).toMatchObject({ tier: 'cold', fromStart: dayStart(NOW - 5 * DAY) });
    expect(f.corruptChunk('acme', ref, plan, cold, cold.range.fromStart, 'bad checksum')).toEqual({
      tier: 'cold',
      kind: 'corrupt',
      reason: `the chunk of the day at ${new Date(cold.range.fromStart).toISOString()} is corrupt (bad checksum)`,
      fromMs: NOW - 5 * DAY,
      toMs: cold.range.fromStart + DAY,
    });
  });
});
