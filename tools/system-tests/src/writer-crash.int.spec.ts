import { pollUntil } from '@strata/testing';
import { AckLedger } from './harness/ack-ledger';
import { describeCheck } from './harness/ledger-check';
import { recentPastPlan } from './harness/load-plan';
import { latestAssignment } from './harness/service-log';
import { Sampler } from './harness/sampler';
import { StrataSystem } from './harness/strata-system';

// A writer killed -9 mid-load, restarted; a second writer joining and leaving the group.
// Kafka holds every acknowledged point, so whatever the writers go through, the tiers
// must end up with each of them exactly once, with its last written value.

describe('writer crash and consumer-group rebalancing under sustained writes', () => {
  let system: StrataSystem | undefined;

  beforeAll(async () => {
    system = await StrataSystem.start({ name: 'writer-crash', baseEnv: process.env, keepDir: process.env['STRATA_SYSTEM_TESTS_KEEP'] === '1' });
  }, 180_000);

  afterAll(() => system?.stop(), 60_000);

  it('keeps every acknowledged point exactly once, with its last value', () =>
    system!.saveLogsOnFailure(async (sys) => {
      const ledger = new AckLedger();
      const log = (line: string) => process.stdout.write(`[writer-crash] ${line}\n`);
      const began = Date.now();

      const writerA = await sys.startWriter('writer-a');
      const load = sys.startLoad(recentPastPlan({ seriesCount: 200, maxTicks: 900 }), ledger, 100);
      const lag = new Sampler(() => sys.consumerLag(), 1_000);
      try {
        await load.waitForTicks(30);
        const writerB = await sys.startWriter('writer-b');
        const split = await writerB.waitForLog('a share of the partitions', (r) => {
          const mine = latestAssignment(r);
          return mine && mine.length > 0 && mine.length < 4 ? mine : undefined;
        });
        log(`writer-b joined and took partitions ${split.join(',')} (tick ${load.stats().ticks})`);

        await load.waitForTicks(load.stats().ticks + 20);
        const killedAt = load.stats().ticks;
        const exit = await writerA.kill();
        log(`writer-a killed (${exit.signal}) at tick ${killedAt}`);
        // Ingest does not depend on the writers: writes keep being acknowledged.
        await load.waitForSuccesses(30);

        await sys.startWriter('writer-a2');
        log(`writer-a2 started (tick ${load.stats().ticks})`);
        await load.waitForTicks(load.stats().ticks + 30);
        const stopped = await writerB.stop();
        expect(stopped).toEqual({ code: 0, signal: null });
        log(`writer-b stopped gracefully (tick ${load.stats().ticks})`);
        await load.waitForTicks(load.stats().ticks + 30);
      } finally {
        const stats = await load.stop();
        const lagPeak = Math.max(0, ...(await lag.stop()).map((s) => s.value ?? 0));
        log(`load: ${JSON.stringify(stats)}; ${ledger.acknowledgedPoints} distinct points acknowledged; writer group lag peaked at ${lagPeak} records`);
      }
      expect(load.stats().failed).toEqual({});

      const catchUpBegan = Date.now();
      await sys.waitForCatchUp(60_000);
      log(`writer group caught up ${Date.now() - catchUpBegan} ms after the load ended`);
      const union = await sys.waitForLedger(ledger, { timeoutMs: 15_000 });
      expect(describeCheck(union)).toBe(`all ${ledger.acknowledgedPoints} acknowledged points present, nothing extra`);

      // Once every window is sealed, DynamoDB alone holds every point with its last value.
      const sealBegan = Date.now();
      // Allow more than the 30 s lease TTL: a writer that lost partitions in a rebalance keeps
      // their sealing leases until they expire, and the new owner cannot seal them before.
      await pollUntil(async () => ((await sys.dueWindows()) === 0 ? true : undefined), { what: 'every window to be sealed', timeoutMs: 60_000 });
      const warm = await sys.waitForLedger(ledger, { tier: 'warm', timeoutMs: 15_000 });
      expect(warm.ok).toBe(true);
      log(`all windows sealed ${Date.now() - sealBegan} ms later; warm tier complete; whole test ${Date.now() - began} ms`);
    }),
  );
});
