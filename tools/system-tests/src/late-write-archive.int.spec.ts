import { seriesKey } from '@strata/model';
import { Aggregation, type QueryServiceClient, type ReadRequest, type Series } from '@strata/proto';
import { MetricSnapshot } from '@strata/runtime';
import { DAY_MS } from '@strata/storage';
import { hotKeys } from '@strata/storage/hot';
import { pollUntil, type ServiceProcess, sleep } from '@strata/testing';
import { PointModel } from './harness/point-model';
import { createReaderClient, readAll, type ReadResult } from './harness/reader-client';
import { StrataSystem } from './harness/strata-system';

// Late points of an archived day, through every process: ingest, writer, archiver --once
// and reader on a private stack with S3. A day is archived (its chunks leave DynamoDB and
// the late-write ledger marks it clean, so reads skip DynamoDB); then late points land in
// it (overwrites, new timestamps, a series the archive never had): the writer counts them
// in the ledger, and the reader must query DynamoDB again and merge them over the blocks.
// A second archiver run folds them into new blocks (rollups included) and marks the day
// clean again. At every step raw and rolled-up reads must equal an in-memory model exactly.

const MINUTE = 60_000;
const HOUR = 3_600_000;
// The reader trusts a manifest for 1 s and waits at most 5 s for a tier; the archiver waits
// longer than both before it deletes what a new manifest replaced (as in production).
const READER_ENV = { STRATA_COLD_MANIFEST_TTL_MS: '1000', STRATA_READ_TIER_TIMEOUT_MS: '5000' };
const ARCHIVER_ENV = { STRATA_ARCHIVE_DELETE_DELAY_MS: '7000', STRATA_ARCHIVE_LOOKBACK_DAYS: '20', STRATA_ARCHIVE_WORKERS: '1' };
const PRUNING = 'strata_reader_warm_pruning_total';

const host = (h: string) => ({ name: 'late.cpu', labels: [{ name: 'host', value: h }] });
const keyOf = (h: string) => seriesKey('late.cpu', host(h).labels);

