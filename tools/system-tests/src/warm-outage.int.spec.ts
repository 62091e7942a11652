import { pollUntil, sleep } from '@strata/testing';
import { AckLedger } from './harness/ack-ledger';
import { describeCheck } from './harness/ledger-check';
import { recentPastPlan } from './harness/load-plan';
import { Sampler, type Sample } from './harness/sampler';
import { StrataSystem } from './harness/strata-system';

// DynamoDB (the warm tier) gone for 30 s in the middle of a sustained write. Writes depend
// only on Kafka, so they keep being acknowledged; the writer keeps projecting into Redis
// and cannot seal, so the seal backlog grows; once DynamoDB is back the backlog drains
// and every window ends up sealed in DynamoDB with the last value of each point.

const OUTAGE_MS = 30_000;
const BACKLOG = 'strata_writer_seal_backlog_windows';

const peak = (samples: readonly Sample<number | undefined>[], from: number, to: number) =>
  Math.max(-1, ...samples.filter((s) => s.at >= from && s.at < to).map((s) => s.value ?? -1));

describe('warm tier (DynamoDB) outage during sustained writes', () => {
  let system: StrataSystem | undefined;
  const log = (line: string) => process.stdout.write(`[warm-outage] ${line}\n`);

  beforeAll(async () => {
    system = await StrataSystem.start({ name: 'warm-outage', baseEnv: process.env, keepDir: process.env['STRATA_SYSTEM_TESTS_KEEP'] === '1' });
  }, 180_000);

  afterAll(() => system?.stop(), 60_000);

  it('keeps acknowledging writes, backs sealing up while DynamoDB is down, then drains it and loses nothing', () =>
    system!.saveLogsOnFailure(async (sys) => {
      const ledger = new AckLedger();
      const writer = await sys.startWriter('writer');
      const gauge = new Sampler(async () => (await sys.metric(writer, BACKLOG)) ?? -1, 500);
      const dueSets = new Sampler(() => sys.dueWindows(), 500);
      let downAt = 0;
      let upAt = 0;
      let acknowledgedWhileDown = 0;
      const load = sys.startLoad(recentPastPlan({ seriesCount: 200, maxTicks: 800 }), ledger);
      try {
        await load.waitForTicks(50);
        const before = load.stats().succeeded;
        downAt = Date.now();
        await sys.stack.kill('dynamodb');
        await sleep(OUTAGE_MS);
        acknowledgedWhileDown = load.stats().succeeded - before;
        const { readyMs } = await sys.stack.restart('dynamodb');
        upAt = Date.now();
        log(`dynamodb down for ${upAt - downAt} ms (restart ready in ${readyMs} ms); ${acknowledgedWhileDown} writes acknowledged meanwhile`);
        await load.waitForTicks(load.stats().ticks + 50);
      } finally {
        log(`load: ${JSON.stringify(await load.stop())}; ${ledger.acknowledgedPoints} distinct points acknowledged`);
      }

      let drainedAt = 0;
      try {
        await sys.waitForCatchUp(60_000);
        await pollUntil(async () => ((await sys.metric(writer, BACKLOG)) === 0 && (await sys.dueWindows()) === 0 ? true : undefined), {
          what: 'the seal backlog to drain to 0',
          timeoutMs: 60_000,
          intervalMs: 200,
        });
        drainedAt = Date.now();
      } finally {
        await Promise.all([gauge.stop(), dueSets.stop()]);
        const both = (from: number, to: number) => `${peak(gauge.samples, from, to)} / ${peak(dueSets.samples, from, to)}`;
        log(
          `seal backlog, writer gauge / Redis due sets: before the outage ${both(downAt - 2_000, downAt)}, ` +
            `peak while down ${both(downAt, upAt)}, peak after ${both(upAt, Date.now())}; ` +
            `drained to 0 ${drainedAt ? `${drainedAt - upAt} ms after DynamoDB came back` : 'never'}`,
        );
      }

      expect(load.stats().failed).toEqual({});
      expect(acknowledgedWhileDown).toBeGreaterThan(100);
      // Windows kept coming due while nothing could be sealed, and the writer said so.
      expect(peak(dueSets.samples, downAt + OUTAGE_MS / 2, upAt)).toBeGreaterThan(peak(dueSets.samples, downAt - 2_000, downAt) + 400);
      expect(peak(gauge.samples, downAt + OUTAGE_MS / 2, upAt)).toBeGreaterThan(peak(gauge.samples, downAt - 2_000, downAt) + 400);

      const union = await sys.waitForLedger(ledger, { timeoutMs: 15_000 });
      expect(describeCheck(union)).toBe(`all ${ledger.acknowledgedPoints} acknowledged points present, nothing extra`);
      // Every window is sealed now: DynamoDB alone must hold every point with its last value.
      const warm = await sys.waitForLedger(ledger, { tier: 'warm', timeoutMs: 15_000 });
      expect(describeCheck(warm)).toBe(`all ${ledger.acknowledgedPoints} acknowledged points present, nothing extra`);
    }),
  );
});
