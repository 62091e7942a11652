import { Registry } from 'prom-client';
import { createLogger } from '@strata/runtime';
import { planRead, type PlannerSettings, type TierName } from './planner';
import { ReaderMetrics } from './reader-metrics';
import { WarmPruner } from './warm-pruner';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const settings: PlannerSettings = { windowMs: 4 * HOUR, hotRetentionMs: 26 * HOUR, futureGraceMs: 10 * 60_000, cold: true };
const TODAY = Math.floor(Date.UTC(2026, 10, 23) / DAY);
const now = TODAY * DAY + 12.5 * HOUR;

/** A pruner whose manifests list `archived` and whose ledger calls `clean` clean. */
function pruner(archived: number[], clean: number[], fail?: 'redis' | 's3' | 'slow') {
  const metrics = new ReaderMetrics(new Registry());
  const stall = () => new Promise<never>(() => undefined);
  const p = new WarmPruner({
    cold: {
      archivedDays: async (_t, from, to) => {
        if (fail === 's3') throw new Error('S3 unreachable');
        return archived.filter((d) => d >= from && d <= to);
      },
    },
    ledger: {
      cleanDays: async (_t, days) => {
        if (fail === 'redis') throw new Error('ECONNREFUSED');
        if (fail === 'slow') return stall();
        return new Set(days.filter((d) => clean.includes(d)));
      },
    },
    metrics,
    logger: createLogger({ service: 'spec', level: 'silent' }),
    timeoutMs: 50,
  });
  return { p, metrics };
}

const tiers = (plan: { tiers: ReadonlyArray<{ tier: TierName }> }) => plan.tiers.map((t) => t.tier);
const days = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('WarmPruner', () => {
  // One day from noon five days ago: days TODAY-5 and TODAY-4.
  const oldDay = planRead((TODAY - 5) * DAY + 12 * HOUR, (TODAY - 4) * DAY + 12 * HOUR, settings, now);

  it.each([
    { name: 'both days archived and clean: no DynamoDB Query', archived: days(TODAY - 10, TODAY - 3), clean: days(TODAY - 10, TODAY - 3), want: ['cold'], result: 'skipped' },
    { name: 'a day with late chunks not archived yet', archived: days(TODAY - 10, TODAY - 3), clean: [TODAY - 5], want: ['warm', 'cold'], result: 'queried' },
    { name: 'a day the manifests do not list (archived after this reader read them)', archived: [TODAY - 5], clean: days(TODAY - 10, TODAY - 3), want: ['warm', 'cold'], result: 'queried' },
    { name: 'nothing archived', archived: [], clean: [], want: ['warm', 'cold'], result: 'queried' },
  ])('$name', async ({ archived, clean, want, result }) => {
    const { p, metrics } = pruner(archived, clean);
    expect(tiers(await p.prune('acme', oldDay))).toEqual(want);
    expect((await metrics.warmPruning.get()).values.find((v) => v.labels.result === result)?.value).toBe(1);
  });

  it.each(['redis', 's3', 'slow'] as const)('keeps the Query when the lookup fails (%s)', async (fail) => {
    const { p, metrics } = pruner(days(TODAY - 10, TODAY - 3), days(TODAY - 10, TODAY - 3), fail);
    expect(tiers(await p.prune('acme', oldDay))).toEqual(['warm', 'cold']);
    expect((await metrics.warmPruning.get()).values.find((v) => v.labels.result === 'error')?.value).toBe(1);
  });

  it.each([
    { name: 'the last hour (hot tier in the plan)', from: now - HOUR, to: now },
    { name: 'a range reaching into days too young for S3', from: (TODAY - 3) * DAY, to: now },
  ])('leaves a plan alone without asking: $name', async ({ from, to }) => {
    const everything = days(TODAY - 30, TODAY);
    const { p, metrics } = pruner(everything, everything);
    const plan = planRead(from, to, settings, now);
    expect(await p.prune('acme', plan)).toBe(plan);
    expect((await metrics.warmPruning.get()).values).toEqual([]);
  });

  it('keeps a rollup plan whole apart from the Query', async () => {
    const plan = planRead((TODAY - 40) * DAY, (TODAY - 10) * DAY, settings, now, 300_000);
    const everything = days(TODAY - 60, TODAY - 3);
    const pruned = await pruner(everything, everything).p.prune('acme', plan);
    expect(tiers(pruned)).toEqual(['cold']);
    expect(pruned.rollup).toEqual(plan.rollup);
    expect(pruned.tiers[0]).toBe(plan.tiers.find((t) => t.tier === 'cold'));
  });
});
