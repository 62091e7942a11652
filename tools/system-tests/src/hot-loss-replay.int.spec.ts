import { pollUntil, type ServiceProcess } from '@strata/testing';
import { AckLedger } from './harness/ack-ledger';
import { write } from './harness/ingest-client';
import { describeCheck } from './harness/ledger-check';
import { recentPastPlan, tickRequest, type LoadPlan } from './harness/load-plan';
import { StrataSystem } from './harness/strata-system';

// Redis (the hot tier) comes back empty, as after a restart without persistence. Kafka
// still has every acknowledged point, so `writer --replay-from <time>`, run as a second
// consumer group next to the main writer, must rebuild the tiers and then exit by itself.

interface ReplayReport {
  readonly exitCode: number | null;
  readonly seconds?: number;
  readonly replayed?: number;
  readonly recordsPerSecond?: number;
}

async function runReplay(sys: StrataSystem, name: string, fromIso: string, whileRunning?: (replay: ServiceProcess) => Promise<void>): Promise<ReplayReport> {
  const replay = await sys.startWriter(name, { args: ['--replay-from', fromIso], waitServing: false });
  await whileRunning?.(replay);
  const exit = await replay.waitForExit(90_000);
  const records = replay.records();
  const complete = records.find((r) => r.msg === 'replay complete');
  const progress = records.filter((r) => r.msg === 'replay progress').pop();
  return {
    exitCode: exit.code,
    seconds: complete?.['seconds'] as number | undefined,
    replayed: progress?.['replayed'] as number | undefined,
    recordsPerSecond: progress?.['recordsPerSecond'] as number | undefined,
  };
}

describe('hot tier lost (FLUSHALL), rebuilt by writer --replay-from', () => {
  let system: StrataSystem | undefined;
  let replayFrom = '';
  let plan: LoadPlan;
  const ledger = new AckLedger();
  const log = (line: string) => process.stdout.write(`[hot-loss-replay] ${line}\n`);

  beforeAll(async () => {
    system = await StrataSystem.start({ name: 'hot-loss-replay', baseEnv: process.env, keepDir: process.env['STRATA_SYSTEM_TESTS_KEEP'] === '1' });
  }, 180_000);

  afterAll(() => system?.stop(), 60_000);

  it('replays every acknowledged point back into the tiers while the main writer keeps running, and exits 0', () =>
    system!.saveLogsOnFailure(async (sys) => {
      await sys.startWriter('writer');
      replayFrom = new Date(Date.now() - 1_000).toISOString();
      plan = recentPastPlan({ seriesCount: 200, maxTicks: 200 });
      const load = sys.startLoad(plan, ledger, 50);
      const stats = await load.finished();
      log(`load: ${JSON.stringify(stats)}; ${ledger.acknowledgedPoints} distinct points acknowledged`);
      // Flush as soon as the writer has projected everything: the windows of the last ticks
      // are in Redis only, not sealed yet.
      await sys.waitForCatchUp(60_000);
      expect(await sys.redis().flushall()).toBe('OK');
      const lost = await sys.check(ledger);
      log(`right after FLUSHALL: ${lost.missing.length} acknowledged points missing, ${lost.wrongValue.length} with an older value (they were only in Redis)`);

      const replay = await runReplay(sys, 'writer-replay', replayFrom);
      log(`replay: ${JSON.stringify(replay)}`);
      expect(replay.exitCode).toBe(0);
      expect(replay.seconds).toBeDefined(); // it logged "replay complete"

      await sys.waitForCatchUp(30_000);
      const check = await sys.waitForLedger(ledger, { timeoutMs: 30_000 });
      expect(describeCheck(check)).toBe(`all ${ledger.acknowledgedPoints} acknowledged points present, nothing extra`);
    }),
  );

  // Redis loses the load's overwrites that were still unsealed; clients then rewrite the
  // last ticks while the replay runs, so the main writer re-seals those windows over the
  // DynamoDB items before the replay reaches the lost records. A re-seal keeps its base
  // offset and gives the points it took their own (docs/write-path.md, "Log order in the
  // hot tier"), so the replayed overwrites still win over the older sealed values.
  it('keeps the values clients rewrite while the replay runs', () =>
    system!.saveLogsOnFailure(async (sys) => {
      expect(plan).toBeDefined();
      expect(await sys.redis().flushall()).toBe('OK');
      const replay = await runReplay(sys, 'writer-replay-2', replayFrom, async (proc) => {
        // As soon as the replay has fixed its range, clients rewrite the points of the last
        // ticks: the main writer projects the new values at once, while the replay reaches
        // the old records of those points only at the end of its range.
        await proc.waitForLog('the start of the replay', (r) => r.find((x) => x.msg === 'replay started'));
        for (let tick = plan.maxTicks - 10; tick < plan.maxTicks; tick++) {
          const request = tickRequest({ ...plan, generation: 1 }, tick);
          const outcome = await write(sys.client(), sys.apiKey, request);
          if (!outcome.ok) throw new Error(`rewrite of tick ${tick} failed: ${outcome.error.message}`);
          ledger.recordAnswer(sys.tenant, request, outcome.response);
        }
      });
      log(`replay with concurrent rewrites: ${JSON.stringify(replay)}`);
      expect(replay.exitCode).toBe(0);
      await sys.waitForCatchUp(30_000);
      const check = await sys.check(ledger);
      log(`after the replay: ${describeCheck(check, 3)}`);
      expect(describeCheck(check)).toBe(`all ${ledger.acknowledgedPoints} acknowledged points present, nothing extra`);
    }),
  );

  // A Redis that lost its state has no packed copy of sealed windows: a point written into
  // one must be merged with the DynamoDB item, not replace it.
  it('does not let a write into a sealed window erase the window from DynamoDB after Redis lost its state', () =>
    system!.saveLogsOnFailure(async (sys) => {
      expect(plan).toBeDefined();
      await pollUntil(async () => ((await sys.dueWindows()) === 0 ? true : undefined), { what: 'every window to be sealed', timeoutMs: 30_000 });
      expect(await sys.redis().flushall()).toBe('OK');
      // One late point per series, half a second after the first point of the load: its
      // window was sealed long ago, and Redis no longer has the packed copy.
      const late = { series: tickRequest(plan, 0).series.map((s, i) => ({ ...s, points: [{ timestampMs: plan.fromMs + 500, value: -1 - i }] })) };
      const outcome = await write(sys.client(), sys.apiKey, late);
      if (!outcome.ok) throw new Error(`late write failed: ${outcome.error.message}`);
      ledger.recordAnswer(sys.tenant, late, outcome.response);
      await sys.waitForCatchUp(30_000);
      await pollUntil(async () => ((await sys.dueWindows()) === 0 ? true : undefined), { what: 'the late points to be sealed', timeoutMs: 30_000 });
      const check = await sys.check(ledger);
      log(`after sealing late points into windows whose packed copy Redis lost: ${describeCheck(check, 3)}`);
      expect(describeCheck(check)).toBe(`all ${ledger.acknowledgedPoints} acknowledged points present, nothing extra`);
    }),
  );
});
