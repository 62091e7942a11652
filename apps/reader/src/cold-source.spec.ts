import { foldRollupStats, rollup, rollupStats, type RollupFunction } from '@strata/model';
import { Aggregation, type ReadRequest, type ReadResponse } from '@strata/proto';
import { DAY_MS, RetentionPolicy } from '@strata/storage';
import { BlockKind, dayNumber, monthOfDay } from '@strata/storage/cold';
import { HOUR, MemoryCold, NOW, readerHarness, W } from '../test/reader-harness';

const TODAY = dayNumber(NOW);
const D = TODAY - 40;
const at = (day: number, hours = 0) => day * DAY_MS + hours * HOUR;
const KEY = 'cpu{host="a"}';
const SELECTOR = { name: 'cpu', labels: [{ name: 'host', value: 'a' }] };
const AGG: Record<RollupFunction, Aggregation> = { avg: Aggregation.AVG, min: Aggregation.MIN, max: Aggregation.MAX, sum: Aggregation.SUM, count: Aggregation.COUNT, last: Aggregation.LAST };

/** 1-minute points with 2-decimal values over days D..D+2, and a gap on D+1 from 06:00 to 09:00. */
const POINTS: Array<[number, number]> = [];
for (let t = at(D); t < at(D + 3); t += 60_000) {
  if (t >= at(D + 1, 6) && t < at(D + 1, 9)) continue;
  POINTS.push([t, Math.round(Math.sin(t / 3_000_000) * 5_000 + (t % 7_000_000) / 1_000) / 100]);
}
const columns = (points: Array<[number, number]>) => ({ timestamps: points.map(([t]) => t), values: points.map(([, v]) => v) });
const pairs = (c: { timestamps: ArrayLike<number>; values: ArrayLike<number> }) => Array.from(c.timestamps as number[], (t, i) => [t, c.values[i]]);

async function readAll(harness: ReturnType<typeof readerHarness>, request: Partial<ReadRequest>) {
  const messages: ReadResponse[] = [];
  for await (const m of harness.reads.read('acme', { matchers: [], series: [SELECTOR], fromMs: 0, toMs: 0, stepMs: 0, aggregation: Aggregation.AVG, ...request })) messages.push(m);
  const points = messages.flatMap((m) => m.series.flatMap((s) => s.points.map((p) => [p.timestampMs, p.value])));
  return { points, warnings: messages.flatMap((m) => m.warnings) };
}

