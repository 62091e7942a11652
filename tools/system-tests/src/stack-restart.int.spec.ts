import { seriesKey } from '@strata/model';
import { Aggregation, type QueryServiceClient, type Series } from '@strata/proto';
import { DAY_MS } from '@strata/storage';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pollUntil, type ServiceProcess, sleep } from '@strata/testing';
import { AckLedger, type LedgerSeries } from './harness/ack-ledger';
import { write } from './harness/ingest-client';
import { checkAgainstLedger, describeCheck, type LedgerCheck, type StoredPoints } from './harness/ledger-check';
import { loadSeries, recentPastPlan, type LoadPlan } from './harness/load-plan';
import { createReaderClient, readAll } from './harness/reader-client';
import { StrataSystem, WINDOW_MS } from './harness/strata-system';

// `npm start` → Ctrl-C → `npm start`, as processes: every acknowledged point must be
// readable again from a reader, with nobody running a command after the restart. Points
// live in every tier when everything stops: archived days in S3 (archiver --once; their
// chunks gone from DynamoDB), sealed windows in DynamoDB, open windows in Redis only.
// Round 1 stops everything gracefully (services SIGTERM, then the stack's `down`); round 2
// SIGKILLs every process of the stack and of Strata at a random moment under write load,
// right after an archive run's last S3 PUT. Both start the stack again on the same ports
// and data directories, then new ingest, writer and reader processes.
//
// Redis restarts empty (the stack runs it without persistence, as a projection of the
// log), so the points that were only in Redis come back only because the writer rebuilds
// the hot tier from Kafka by itself. S3 and DynamoDB are checked first and alone, so that
// a lost archived day or sealed window is told apart from a slow or missing rebuild.

const MINUTE = 60_000;
// As in late-write-archive: the reader trusts a manifest for 1 s; the archiver waits longer
// than a read before deleting what a new manifest replaced.
const READER_ENV = { STRATA_COLD_MANIFEST_TTL_MS: '1000', STRATA_READ_TIER_TIMEOUT_MS: '5000' };
const ARCHIVER_ENV = { STRATA_ARCHIVE_DELETE_DELAY_MS: '7000', STRATA_ARCHIVE_LOOKBACK_DAYS: '20', STRATA_ARCHIVE_WORKERS: '1' };
/** How long the system may take, after a restart, to serve every acknowledged point again. */
const RECOVERY_DEADLINE_MS = 120_000;

type Selector = Pick<Series, 'name' | 'labels'>;

