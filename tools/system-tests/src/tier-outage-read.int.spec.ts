import { status, type ServiceError } from '@grpc/grpc-js';
import { seriesKey } from '@strata/model';
import { Aggregation, type QueryServiceClient, type ReadRequest, type Series } from '@strata/proto';
import { DAY_MS } from '@strata/storage';
import { sleep } from '@strata/testing';
import { PointModel, type ExpectedRead } from './harness/point-model';
import { createReaderClient, readAll } from './harness/reader-client';
import { StrataSystem } from './harness/strata-system';

// DynamoDB, S3 or Redis stopped while a reader process keeps answering. One series has
// points in all three tiers: a day archived to S3 by `archiver --once`, a day only
// DynamoDB holds, and the last half hour, in Redis. Reads run back to back while a tier
// goes away and comes back. Every answer must be either the whole truth without a
// warning, or exactly what the other tiers hold with one warning naming the tier that
// failed. No read fails, except while Redis (the hot tier) is gone: then reads fail
// UNAVAILABLE, naming it.
//
// DynamoDB Local is killed (SIGKILL: connections refused) and restarted on its data
// directory. moto keeps its objects in memory only, so S3 is paused instead (SIGSTOP: its
// sockets stay open but nothing answers; the reader's tier timeout ends the wait) and
// resumed. Redis is killed and restarted empty, as the stack runs it.

const MINUTE = 60_000;
const HOUR = 3_600_000;
const TIER_TIMEOUT_MS = 2_000;
// Without the reader's warm cache: it would answer the DynamoDB day from memory while DynamoDB
// is killed, and this spec is about what a read gets when a tier really is asked and fails.
const READER_ENV = { STRATA_COLD_MANIFEST_TTL_MS: '1000', STRATA_READ_TIER_TIMEOUT_MS: String(TIER_TIMEOUT_MS), STRATA_READ_WARM_CACHE_BYTES: '0' };
const ARCHIVER_ENV = { STRATA_ARCHIVE_DELETE_DELAY_MS: '4000', STRATA_ARCHIVE_LOOKBACK_DAYS: '20', STRATA_ARCHIVE_WORKERS: '1' };
const SERIES = { name: 'outage.mem', labels: [{ name: 'host', value: 'x' }] };
const KEY = seriesKey(SERIES.name, SERIES.labels);

// 'rebuilding': whole, with the one warning that Redis came back empty and the writer is
// rebuilding it from the log (every window here was sealed, so nothing is missing).
type Outcome = 'whole' | 'rebuilding' | 'without warm' | 'without cold' | 'hot failed';

