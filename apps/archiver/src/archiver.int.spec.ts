import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rollupStats } from '@strata/model';
import { DAY_MS } from '@strata/storage';
import { BlockKind, createColdS3, dayIso, dayNumber, decodeCatalog, decodeManifest, decodeRollupPart, encodeManifest, ensureBucket, monthFirstDay, monthOfDay, openBlock, type ColdKeys, type ObjectStore, type S3Client } from '@strata/storage/cold';
import { dropBucket, dropWarmTable } from '@strata/storage/testing';
import { createDynamoDb, DynamoWarmStore, ensureWarmTable } from '@strata/storage/warm';
import { freePorts, prng } from '@strata/testing';
import { BUNDLE, runBundle, snapshot, sortedPairs, toChunk, visiblePoints, W, windowPoints, type Layer } from '../test/archive-fixtures';

// The archiver as deployed (the built bundle, a child process) against DynamoDB Local and
// the local S3 server: archive, archive again, kill it after every S3 PUT and at random moments, and check
// that nothing is ever lost and that the end state is byte for byte the same.

const SEED = Number(process.env['STRATA_SPEC_SEED'] ?? 20_261_101);
const DYNAMO = process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000';
const S3 = process.env['STRATA_S3_ENDPOINT'] ?? 'http://127.0.0.1:8333';
const TODAY = dayNumber(Date.now());
// Two days at the end of the last complete month and the first of the next, old enough
// for a 2-day warm span: one run archives both months and builds the complete one's rollup.
const MONTH = monthOfDay(TODAY - 3);
const DAYS = [monthFirstDay(MONTH) - 2, monthFirstDay(MONTH) - 1, monthFirstDay(MONTH)];
const COMPLETE_MONTH = MONTH - 1;
const LOOKBACK = TODAY - DAYS[0] + 1;
const YEARS = new Set(DAYS.map((d) => new Date(d * DAY_MS).getUTCFullYear())).size;
const tenant = `arc${randomUUID().slice(0, 8)}`;
const SERIES = ['cpu.user{host="a"}', 'cpu.user{host="b"}', 'mem.free', 'disk.io{dev="sda",host="a"}', 'net.rx{host="#1"}', 'temp{zone="é"}'];

interface Target {
  readonly table: string;
  readonly bucket: string;
  readonly store: ObjectStore;
  readonly keys: ColdKeys;
  readonly s3: S3Client;
}