describe('a restart of the whole local stack and every service keeps every acknowledged point', () => {
  let system: StrataSystem | undefined;
  let services: ServiceProcess[] = [];
  let client: QueryServiceClient | undefined;
  const log = (line: string) => process.stdout.write(`[stack-restart] ${line}\n`);
  const selectors = new Map<string, Selector>();
  // Days the archiver may take (older than the 14-day warm span), well inside retention.
  const today = Math.floor(Date.now() / DAY_MS);
  /** Archived days: in S3 only when everything stops. */
  const archived = new AckLedger();
  /** Windows sealed into DynamoDB before the first stop. */
  const sealed = new AckLedger();
  /** Points in a window still open at the first stop: in Redis (and Kafka) only. */
  const hotOnly = new AckLedger();
  /** The load SIGKILLed in round 2: sealed or open windows, and calls whose outcome is unknown. */
  const killedLoad = new AckLedger();
  let hotWindow = { start: 0, key: '' };

  const remember = (series: readonly Selector[]) => {
    for (const s of series) selectors.set(seriesKey(s.name, s.labels), { name: s.name, labels: s.labels });
  };

  beforeAll(async () => {
    system = await StrataSystem.start({
      name: 'stack-restart',
      baseEnv: process.env,
      keepDir: process.env['STRATA_SYSTEM_TESTS_KEEP'] === '1',
      services: ['kafka', 'redis', 'dynamodb', 's3'],
    });
    services = [system.ingest, await system.startWriter('writer'), await system.startReader('reader', READER_ENV)];
    client = createReaderClient(services[2]!.grpcAddress);
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await system?.stop();
  }, 60_000);

  /**
   * One entry per series across the ledgers: the loads of both rounds write the same series
   * (at times far apart), and a series checked twice would call the other round's points extra.
   */
  function mergeLedgers(ledgers: readonly AckLedger[]): LedgerSeries[] {
    const merged = new Map<string, LedgerSeries>();
    for (const series of ledgers.flatMap((l) => l.allSeries())) {
      const id = `${series.tenant}/${series.seriesKey}`;
      const previous = merged.get(id);
      merged.set(id, previous ? { ...series, points: new Map([...previous.points, ...series.points]) } : series);
    }
    return [...merged.values()];
  }

  /** Every point of the ledgers, read back through the reader (raw, each series over its own span). */
  async function readBack(ledgers: readonly AckLedger[]): Promise<{ check: LedgerCheck; warnings: string[] }> {
    const sys = system!;
    const all = mergeLedgers(ledgers);
    const stored = new Map<string, StoredPoints>();
    const warnings: string[] = [];
    for (const series of all) {
      const timestamps = [...series.points.keys()];
      const request = {
        matchers: [], series: [selectors.get(series.seriesKey)!],
        fromMs: Math.min(...timestamps),
        toMs: Math.max(...timestamps) + 1,
        stepMs: 0,
        aggregation: Aggregation.AVG,
      };
      const result = await readAll(client!, sys.apiKey, request);
      warnings.push(...result.warnings);
      for (const [key, points] of result.series) {
        const id = `${sys.tenant}/${key}`;
        const previous = stored.get(id);
        const map = new Map(previous?.points ?? []);
        const anomalies = [...(previous?.anomalies ?? [])];
        for (const [t, v] of points) {
          if (map.has(t)) anomalies.push(`timestamp ${t} returned twice`);
          map.set(t, v);
        }
        stored.set(id, { points: map, anomalies });
      }
    }
    return { check: checkAgainstLedger(all, stored), warnings };
  }

  /**
   * Polls the reader until it returns every acknowledged point of the ledgers, nothing else,
   * and (unless `warnings` is 'ignored') no warning. The checks of S3 and DynamoDB alone
   * ignore warnings: a failed cold or warm tier shows as missing points anyway, and the
   * hot tier may still warn that it is being rebuilt.
   */
  async function waitReadable(what: string, ledgers: readonly AckLedger[], timeoutMs: number, warnings: 'none' | 'ignored' = 'none'): Promise<number> {
    const began = Date.now();
    let last = 'no read yet';
    const check = await pollUntil(
      async () => {
        try {
          const read = await readBack(ledgers);
          last = `${describeCheck(read.check, 4)}${read.warnings.length > 0 ? `\nwarnings: ${[...new Set(read.warnings)].join(' | ')}` : ''}`;
          return read.check.ok && (warnings === 'ignored' || read.warnings.length === 0) ? read.check : undefined;
        } catch (error) {
          last = `read failed: ${(error as Error).message}`;
          return undefined;
        } finally {
          const dead = services.filter((s) => !s.running).map((s) => s.name);
          if (dead.length > 0) last += `\nexited: ${dead.join(', ')}`;
        }
      },
      { what, timeoutMs, intervalMs: 1_000, describe: () => last },
    );
    const ms = Date.now() - began;
    log(`${what}: ${check.checked} points after ${ms} ms${last.includes('\nwarnings: ') ? ` (${last.slice(last.indexOf('\nwarnings: ') + 1)})` : ''}`);
    return ms;
  }

  /** Writes three series over two hours of `day`, seals them, archives the day, and checks they left DynamoDB. */
  async function archiveDay(day: number, archiver: string): Promise<void> {
    const sys = system!;
    const dayStart = day * DAY_MS;
    const series: Series[] = ['a', 'b', 'c'].map((host, s) => ({
      name: 'restart.archived',
      labels: [{ name: 'host', value: host }],
      points: Array.from({ length: 120 }, (_, i) => ({ timestampMs: dayStart + 2 * 3_600_000 + i * MINUTE, value: day * 1_000 + s * 200 + i + 0.5 })),
    }));
    remember(series);
    await sys.writeAndSeal(series); // throws unless every point was acknowledged
    archived.recordAnswer(sys.tenant, { series }, { accepted: series.length * 120, rejections: [] });
    await sys.archiveOnce(archiver, ARCHIVER_ENV);
    for (const s of series) {
      expect(await sys.warmStore().queryChunks(sys.tenant, seriesKey(s.name, s.labels), dayStart, dayStart + DAY_MS)).toEqual([]);
    }
  }

  async function restartEverything(round: string): Promise<void> {
    const sys = system!;
    const began = Date.now();
    const ready = await sys.stack.startAgain();
    log(`${round}: stack back in ${Date.now() - began} ms (launch to ready: ${JSON.stringify(ready)})`);
    // The writer is not waited for: it may report NOT_SERVING while it rebuilds, and
    // recovery must need nobody; the reads below poll with a deadline.
    services = [
      await sys.startIngestAgain(`ingest-${round}`),
      await sys.startWriter(`writer-${round}`, { waitServing: false }),
      await sys.startReader(`reader-${round}`, READER_ENV),
    ];
    client?.close();
    client = createReaderClient(services[2]!.grpcAddress);
  }

  it('before: an archived day in S3, sealed windows in DynamoDB and an open window in Redis, all readable', () =>
    system!.saveLogsOnFailure(async (sys) => {
      await archiveDay(today - 16, 'archiver-1');
      const cold = path.join(sys.stack.stateDir, 'data', 's3', sys.stack.clientEnv['STRATA_S3_BUCKET']!);
      expect(fs.readdirSync(cold, { recursive: true }).length).toBeGreaterThan(0); // blocks and manifests, as files

      const plan = recentPastPlan({ seriesCount: 20, maxTicks: 60 });
      remember(Array.from({ length: plan.seriesCount }, (_, i) => loadSeries(i)));
      const stats = await sys.startLoad(plan, sealed, 50).finished();
      expect(stats.failed).toEqual({});
      await sys.waitForCatchUp(60_000);
      await pollUntil(async () => ((await sys.dueWindows()) === 0 ? true : undefined), { what: 'every due window to be sealed', timeoutMs: 60_000 });

      // Points of the window open now, early enough in it that it cannot be sealed before the stop.
      if (Date.now() % WINDOW_MS > 15_000) await sleep(WINDOW_MS - (Date.now() % WINDOW_MS) + 1_000);
      const start = Date.now() - (Date.now() % WINDOW_MS);
      const hot: Series[] = Array.from({ length: 10 }, (_, i) => ({
        name: 'restart.hot',
        labels: [{ name: 'host', value: `h${i}` }],
        points: Array.from({ length: 5 }, (_, k) => ({ timestampMs: start + k * 200, value: i * 10 + k + 0.25 })),
      }));
      remember(hot);
      const outcome = await write(sys.client(), sys.apiKey, { series: hot });
      if (!outcome.ok) throw new Error(`hot write failed: ${outcome.error.message}`);
      expect(outcome.response.rejections).toEqual([]);
      hotOnly.recordAnswer(sys.tenant, { series: hot }, outcome.response);
      hotWindow = { start, key: seriesKey(hot[0]!.name, hot[0]!.labels) };
      await sys.waitForCatchUp(30_000);

      await waitReadable('every point, before any restart', [archived, sealed, hotOnly], 30_000);
      log(`acknowledged: ${archived.acknowledgedPoints} archived, ${sealed.acknowledgedPoints} sealed, ${hotOnly.acknowledgedPoints} only in Redis`);
    }), 300_000);

  it('stopped and started again (services SIGTERM, stack down, stack up): the archived day and the sealed windows are read back', () =>
    system!.saveLogsOnFailure(async (sys) => {
      expect(hotOnly.acknowledgedPoints).toBeGreaterThan(0);
      // The precondition of the Redis-only check: that window is still open, nothing of it in DynamoDB.
      expect(await sys.warmStore().queryChunks(sys.tenant, hotWindow.key, hotWindow.start, hotWindow.start + WINDOW_MS)).toEqual([]);
      await Promise.all(services.map((s) => s.stop(15_000)));
      await sys.stack.stop({ keepStateDir: true });
      await restartEverything('round-1');
      await waitReadable('the archived day and the sealed windows after a graceful restart', [archived, sealed], RECOVERY_DEADLINE_MS, 'ignored');
    }), 300_000);

  it('stopped and started again: the points that were only in Redis are read back, with nobody running a command', () =>
    system!.saveLogsOnFailure(async () => {
      await waitReadable('the Redis-only points after a graceful restart', [archived, sealed, hotOnly], RECOVERY_DEADLINE_MS);
    }), 300_000);

  it('SIGKILLed everywhere at a random moment under write load, right after an archive run: every archived day and sealed window is read back', () =>
    system!.saveLogsOnFailure(async (sys) => {
      // A second archived day: its S3 PUTs are the last thing before the load and the kill.
      await archiveDay(today - 17, 'archiver-2');
      const plan: LoadPlan = { seriesCount: 20, fromMs: Date.now() - 20_000, stepMs: 100, maxTicks: 3_000, overwriteEvery: 4, overwriteLag: 5, generation: 2 };
      const load = sys.startLoad(plan, killedLoad, 100);
      await load.waitForSuccesses(10);
      const delay = 500 + Math.floor(Math.random() * 3_000);
      await sleep(delay);
      await Promise.all([sys.stack.killAll(), ...services.map((s) => s.kill())]);
      const stats = await load.stop();
      log(`SIGKILL ${delay} ms into the load: ${JSON.stringify(stats)}; ${killedLoad.acknowledgedPoints} points acknowledged`);
      expect(stats.succeeded).toBeGreaterThanOrEqual(10);

      await restartEverything('round-2');
      await waitReadable('the archived days and the sealed windows after SIGKILL', [archived, sealed], RECOVERY_DEADLINE_MS, 'ignored');
    }), 300_000);

  it('SIGKILLed everywhere: every point the load had acknowledged is read back, with nobody running a command', () =>
    system!.saveLogsOnFailure(async () => {
      await waitReadable('every acknowledged point after SIGKILL', [archived, sealed, hotOnly, killedLoad], RECOVERY_DEADLINE_MS);
    }), 300_000);
});