describe('DynamoDB, S3 or Redis stopped while the reader answers', () => {
  let system: StrataSystem | undefined;
  let client: QueryServiceClient;
  /** A reader with its warm cache (the default), to show what the cache answers while DynamoDB is killed. */
  let cachedClient: QueryServiceClient;
  const model = new PointModel();
  const log = (line: string) => process.stdout.write(`[tier-outage-read] ${line}\n`);
  const now = Date.now();
  const today = Math.floor(now / DAY_MS);
  const archivedDay = today - 16; // older than the 14-day warm span: archived
  const warmDay = today - 3; // past the hot retention, not yet archivable: DynamoDB only
  const inDay = (day: number) => (_key: string, t: number) => t >= day * DAY_MS && t < (day + 1) * DAY_MS;
  const range = { fromMs: archivedDay * DAY_MS, toMs: now + MINUTE };
  const requests: ReadRequest[] = [
    { matchers: [], series: [SERIES], ...range, stepMs: 0, aggregation: Aggregation.AVG },
    { matchers: [], series: [SERIES], ...range, stepMs: HOUR, aggregation: Aggregation.MAX },
  ];

  beforeAll(async () => {
    system = await StrataSystem.start({
      name: 'tier-outage-read',
      baseEnv: process.env,
      keepDir: process.env['STRATA_SYSTEM_TESTS_KEEP'] === '1',
      services: ['kafka', 'redis', 'dynamodb', 's3'],
    });
    await system.startWriter('writer');
    const minutes = (from: number, count: number, base: number): Series['points'] =>
      Array.from({ length: count }, (_, i) => ({ timestampMs: from + i * MINUTE, value: base + (i % 17) }));
    const lastMinute = Math.floor(now / MINUTE) * MINUTE;
    const series: Series[] = [
      {
        ...SERIES,
        points: [...minutes(archivedDay * DAY_MS + 6 * HOUR, 90, 10), ...minutes(warmDay * DAY_MS + 12 * HOUR, 90, 40), ...minutes(lastMinute - 30 * MINUTE, 25, 70)],
      },
    ];
    model.record(series);
    await system.writeAndSeal(series);
    await system.archiveOnce('archiver', ARCHIVER_ENV);
    const reader = await system.startReader('reader', READER_ENV);
    client = createReaderClient(reader.grpcAddress);
    const cached = await system.startReader('reader-cached', { ...READER_ENV, STRATA_READ_WARM_CACHE_BYTES: String(64 * 1024 * 1024) });
    cachedClient = createReaderClient(cached.grpcAddress);
  }, 240_000);

  afterAll(async () => {
    client?.close();
    cachedClient?.close();
    await system?.stop();
  }, 60_000);

  /** Which of the acceptable answers a read gave; throws, showing the answer, if it was none of them. */
  async function classify(request: ReadRequest, via: QueryServiceClient = client): Promise<Outcome> {
    let answer: Awaited<ReturnType<typeof readAll>>;
    try {
      answer = await readAll(via, system!.apiKey, request);
    } catch (error) {
      const { code, details } = error as ServiceError;
      if (code === status.UNAVAILABLE && details.includes(`hot tier (Redis) failed reading ${KEY}`)) return 'hot failed';
      throw error;
    }
    const { series, warnings } = answer;
    const got = JSON.stringify(Object.fromEntries(series));
    const is = (expected: ExpectedRead) => got === JSON.stringify(Object.fromEntries(expected));
    const named = (label: string) => warnings.length === 1 && warnings[0].startsWith(`${label} failed for 1 of 1 series (${KEY})`);
    if (warnings.length === 0 && is(model.expected(request))) return 'whole';
    const rebuilding = warnings.length === 1 && /^hot tier \(Redis\) (is being rebuilt|has not been checked)/.test(warnings[0]);
    if (rebuilding && is(model.expected(request))) return 'rebuilding';
    if (named('warm tier (DynamoDB)') && is(model.expected(request, (k, t) => !inDay(warmDay)(k, t)))) return 'without warm';
    if (named('cold tier (S3)') && is(model.expected(request, (k, t) => !inDay(archivedDay)(k, t)))) return 'without cold';
    throw new Error(`step ${request.stepMs}: an answer that is neither whole nor a tier's loss with its warning: warnings ${JSON.stringify(warnings)}, points ${got.slice(0, 2_000)}`);
  }

  /**
   * Reads back to back (both requests each time) while `fault` runs, then until a read is
   * whole again (at most a minute); returns how many answers of each kind came back.
   */
  async function readThrough(fault: () => Promise<void>): Promise<Record<Outcome, number>> {
    const counts: Record<Outcome, number> = { whole: 0, rebuilding: 0, 'without warm': 0, 'without cold': 0, 'hot failed': 0 };
    let faultEndedAt: number | undefined;
    const reads = (async () => {
      for (;;) {
        const outcomes = await Promise.all(requests.map((r) => classify(r)));
        for (const o of outcomes) counts[o]++;
        if (faultEndedAt === undefined) continue;
        if (outcomes.every((o) => o === 'whole')) return;
        if (Date.now() - faultEndedAt > 60_000) throw new Error(`no whole answer a minute after the tier came back: ${JSON.stringify(counts)}`);
      }
    })();
    const failure = reads.then(() => undefined, (error: unknown) => error); // handled now, rethrown below
    try {
      await fault();
    } finally {
      faultEndedAt = Date.now();
    }
    const error = await failure;
    if (error) throw error;
    return counts;
  }

  it('answers the whole range from all three tiers', () =>
    system!.saveLogsOnFailure(async () => {
      for (const request of requests) expect(await classify(request)).toBe('whole');
      // The data really is spread: each tier alone holds points the others do not.
      expect(model.expected(requests[0], inDay(archivedDay)).get(KEY)).toHaveLength(90);
      expect(model.expected(requests[0], inDay(warmDay)).get(KEY)).toHaveLength(90);
    }));

  it('returns Redis and S3 with a warning while DynamoDB is killed, and everything once it is back', () =>
    system!.saveLogsOnFailure(async (sys) => {
      // The cached reader reads the warm day's points once before the kill and keeps their
      // DynamoDB chunks: 90 one-minute windows (a range of more than 512 windows is not kept).
      const warmOnly = { matchers: [], series: [SERIES], fromMs: warmDay * DAY_MS + 12 * HOUR, toMs: warmDay * DAY_MS + 12 * HOUR + 90 * MINUTE, stepMs: 0, aggregation: Aggregation.AVG };
      expect(model.expected(warmOnly).get(KEY)).toHaveLength(90);
      expect(await classify(warmOnly, cachedClient)).toBe('whole');
      const counts = await readThrough(async () => {
        await sleep(300);
        await sys.stack.kill('dynamodb');
        try {
          await sleep(4_000);
          // It answers the same read whole from memory: the ledger in Redis says nothing was sealed since.
          expect(await classify(warmOnly, cachedClient)).toBe('whole');
          // A read of the archived day alone needs no DynamoDB: its chunks have all left it.
          const archivedOnly = { matchers: [], series: [SERIES], fromMs: archivedDay * DAY_MS, toMs: (archivedDay + 1) * DAY_MS, stepMs: 0, aggregation: Aggregation.AVG };
          expect(await classify(archivedOnly)).toBe('whole');
        } finally {
          const { readyMs } = await sys.stack.restart('dynamodb');
          log(`dynamodb restarted, ready in ${readyMs} ms`);
        }
      });
      log(`reads while DynamoDB was killed and restarted: ${JSON.stringify(counts)}`);
      expect(counts['without warm']).toBeGreaterThan(0);
      expect(counts['without cold']).toBe(0);
      expect(counts['hot failed'] + counts.rebuilding).toBe(0);
    }), 120_000);

  it('returns Redis and DynamoDB with a warning while S3 hangs, and everything once it answers again', () =>
    system!.saveLogsOnFailure(async (sys) => {
      const counts = await readThrough(async () => {
        await sleep(300);
        sys.stack.pause('s3');
        try {
          await sleep(3 * TIER_TIMEOUT_MS);
        } finally {
          sys.stack.resume('s3');
        }
      });
      log(`reads while S3 was paused and resumed: ${JSON.stringify(counts)}`);
      expect(counts['without cold']).toBeGreaterThan(0);
      expect(counts['without warm']).toBe(0);
      expect(counts['hot failed'] + counts.rebuilding).toBe(0);
    }), 120_000);

  it('fails reads UNAVAILABLE while Redis is killed, and answers whole from DynamoDB and S3 once it is back empty', () =>
    system!.saveLogsOnFailure(async (sys) => {
      const counts = await readThrough(async () => {
        await sleep(300);
        await sys.stack.kill('redis');
        await sleep(3_000);
        // The stack's Redis keeps nothing on disk: it comes back empty. Every window was
        // sealed, so DynamoDB holds the last half hour too.
        const { readyMs } = await sys.stack.restart('redis');
        log(`redis restarted empty, ready in ${readyMs} ms`);
      });
      log(`reads while Redis was killed and restarted: ${JSON.stringify(counts)}`);
      expect(counts['hot failed']).toBeGreaterThan(0);
      expect(counts['without warm'] + counts['without cold']).toBe(0);
      // readThrough returned: answers are whole with no warning again, so the writer took
      // stock of the empty Redis and cleared its rebuild marks by itself.
    }), 120_000);
});
