import { AckLedger } from './harness/ack-ledger';
import { describeCheck } from './harness/ledger-check';
import { recentPastPlan } from './harness/load-plan';
import { pollUntil, sleep } from './harness/poll';
import { latestAssignment } from './harness/service-log';
import { StrataSystem } from './harness/strata-system';

describe('experiment: sealing lease expiry during a long DynamoDB outage + rebalance', () => {
  let system: StrataSystem | undefined;
  beforeAll(async () => {
    system = await StrataSystem.start({ name: 'lease', baseEnv: process.env, keepDir: true });
  }, 180_000);
  afterAll(() => system?.stop(), 60_000);

  it('runs', async () => {
    const sys = system!;
    const log = (line: string) => process.stdout.write(`[lease] ${line}\n`);
    log(`dir ${sys.dir}`);
    const ledger = new AckLedger();
    const w1 = await sys.startWriter('writer-1');
    const load = sys.startLoad(recentPastPlan({ seriesCount: 200, maxTicks: 1500 }), ledger);
    await load.waitForTicks(50);
    await sys.stack.kill('dynamodb');
    log('dynamodb killed');
    await sleep(36_000);
    for (let i = 2; i < 10; i++) {
      const w2 = await sys.startWriter(`writer-${i}`);
      const a2 = await w2.waitForLog('assignment', (r) => { const m = latestAssignment(r); return m && m.length > 0 ? m : undefined; });
      log(`writer-${i} took ${a2}; writer-1 now ${latestAssignment(w1.records())}`);
      if (a2.includes(0)) break;
      await w2.stop();
      await w1.waitForLog('all partitions back', (r) => (latestAssignment(r)?.length === 4 ? true : undefined));
    }
    await sleep(8_000);
    await sys.stack.restart('dynamodb');
    log('dynamodb back');
    await load.waitForTicks(load.stats().ticks + 30);
    log(JSON.stringify(await load.stop()));
    await sys.waitForCatchUp(60_000);
    await pollUntil(async () => ((await sys.dueWindows()) === 0 ? true : undefined), { what: 'sealed', timeoutMs: 60_000 });
    const union = await sys.check(ledger);
    const warm = await sys.check(ledger, 'warm');
    log(`union: ${describeCheck(union, 4)}`);
    log(`warm: ${describeCheck(warm, 4)}`);
  }, 240_000);
});
