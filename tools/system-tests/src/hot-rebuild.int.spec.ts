import { HotTierState } from '@strata/storage/hot';
import { pollUntil, type ServiceProcess } from '@strata/testing';
import { AckLedger } from './harness/ack-ledger';
import { describeCheck } from './harness/ledger-check';
import { recentPastPlan } from './harness/load-plan';
import { StrataSystem } from './harness/strata-system';

// Redis loses its data while clients write: killed and restarted empty (no persistence),
// or flushed. Nobody runs a command: the writer must notice, rebuild the hot tier from the
// log by itself, say so while it does, and end with every acknowledged point readable.

const ALL_PRESENT = (ledger: AckLedger) => `all ${ledger.acknowledgedPoints} acknowledged points present, nothing extra`;

describe('Redis loses its data under write load; the writer rebuilds it by itself', () => {
  let system: StrataSystem | undefined;
  let writer: ServiceProcess;
  const log = (line: string) => process.stdout.write(`[hot-rebuild] ${line}\n`);
  // One ledger for both cases: they write the same series, and the check reads every point
  // of a series, so the second case must expect the first case's points too.
  const ledger = new AckLedger();

  beforeAll(async () => {
    system = await StrataSystem.start({ name: 'hot-rebuild', baseEnv: process.env, keepDir: process.env['STRATA_SYSTEM_TESTS_KEEP'] === '1' });
    writer = await system.startWriter('writer', { env: { STRATA_REBUILD_CHECKPOINT_INTERVAL_MS: '500' } });
  }, 180_000);

  afterAll(() => system?.stop(), 60_000);

  /** Waits for the writer to have rebuilt and the tier to say it is whole again; returns what it saw meanwhile. */
  async function waitWhole(sys: StrataSystem, ledger: AckLedger, what: string): Promise<void> {
    const state = new HotTierState(sys.redis());
    let sawIncomplete = false;
    let last: Awaited<ReturnType<StrataSystem['check']>> | undefined;
    const check = await pollUntil(
      async () => {
        const status = await state.status();
        if (!status.complete) sawIncomplete = true;
        if (!status.complete) return undefined;
        const result = (last = await sys.check(ledger));
        return result.ok ? result : undefined;
      },
      {
        what: `${what}: the hot tier whole again and every acknowledged point readable`,
        timeoutMs: 120_000,
        intervalMs: 1_000,
        describe: () => `last check: ${last === undefined ? 'none' : describeCheck(last)}`,
      },
    );
    log(`${what}: ${describeCheck(check)}; the tier said it was incomplete meanwhile: ${sawIncomplete}`);
    expect(describeCheck(check)).toBe(ALL_PRESENT(ledger));
  }

  it('Redis killed and restarted empty mid-load: every acknowledged point comes back, with no command run', () =>
    system!.saveLogsOnFailure(async (sys) => {
      const plan = recentPastPlan({ seriesCount: 150, maxTicks: 240 });
      const load = sys.startLoad(plan, ledger, 40);
      await new Promise((resolve) => setTimeout(resolve, 2_000 + Math.random() * 2_000));
      await sys.stack.kill('redis');
      log(`redis killed after ${ledger.acknowledgedPoints} acknowledged points`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const { readyMs } = await sys.stack.restart('redis');
      log(`redis restarted empty, ready in ${readyMs} ms`);
      const stats = await load.finished();
      log(`load: ${JSON.stringify(stats)}; ${ledger.acknowledgedPoints} distinct points acknowledged`);
      expect(ledger.acknowledgedPoints).toBeGreaterThan(0);
      await waitWhole(sys, ledger, 'after the restart');
      expect(await sys.metric(writer, 'strata_writer_hot_rebuilds_total')).toBeGreaterThanOrEqual(1);
      expect(await sys.metric(writer, 'strata_writer_hot_rebuilding')).toBe(0);
    }),
  240_000);

  it('Redis flushed at a random moment while writing: the same, and the writer says what it rebuilt', () =>
    system!.saveLogsOnFailure(async (sys) => {
      // The same series as the first case, a quarter of an hour earlier: windows of their own.
      const plan = recentPastPlan({ seriesCount: 150, maxTicks: 240, now: Date.now() - 15 * 60_000 });
      const rebuildsBefore = (await sys.metric(writer, 'strata_writer_hot_rebuilds_total')) ?? 0;
      const load = sys.startLoad(plan, ledger, 40);
      await new Promise((resolve) => setTimeout(resolve, 1_000 + Math.random() * 3_000));
      expect(await sys.redis().flushall()).toBe('OK');
      log(`flushed after ${ledger.acknowledgedPoints} acknowledged points`);
      const stats = await load.finished();
      log(`load: ${JSON.stringify(stats)}; ${ledger.acknowledgedPoints} distinct points acknowledged`);
      await waitWhole(sys, ledger, 'after the flush');
      expect(await sys.metric(writer, 'strata_writer_hot_rebuilds_total')).toBeGreaterThan(rebuildsBefore);
      const rebuilt = writer.records().filter((r) => r.msg === 'hot tier rebuilt: the partition is whole in Redis again');
      log(`partitions rebuilt so far: ${rebuilt.map((r) => `${String(r['partition'])} in ${String(r['seconds'])} s`).join(', ')}`);
      expect(rebuilt.length).toBeGreaterThan(0);
    }),
  240_000);
});