describe('late points of an archived day, through ingest, writer, archiver and reader', () => {
  let system: StrataSystem | undefined;
  let reader: ServiceProcess;
  let client: QueryServiceClient;
  const model = new PointModel();
  const log = (line: string) => process.stdout.write(`[late-write-archive] ${line}\n`);
  // A day the archiver may take (older than the 14-day warm span), well inside retention.
  const day = Math.floor(Date.now() / DAY_MS) - 16;
  const dayStart = day * DAY_MS;
  const reads = (): ReadRequest[] => {
    const all = ['a', 'b', 'c'].map(host);
    return [
      { matchers: [], series: all, fromMs: dayStart, toMs: dayStart + DAY_MS, stepMs: 0, aggregation: Aggregation.AVG },
      { matchers: [], series: all, fromMs: dayStart, toMs: dayStart + DAY_MS, stepMs: 5 * MINUTE, aggregation: Aggregation.LAST },
      { matchers: [], series: all, fromMs: dayStart, toMs: dayStart + DAY_MS, stepMs: HOUR, aggregation: Aggregation.MAX },
      { matchers: [], series: all, fromMs: dayStart, toMs: dayStart + DAY_MS, stepMs: HOUR, aggregation: Aggregation.SUM },
      { matchers: [], series: all, fromMs: dayStart, toMs: dayStart + DAY_MS, stepMs: DAY_MS, aggregation: Aggregation.COUNT },
      { matchers: [], series: all, fromMs: dayStart, toMs: dayStart + DAY_MS, stepMs: DAY_MS, aggregation: Aggregation.AVG },
    ];
  };

  beforeAll(async () => {
    system = await StrataSystem.start({
      name: 'late-write-archive',
      baseEnv: process.env,
      keepDir: process.env['STRATA_SYSTEM_TESTS_KEEP'] === '1',
      services: ['kafka', 'redis', 'dynamodb', 's3'],
    });
    await system.startWriter('writer');
    reader = await system.startReader('reader', READER_ENV);
    client = createReaderClient(reader.grpcAddress);
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await system?.stop();
  }, 60_000);

  const writeAndSeal = (sys: StrataSystem, series: Series[]) => {
    model.record(series);
    return sys.writeAndSeal(series);
  };

  /** Every read of the day, compared with the model; no warnings. */
  async function expectReadsMatchModel(sys: StrataSystem): Promise<void> {
    for (const request of reads()) {
      const result: ReadResult = await readAll(client, sys.apiKey, request);
      expect(result.warnings).toEqual([]);
      expect({ step: request.stepMs, aggregation: request.aggregation, series: Object.fromEntries(result.series) }).toEqual({
        step: request.stepMs,
        aggregation: request.aggregation,
        series: Object.fromEntries(model.expected(request)),
      });
    }
  }

  const pruning = async (result: 'skipped' | 'queried'): Promise<number> =>
    MetricSnapshot.parse(await reader.metrics(), { strict: true }).sum(PRUNING, { result }) ?? 0;

  const ledger = async (sys: StrataSystem) => {
    const fields = await sys.redis().hgetall(hotKeys.lateLedger(day));
    return { writes: Number(fields[`w:${sys.tenant}`] ?? 0), clean: fields[`c:${sys.tenant}`] === undefined ? undefined : Number(fields[`c:${sys.tenant}`]) };
  };

  const warmChunks = async (sys: StrataSystem) => {
    let count = 0;
    for (const h of ['a', 'b', 'c']) count += (await sys.warmStore().queryChunks(sys.tenant, keyOf(h), dayStart, dayStart + DAY_MS)).length;
    return count;
  };

  /** Reads until the reader holds the newest manifest (1 s TTL) and skips DynamoDB, checking every answer on the way. */
  async function expectWarmSkipped(sys: StrataSystem): Promise<void> {
    const before = await pruning('skipped');
    await pollUntil(
      async () => {
        await expectReadsMatchModel(sys);
        return (await pruning('skipped')) > before ? true : undefined;
      },
      { what: 'a read of the archived day to skip DynamoDB', timeoutMs: 20_000, intervalMs: 500 },
    );
    const skippedBefore = await pruning('skipped');
    const queriedBefore = await pruning('queried');
    await expectReadsMatchModel(sys);
    expect(await pruning('skipped')).toBe(skippedBefore + reads().length);
    expect(await pruning('queried')).toBe(queriedBefore);
  }

  it('reads late points over archived blocks, then from the blocks a second archive run writes', () =>
    system!.saveLogsOnFailure(async (sys) => {
      // 1. A day of two series, 02:00-04:00 at 1-minute steps, integer values (exact sums).
      const minutes = (from: number, count: number, value: (i: number) => number) =>
        Array.from({ length: count }, (_, i) => ({ timestampMs: dayStart + from + i * MINUTE, value: value(i) }));
      await writeAndSeal(sys, [
        { ...host('a'), points: minutes(2 * HOUR, 120, (i) => (i * 7) % 50) },
        { ...host('b'), points: minutes(2 * HOUR, 120, (i) => 100 + ((i * 13) % 30)) },
      ]);
      expect(await warmChunks(sys)).toBeGreaterThan(0);
      const written = await ledger(sys);
      expect(written.writes).toBeGreaterThan(0); // chunks written into a past day are counted
      expect(written.clean).toBeUndefined();
      await expectReadsMatchModel(sys); // from DynamoDB

      // 2. Archive: chunks leave DynamoDB, the day is marked clean, reads skip DynamoDB.
      const first = await sys.archiveOnce('archiver-1', ARCHIVER_ENV);
      log(`first archive run: ${first.logTail(3)}`);
      expect(await warmChunks(sys)).toBe(0);
      expect(await ledger(sys)).toEqual({ writes: written.writes, clean: written.writes });
      await expectWarmSkipped(sys);

      // 3. Late points: overwrites and new minutes of host a (one in a new hour), a series new to the day.
      await writeAndSeal(sys, [
        {
          ...host('a'),
          points: [
            { timestampMs: dayStart + 2 * HOUR, value: 1_000 },
            { timestampMs: dayStart + 2 * HOUR + 30 * MINUTE, value: -5 },
            { timestampMs: dayStart + 3 * HOUR + 59 * MINUTE, value: 77 },
            { timestampMs: dayStart + 2 * HOUR + 30 * 1_000, value: 3 },
            { timestampMs: dayStart + 9 * HOUR, value: 42 },
          ],
        },
        { ...host('c'), points: minutes(20 * HOUR, 30, (i) => i) },
      ]);
      expect(await warmChunks(sys)).toBeGreaterThan(0);
      const late = await ledger(sys);
      expect(late.writes).toBeGreaterThan(written.writes);
      expect(late.clean).toBe(written.writes);
      // Every read now queries DynamoDB and merges its chunks over the blocks (warm wins).
      const queriedBefore = await pruning('queried');
      await expectReadsMatchModel(sys);
      expect(await pruning('queried')).toBe(queriedBefore + reads().length);

      // 4. Archive again: new blocks hold the late points (and their rollups), DynamoDB is empty, the day clean.
      await sys.archiveOnce('archiver-2', ARCHIVER_ENV);
      expect(await warmChunks(sys)).toBe(0);
      expect(await ledger(sys)).toEqual({ writes: late.writes, clean: late.writes });
      await expectWarmSkipped(sys);

      // 5. A third run finds nothing to do and changes nothing.
      await sys.archiveOnce('archiver-3', ARCHIVER_ENV);
      expect(await ledger(sys)).toEqual({ writes: late.writes, clean: late.writes });
      await sleep(1_100); // past the manifest TTL
      await expectWarmSkipped(sys);
      log(`ledger ${JSON.stringify(await ledger(sys))}; warm pruning skipped ${await pruning('skipped')}, queried ${await pruning('queried')}`);
    }), 300_000);
});