describe('the cold tier in the read path (in-memory S3)', () => {
  const setup = (options: { compact?: boolean } = {}) => {
    const cold = new MemoryCold();
    cold.archive('acme', new Map([[KEY, POINTS]]));
    if (options.compact) cold.compact('acme', monthOfDay(D), new Map([[KEY, POINTS]]));
    const reader = cold.reader();
    const harness = readerHarness({ cold: reader, limits: { maxPointsPerMessage: 100_000 } });
    return { cold, harness };
  };

  it('returns the raw points of archived days', async () => {
    const { harness } = setup();
    const { points, warnings } = await readAll(harness, { fromMs: at(D, 3), toMs: at(D + 2, 1) });
    expect(warnings).toEqual([]);
    expect(points).toEqual(POINTS.filter(([t]) => t >= at(D, 3) && t < at(D + 2, 1)));
  });

  it.each<[string, number, RollupFunction]>([
    ['1 d rows at a 1 d step', DAY_MS, 'sum'],
    ['1 h rows at a 1 h step', HOUR, 'avg'],
    ['5 m rows (none stored for this 1-minute series: its raw points) at a 5 m step', 300_000, 'last'],
    ['1 h rows folded at a 2 h step', 2 * HOUR, 'max'],
  ])('answers whole buckets from %s; exactly the raw answer for each stored resolution', async (_, step, fn) => {
    const { cold, harness } = setup();
    const { points, warnings } = await readAll(harness, { fromMs: at(D), toMs: at(D + 3), stepMs: step, aggregation: AGG[fn] });
    expect(warnings).toEqual([]);
    const resolution = [DAY_MS, HOUR, 300_000].find((r) => step % r === 0)!;
    expect(points).toEqual(pairs(foldRollupStats(rollupStats(columns(POINTS), resolution), step, fn)));
    if (resolution === step) expect(points).toEqual(pairs(rollup(columns(POINTS), step, fn)));
    // The (absent) year catalog, one manifest, and per day one GET of its small block, whole.
    expect(cold.store.count('get')).toBe(2 + 3);
  });

  it('rolls up the raw points of a day stored without 5 m rows, alone and in buckets shared with a day that has them', async () => {
    // Day D every 10 s (its 5 m rows are stored), D+1 every minute (they are not: they would
    // cost about as much as the points).
    const mixed = POINTS.filter(([t]) => t >= at(D + 1) && t < at(D + 2));
    for (let t = at(D); t < at(D + 1); t += 10_000) mixed.push([t, Math.round(Math.sin(t) * 10_000) / 100]);
    mixed.sort((a, b) => a[0] - b[0]);
    const cold = new MemoryCold();
    cold.archive('acme', new Map([[KEY, mixed]]));
    const reader = cold.reader();
    const m5Bytes = async (day: number) => (await reader.seriesParts('acme', BlockKind.Day, day, (await reader.day('acme', day))!, KEY, ['m5']))!.parts.m5!.length;
    expect(await m5Bytes(D)).toBeGreaterThan(0);
    expect(await m5Bytes(D + 1)).toBe(0);
    const harness = readerHarness({ cold: reader, limits: { maxPointsPerMessage: 100_000 } });
    // 5 m buckets never straddle days; 25 m buckets do (1 440 is no multiple of 25), so the
    // one across midnight needs D's raw points as well, fetched in a second round.
    for (const step of [300_000, 1_500_000]) {
      for (const fn of ['max', 'count', 'last'] as const) {
        const { points, warnings } = await readAll(harness, { fromMs: at(D), toMs: at(D + 2), stepMs: step, aggregation: AGG[fn] });
        expect(warnings).toEqual([]);
        expect(points).toEqual(pairs(rollup(columns(mixed), step, fn)));
      }
    }
  });

  it('reads a month rollup block instead of the days when compaction built one', async () => {
    const { cold, harness } = setup({ compact: true });
    const { points } = await readAll(harness, { fromMs: at(D), toMs: at(D + 3), stepMs: DAY_MS, aggregation: Aggregation.COUNT });
    expect(points).toEqual(pairs(rollup(columns(POINTS), DAY_MS, 'count')));
    expect(cold.store.requests.filter((r) => r.op === 'get').map((r) => r.key.split('/')[2])).toEqual(['catalog', 'manifest', 'month']);
  });

  it('reads the year catalog and its year rollup block instead of months and days when they exist', async () => {
    const { cold, harness } = setup({ compact: true });
    cold.catalog('acme', new Date(at(D)).getUTCFullYear(), new Map([[KEY, POINTS]]));
    for (const fn of ['count', 'sum'] as const) {
      const { points } = await readAll(harness, { fromMs: at(D), toMs: at(D + 3), stepMs: DAY_MS, aggregation: AGG[fn] });
      expect(points).toEqual(pairs(rollup(columns(POINTS), DAY_MS, fn)));
    }
    // Cold: the catalog and the (small) year block, whole; then all of it cached.
    expect(cold.store.requests.filter((r) => r.op === 'get').map((r) => r.key.split('/')[2])).toEqual(['catalog', 'year']);
    // The 1 h rows still come from the month block the catalog names.
    const hourly = await readAll(harness, { fromMs: at(D), toMs: at(D + 3), stepMs: HOUR, aggregation: AGG.max });
    expect(hourly.points).toEqual(pairs(rollup(columns(POINTS), HOUR, 'max')));
    expect(cold.store.requests.filter((r) => r.op === 'get').map((r) => r.key.split('/')[2]).slice(2)).toEqual(['month']);
  });

  it('reads partial buckets at the range edges raw, the whole ones from rows', async () => {
    const { cold, harness } = setup();
    const from = at(D, 10) + 17;
    const to = at(D + 2, 5);
    const { points } = await readAll(harness, { fromMs: from, toMs: to, stepMs: DAY_MS, aggregation: Aggregation.SUM });
    expect(points).toEqual(pairs(rollup(columns(POINTS.filter(([t]) => t >= from && t < to)), DAY_MS, 'sum')));
    // D and D+2 raw (and D+1 from its 1 d row): three small day blocks, one GET each.
    expect(cold.store.count('get')).toBe(2 + 3);
  });

  it('falls back to raw points for buckets where DynamoDB holds late points, newer values winning', async () => {
    const { harness } = setup();
    const late: Array<[number, number]> = [[at(D + 1, 7), 999], [POINTS[100][0], -5]];
    harness.warm.put('acme', KEY, at(D + 1, 6), [late[0]]);
    harness.warm.put('acme', KEY, Math.floor(POINTS[100][0] / W) * W, [late[1]]);
    const merged = new Map(POINTS);
    for (const [t, v] of late) merged.set(t, v);
    const visible = [...merged].sort((a, b) => a[0] - b[0]);
    for (const step of [HOUR, DAY_MS]) {
      const { points, warnings } = await readAll(harness, { fromMs: at(D), toMs: at(D + 3), stepMs: step, aggregation: Aggregation.SUM });
      expect(warnings).toEqual([]);
      // Every bucket is one stored row or raw, and either way it equals the raw answer here.
      expect(points).toEqual(pairs(rollup(columns(visible), step, 'sum')));
    }
    const raw = await readAll(harness, { fromMs: at(D), toMs: at(D + 3) });
    expect(raw.points).toEqual(visible);
  });

  it('refreshes a cached manifest whose block was replaced and collected, and reads the new one', async () => {
    const cold = new MemoryCold();
    cold.archive('acme', new Map([[KEY, POINTS]]));
    let clock = 0;
    const harness = readerHarness({ cold: cold.reader({ manifestTtlMs: 3_600_000, now: () => clock }), limits: { maxPointsPerMessage: 100_000 } });
    const uncached = readerHarness({ cold: cold.reader({ manifestTtlMs: 3_600_000, sectionCacheBytes: 0, now: () => clock }), limits: { maxPointsPerMessage: 100_000 } });
    for (const h of [harness, uncached]) await readAll(h, { fromMs: at(D), toMs: at(D + 1) });
    const changed = POINTS.map(([t, v]): [number, number] => [t, t < at(D + 1) ? v + 1 : v]);
    cold.archive('acme', new Map([[KEY, changed]]));
    for (const key of [...cold.store.objects.keys()]) {
      if (key.includes('/day/') && !cold.manifest('acme', monthOfDay(D)).days.some((d) => key.includes(Buffer.from(d.blocks[0].hash).toString('hex')))) cold.store.objects.delete(key);
    }
    const expected = changed.filter(([t]) => t < at(D + 1));
    // Without the section in memory, the missing block sends the reader back to the catalog.
    const fresh = await readAll(uncached, { fromMs: at(D), toMs: at(D + 1) });
    expect(fresh.warnings).toEqual([]);
    expect(fresh.points).toEqual(expected);
    // With it, the reader answers as of the manifest it holds (a block's key names its
    // content, so the section is exactly what that manifest archived) until the manifest's
    // TTL runs out, as it would while the replaced block still existed.
    expect((await readAll(harness, { fromMs: at(D), toMs: at(D + 1) })).points).toEqual(POINTS.filter(([t]) => t < at(D + 1)));
    clock = 3_600_000;
    const { points, warnings } = await readAll(harness, { fromMs: at(D), toMs: at(D + 1) });
    expect(warnings).toEqual([]);
    expect(points).toEqual(expected);
  });

  it('never returns points older than the tenant’s retention, in any tier; other tenants keep their own', async () => {
    const cold = new MemoryCold();
    cold.archive('acme', new Map([[KEY, POINTS]]));
    cold.archive('beta', new Map([[KEY, POINTS]]));
    // acme keeps 40 days: the cutoff falls on D + 1 at NOW's time of day.
    const retention = new RetentionPolicy(460 * DAY_MS, new Map([['acme', 40 * DAY_MS]]));
    const harness = readerHarness({ cold: cold.reader(), retention, limits: { maxPointsPerMessage: 100_000 } });
    const cutoff = NOW - 40 * DAY_MS;
    harness.warm.put('acme', KEY, Math.floor(POINTS[5][0] / W) * W, [[POINTS[5][0], 77]]);
    const raw = await readAll(harness, { fromMs: at(D), toMs: at(D + 3) });
    expect(raw.points).toEqual(POINTS.filter(([t]) => t >= cutoff));
    const daily = await readAll(harness, { fromMs: at(D), toMs: at(D + 3), stepMs: DAY_MS, aggregation: Aggregation.COUNT });
    expect(daily.points).toEqual(pairs(rollup(columns(POINTS.filter(([t]) => t >= cutoff)), DAY_MS, 'count')));
    const before = await readAll(harness, { fromMs: at(D), toMs: cutoff });
    expect(before.points).toEqual([]);
    const other = [];
    for await (const m of harness.reads.read('beta', { matchers: [], series: [SELECTOR], fromMs: at(D), toMs: at(D + 3), stepMs: 0, aggregation: Aggregation.AVG })) other.push(...m.series.flatMap((x) => x.points));
    expect(other).toHaveLength(POINTS.length);
  });

  it('answers the rest with a warning naming the days when S3 fails', async () => {
    const { cold, harness } = setup();
    harness.warm.put('acme', KEY, at(D + 1, 6), [[at(D + 1, 7), 999]]);
    cold.store.failWith = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8333'), { code: 'ECONNREFUSED' });
    const { points, warnings } = await readAll(harness, { fromMs: at(D, 12), toMs: at(D + 3), stepMs: HOUR, aggregation: Aggregation.MAX });
    expect(points).toEqual([[at(D + 1, 7), 999]]);
    expect(warnings).toEqual([
      `cold tier (S3) failed for 1 of 1 series (${KEY}): connect ECONNREFUSED 127.0.0.1:8333; points in [${new Date(at(D, 12)).toISOString()}, ${new Date(at(D + 3)).toISOString()}) (ms ${at(D, 12)} to ${at(D + 3)}) that only this tier holds are missing`,
    ]);
  });

  it('warns about corrupt stored rows and answers every other bucket', async () => {
    const { cold, harness } = setup();
    const dayKey = [...cold.store.objects.keys()].find((k) => k.includes('/day/') && cold.manifest('acme', monthOfDay(D)).days[1].blocks[0] && k.includes(Buffer.from(cold.manifest('acme', monthOfDay(D)).days[1].blocks[0].hash).toString('hex')))!;
    const block = cold.store.objects.get(dayKey)!;
    // Flip a byte in the last part of the only series (its 1 d row), which no checksum of the index covers.
    const ref = cold.manifest('acme', monthOfDay(D)).days[1].blocks[0];
    block[ref.indexOffset - 3] ^= 0xff;
    const { points, warnings } = await readAll(harness, { fromMs: at(D), toMs: at(D + 3), stepMs: DAY_MS, aggregation: Aggregation.COUNT });
    expect(points.map(([t]) => t)).toEqual([at(D), at(D + 2)]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^cold tier \(S3\) failed for 1 of 1 series .*the rollup rows stored for \[.*\) are corrupt/);
  });
});