describe('the archiver bundle against DynamoDB Local and S3', () => {
  const dynamo = createDynamoDb({ endpoint: DYNAMO, region: 'us-east-1' });
  const targets: Target[] = [];
  /** The points every series must show, per day: the model. */
  const model = new Map<string, Layer>();
  const random = prng(SEED);
  const chunks = SERIES.flatMap((key) => {
    const layer: Layer = new Map();
    const out = DAYS.flatMap((day) =>
      Array.from({ length: 12 }, (_, w) => day * DAY_MS + w * W)
        .filter(() => random() < 0.8)
        .map((start) => {
          const points = windowPoints(random, start, 1 + Math.floor(random() * 40));
          for (const [t, v] of points) layer.set(t, v);
          return toChunk(tenant, key, start, points);
        }),
    );
    model.set(key, layer);
    return out;
  });

  const target = async (): Promise<Target> => {
    const id = randomUUID().slice(0, 8);
    const table = `strata_arch_${id}`;
    const bucket = `strata-arch-${id}`;
    await ensureWarmTable(dynamo, table);
    await new DynamoWarmStore(dynamo, { tableName: table }).putChunks(chunks);
    const { client, store, keys } = createColdS3({ endpoint: S3, region: 'us-east-1', bucket, forcePathStyle: true, prefix: '' });
    // Made here, not left to the archiver's start-up: a run killed before it got that far
    // must still find an (empty) bucket when the spec looks at what it left.
    await ensureBucket(client, bucket);
    const t = { table, bucket, store, keys, s3: client };
    targets.push(t);
    return t;
  };
  const env = (t: Target, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    STRATA_DYNAMODB_ENDPOINT: DYNAMO,
    STRATA_DYNAMODB_TABLE: t.table,
    STRATA_S3_ENDPOINT: S3,
    STRATA_S3_BUCKET: t.bucket,
    STRATA_WARM_SPAN_DAYS: '2',
    STRATA_ARCHIVE_LOOKBACK_DAYS: String(LOOKBACK),
    STRATA_ARCHIVE_DELETE_DELAY_MS: '0',
    STRATA_ARCHIVE_WORKERS: '2',
    STRATA_LOG_LEVEL: 'warn',
    ...extra,
  });
  const warmOf = (t: Target) => new DynamoWarmStore(dynamo, { tableName: t.table });
  /** Nothing lost: every series shows exactly the model's points, from S3 and DynamoDB together. */
  const expectNothingLost = async (t: Target, context: string) => {
    for (const key of SERIES) {
      const got = await visiblePoints(t.store, t.keys, warmOf(t), tenant, key, DAYS);
      expect({ context, key, points: got }).toEqual({ context, key, points: sortedPairs(model.get(key)!) });
    }
  };
  const warmLeft = async (t: Target) => {
    let n = 0;
    for (const key of SERIES) n += (await warmOf(t).queryChunks(tenant, key, DAYS[0] * DAY_MS, (DAYS[2] + 1) * DAY_MS, { consistent: true })).length;
    return n;
  };
  /** Day-index entries of the spec's days, as "day series". */
  const indexLeft = async (t: Target) => {
    const warm = warmOf(t);
    const out: string[] = [];
    for (const day of DAYS) {
      for (let shard = 0; shard < warm.dayIndexShards; shard++) out.push(...(await warm.dayIndexEntries(day, shard)).map((e) => `${dayIso(day)} ${e.seriesKey}`));
    }
    return out.sort();
  };
  /** Every series with a chunk left in DynamoDB is still in the day index: the next run finds it. */
  const expectIndexed = async (t: Target, context: string) => {
    const listed = new Set(await indexLeft(t));
    for (const key of SERIES) {
      for (const day of DAYS) {
        const left = await warmOf(t).queryChunks(tenant, key, day * DAY_MS, (day + 1) * DAY_MS - 1, { consistent: true });
        if (left.length > 0) expect({ context, indexed: listed.has(`${dayIso(day)} ${key}`) }).toEqual({ context, indexed: true });
      }
    }
  };
  /** Every block a year catalog names exists (a reader that trusts it finds everything), and its months equal the manifests. */
  const expectCatalogsComplete = async (t: Target, context: string) => {
    for (const key of (await t.store.list(`v1/${tenant}/catalog/`)).keys) {
      const catalog = decodeCatalog((await t.store.get(key))!);
      const named: string[] = [];
      for (const m of catalog.months) {
        const current = await t.store.get(t.keys.manifest(tenant, m.month));
        expect({ context, month: m.month, matches: current !== undefined && Buffer.from(encodeManifest(m)).equals(Buffer.from(current)) }).toEqual({ context, month: m.month, matches: true });
        for (const d of m.days) named.push(...d.blocks.map((b) => t.keys.dayBlock(tenant, d.day, b.shard, d.shardCount, b.hash)));
        for (const b of m.rollup?.blocks ?? []) named.push(t.keys.monthBlock(tenant, m.month, b.shard, m.rollup!.shardCount, b.hash));
      }
      for (const b of catalog.rollup?.blocks ?? []) named.push(t.keys.yearBlock(tenant, catalog.year, b.shard, catalog.rollup!.shardCount, b.hash));
      for (const name of named) expect({ context, name, present: (await t.store.get(name)) !== undefined }).toEqual({ context, name, present: true });
    }
  };
  let clean: Record<string, string>;

  const release = async (t: Target) => {
    targets.splice(targets.indexOf(t), 1);
    await dropWarmTable(dynamo, t.table);
    await dropBucket(t.s3, t.bucket);
    t.s3.destroy();
  };

  afterAll(async () => {
    for (const t of [...targets]) await release(t);
    dynamo.destroy();
  });

  it('moves every chunk to S3 with a manifest, and a second run writes nothing new', async () => {
    const t = await target();
    expect(await indexLeft(t)).toHaveLength(DAYS.length * SERIES.length);
    const first = await runBundle(env(t), ['--once']);
    expect({ code: first.code, output: first.output }).toMatchObject({ code: 0 });
    expect(first.output).toMatch(/archiving every day older than 2 days/);
    expect(first.output).toMatch(new RegExp(`${dayIso(DAYS[0])}: ${SERIES.length} series of 1 tenant`));
    expect(first.output).toMatch(new RegExp(`chunks deleted \\(0 changed meanwhile, kept\\)`));
    expect(await warmLeft(t)).toBe(0);
    expect(await indexLeft(t)).toEqual([]);
    expect(first.output).toMatch(new RegExp(`${DAYS.length * SERIES.length} day-index entries cleared`));
    await expectNothingLost(t, 'after the first run');
    clean = await snapshot(t.store);
    const keys = Object.keys(clean);
    expect(keys.filter((k) => k.includes('/manifest/'))).toHaveLength(2);
    expect(keys.filter((k) => k.includes('/day/'))).toHaveLength(DAYS.length);
    // The complete month and the month to date each have a month rollup; each year a catalog and a 1 d rollup block.
    expect(keys.filter((k) => k.includes('/month/'))).toHaveLength(2);
    expect(keys.filter((k) => k.includes('/catalog/'))).toHaveLength(YEARS);
    expect(keys.filter((k) => k.includes('/year/'))).toHaveLength(YEARS);
    await expectCatalogsComplete(t, 'after the first run');

    const second = await runBundle(env(t), ['--once']);
    expect(second.code).toBe(0);
    expect(second.output).toMatch(/0 tenant-day\(s\)/);
    expect(await snapshot(t.store)).toEqual(clean);
  });

  it('builds the complete month\u2019s rollup blocks with the 1 h and 1 d rows of its days', async () => {
    const t = targets[0];
    const manifest = decodeManifest((await t.store.get(t.keys.manifest(tenant, COMPLETE_MONTH)))!);
    expect(manifest.days.map((d) => d.day)).toEqual(DAYS.slice(0, 2));
    expect(manifest.rollup?.blocks).toHaveLength(1);
    const ref = manifest.rollup!.blocks[0];
    const opened = openBlock((await t.store.get(t.keys.monthBlock(tenant, COMPLETE_MONTH, ref.shard, manifest.rollup!.shardCount, ref.hash)))!);
    expect(opened.index.identity.kind).toBe(BlockKind.Month);
    for (const key of SERIES) {
      const points = sortedPairs(model.get(key)!).filter(([ts]) => ts < monthFirstDay(MONTH) * DAY_MS);
      const columns = { timestamps: points.map(([ts]) => ts), values: points.map(([, v]) => v) };
      const { parts } = opened.section(opened.index.byKey.get(key)!);
      expect(parts.raw).toHaveLength(0);
      expect(decodeRollupPart(parts.h1)).toEqual(rollupStats(columns, 3_600_000, { heads: true }));
      expect(decodeRollupPart(parts.d1)).toEqual(rollupStats(columns, DAY_MS, { heads: true }));
    }
  });

  it('killed right after its Nth S3 PUT, for every N, and run again: nothing is lost at any point, and the end state is the same bytes', async () => {
    let kills = 0;
    for (let n = 1; ; n++) {
      const t = await target();
      const run = await runBundle(env(t, { STRATA_ARCHIVE_FAULT_KILL_AFTER_PUTS: String(n) }), ['--once']);
      if (run.signal !== 'SIGKILL') {
        // n is past the last PUT: the run finished by itself.
        expect({ n, code: run.code, output: run.output }).toMatchObject({ code: 0 });
        expect(await snapshot(t.store)).toEqual(clean);
        break;
      }
      kills++;
      await expectNothingLost(t, `killed after PUT ${n}`);
      await expectCatalogsComplete(t, `killed after PUT ${n}`);
      await expectIndexed(t, `killed after PUT ${n}`);
      const rerun = await runBundle(env(t), ['--once']);
      expect({ n, code: rerun.code, output: rerun.output }).toMatchObject({ code: 0 });
      await expectNothingLost(t, `re-run after a kill after PUT ${n}`);
      expect(await warmLeft(t)).toBe(0);
      expect(await indexLeft(t)).toEqual([]);
      expect({ n, objects: await snapshot(t.store) }).toEqual({ n, objects: clean });
      await release(t);
    }
    // 3 day blocks, a manifest after each day, 2 month blocks and their manifests, per year a
    // year block and a catalog, the run status.
    expect(kills).toBe(11 + 2 * YEARS);
  }, 900_000);

  it('killed with SIGKILL at random moments and run again: nothing is lost, same bytes at the end', async () => {
    const t = await target();
    let kills = 0;
    // A delete delay long enough that some kills land in it or among the deletes.
    for (const delay of [500, 900, 1_300, 1_700, 2_100, 2_600].map((d) => d + Math.floor(random() * 300))) {
      const run = await runBundle(env(t, { STRATA_ARCHIVE_DELETE_DELAY_MS: '800' }), ['--once'], { killAfterMs: delay });
      if (run.signal === 'SIGKILL') kills++;
      await expectNothingLost(t, `killed after ${delay} ms`);
      await expectCatalogsComplete(t, `killed after ${delay} ms`);
      await expectIndexed(t, `killed after ${delay} ms`);
    }
    expect(kills).toBeGreaterThanOrEqual(3);
    const last = await runBundle(env(t), ['--once']);
    expect(last.code).toBe(0);
    expect(await warmLeft(t)).toBe(0);
    expect(await indexLeft(t)).toEqual([]);
    expect(await snapshot(t.store)).toEqual(clean);
  }, 300_000);

  it('archives late points into the day again: its block, rollups and the month rollup are rebuilt', async () => {
    const t = targets[0];
    const key = SERIES[0];
    const day = DAYS[1];
    const start = day * DAY_MS + 4 * W;
    const late: Layer = windowPoints(random, start, 5);
    const overwritten = sortedPairs(model.get(key)!).find(([ts]) => ts >= day * DAY_MS && ts < (day + 1) * DAY_MS);
    if (overwritten) late.set(overwritten[0], 12_345.67);
    // A late re-seal of a day archived before: the writer's store indexes it again.
    await warmOf(t).putChunks([toChunk(tenant, key, start, late)]);
    for (const [ts, v] of late) model.get(key)!.set(ts, v);
    expect(await indexLeft(t)).toEqual([`${dayIso(day)} ${key}`]);

    const run = await runBundle(env(t), ['--day', dayIso(day)]);
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/1 series-days/);
    expect(await warmLeft(t)).toBe(0);
    expect(await indexLeft(t)).toEqual([]);
    await expectNothingLost(t, 'after re-archiving');
    const now = await snapshot(t.store);
    const changed = Object.keys(now).filter((k) => now[k] !== clean[k]);
    // The day's block (new name), both manifests' month (rollup rebuilt) and the month block.
    expect(changed.some((k) => k.includes(`/day/${dayIso(day)}/`))).toBe(true);
    expect(changed.some((k) => k.includes('/month/'))).toBe(true);
    expect(Object.keys(now).filter((k) => k.includes(`/day/${dayIso(day)}/`))).toHaveLength(1);
    expect(Object.keys(now).filter((k) => k.includes('/month/'))).toHaveLength(2);
    expect(changed.some((k) => k.includes('/catalog/'))).toBe(true);
    await expectCatalogsComplete(t, 'after re-archiving');
    const manifest = decodeManifest((await t.store.get(t.keys.manifest(tenant, COMPLETE_MONTH)))!);
    const ref = manifest.rollup!.blocks[0];
    const opened = openBlock((await t.store.get(t.keys.monthBlock(tenant, COMPLETE_MONTH, ref.shard, manifest.rollup!.shardCount, ref.hash)))!);
    const points = sortedPairs(model.get(key)!).filter(([ts]) => ts < monthFirstDay(MONTH) * DAY_MS);
    const d1 = decodeRollupPart(opened.section(opened.index.byKey.get(key)!).parts.d1);
    expect(d1).toEqual(rollupStats({ timestamps: points.map(([ts]) => ts), values: points.map(([, v]) => v) }, DAY_MS, { heads: true }));
  });

  it('runs on a schedule as a service: archives, reports its last success on /metrics, stops on SIGTERM', async () => {
    const t = await target();
    const [grpcPort, opsPort] = await freePorts(2);
    const child = spawn(process.execPath, [BUNDLE], {
      env: env(t, { STRATA_GRPC_PORT: String(grpcPort), STRATA_OPS_PORT: String(opsPort), STRATA_ARCHIVE_INTERVAL_MS: '1000' }),
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      let metrics = '';
      const started = Date.now() / 1_000;
      for (let i = 0; i < 100 && !/strata_archiver_runs_total\{[^}]*result="success"[^}]*\} [1-9]/.test(metrics); i++) {
        await new Promise((r) => setTimeout(r, 200));
        metrics = await fetch(`http://127.0.0.1:${opsPort}/metrics`).then((r) => r.text(), () => '');
      }
      const last = Number(/strata_archiver_last_success_timestamp_seconds\{[^}]*\} (\S+)/.exec(metrics)?.[1]);
      expect(last).toBeGreaterThanOrEqual(started);
      expect(last).toBeLessThanOrEqual(Date.now() / 1_000);
      expect(metrics).toMatch(/strata_archiver_windows_archived_total\{[^}]*\} [1-9]/);
      expect(metrics).toMatch(/strata_archiver_objects_written_total\{[^}]*kind="day_block"[^}]*\} 3/);
      expect(await warmLeft(t)).toBe(0);
      expect(await snapshot(t.store)).toEqual(clean);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);

  it('refuses a day too young to archive, and a malformed one', async () => {
    const t = targets[0];
    const young = await runBundle(env(t), ['--day', dayIso(TODAY - 1)]);
    expect(young.code).toBe(2);
    expect(young.output).toMatch(/only days that ended at least 2 days ago/);
    const bad = await runBundle(env(t), ['--day', '2026-02-30']);
    expect(bad.code).toBe(2);
    expect(bad.output).toMatch(/--day "2026-02-30" is not a calendar day/);
  });
});
