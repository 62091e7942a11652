import { Registry } from 'prom-client';
import { createLogger } from '@strata/runtime';
import { rollupStats } from '@strata/model';
import { DAY_MS, RetentionPolicy } from '@strata/storage';
import { BlockKind, ColdKeys, ColdReader, dayNumber, decodeCatalog, decodeManifest, decodeRollupPart, monthFirstDay, monthOfDay, type ObjectStore } from '@strata/storage/cold';
import { MemoryObjectStore } from '@strata/storage/testing';
import { prng } from '@strata/testing';
import { Archiver } from './archiver';
import { ArchiverMetrics } from './archiver-metrics';
import { MemoryWarmArchive, toChunk, W, windowPoints, type Layer } from '../test/archive-fixtures';
import { InlineBlockBuilder } from './block-pool';

const NOW = Date.UTC(2026, 10, 23, 12);
const TODAY = dayNumber(NOW);
const NOV1 = monthFirstDay(monthOfDay(TODAY));
// Oct 30, Oct 31, Nov 1: all older than the 14-day warm span.
const DAYS = [NOV1 - 2, NOV1 - 1, NOV1];
const SERIES = ['a{x="1"}', 'b'];
const retentionDays = (days: number) => new RetentionPolicy(460 * DAY_MS, new Map([['acme', days * DAY_MS]]));

function setup(options: { retention?: RetentionPolicy; store?: ObjectStore & { requests?: MemoryObjectStore['requests'] } } = {}) {
  const random = prng(11);
  const warm = new MemoryWarmArchive();
  const store = options.store ?? new MemoryObjectStore();
  const keys = new ColdKeys('');
  const model = new Map<string, Layer>();
  for (const key of SERIES) {
    const layer: Layer = new Map();
    for (const day of DAYS) {
      for (let w = 0; w < 12; w += 4) {
        const points = windowPoints(random, day * DAY_MS + w * W, 15);
        warm.put([toChunk('acme', key, day * DAY_MS + w * W, points)]);
        for (const [t, v] of points) layer.set(t, v);
      }
    }
    model.set(key, layer);
  }
  let now = NOW;
  const archiver = new Archiver({
    warm,
    store,
    keys,
    builder: new InlineBlockBuilder(),
    settings: { warmSpanDays: 14, lookbackDays: 60, recentDays: 7, fullSweepIntervalMs: 86_400_000, deleteDelayMs: 0, workers: 0, concurrency: 4, blockTargetBytes: 64 << 20, compact: true },
    metrics: new ArchiverMetrics(new Registry()),
    logger: createLogger({ service: 'spec', level: 'silent' }),
    now: () => now,
    ...(options.retention && { retention: options.retention }),
  });
  return { warm, store, keys, model, archiver, setNow: (ms: number) => (now = ms) };
}

const columns = (layer: Layer, from = -Infinity) => {
  const sorted = [...layer].filter(([t]) => t >= from).sort((a, b) => a[0] - b[0]);
  return { timestamps: sorted.map(([t]) => t), values: sorted.map(([, v]) => v) };
};

describe('year catalogs', () => {
  it('list the year’s month manifests and a year rollup block of every listed day’s 1 d rows', async () => {
    const { store, keys, model, archiver } = setup();
    await archiver.run({ fullSweep: true });
    const catalog = decodeCatalog((await store.get(keys.catalog('acme', 2026)))!);
    expect(catalog.months.map((m) => m.month)).toEqual([monthOfDay(DAYS[0]), monthOfDay(NOV1)]);
    for (const m of catalog.months) expect(m).toEqual(decodeManifest((await store.get(keys.manifest('acme', m.month)))!));
    // November to date has its month rollup too, so the year rollup exists.
    expect(catalog.rollup?.blocks).toHaveLength(1);
    const reader = new ColdReader(store, { keys });
    for (const key of SERIES) {
      const found = await reader.seriesParts('acme', BlockKind.Year, 2026, catalog.rollup!, key, ['d1']);
      expect(decodeRollupPart(found!.parts.d1!)).toEqual(rollupStats(columns(model.get(key)!), DAY_MS, { heads: true }));
    }
  });

  it('are rewritten only when a month manifest changed, and their replaced year blocks are collected', async () => {
    const { store, keys, warm, archiver } = setup();
    await archiver.run({ fullSweep: true });
    const first = await store.get(keys.catalog('acme', 2026));
    const puts = () => (store as MemoryObjectStore).requests.filter((r) => r.op === 'put' && r.key.startsWith('v1/')).length;
    const before = puts();
    await archiver.run({ fullSweep: true });
    expect(puts()).toBe(before);
    warm.put([toChunk('acme', 'b', DAYS[1] * DAY_MS + 2 * W, new Map([[DAYS[1] * DAY_MS + 2 * W + 7, 42]]))]);
    await archiver.run({ days: [DAYS[1]] });
    const second = await store.get(keys.catalog('acme', 2026));
    expect(Buffer.from(second!).equals(Buffer.from(first!))).toBe(false);
    const yearBlocks = (await store.list(keys.yearPrefix('acme', 2026))).keys;
    const rollup = decodeCatalog(second!).rollup!;
    expect(yearBlocks).toEqual(rollup.blocks.map((b) => keys.yearBlock('acme', 2026, b.shard, rollup.shardCount, b.hash)));
  });

  it('stop the run before any delete when one can be neither refreshed nor removed', async () => {
    const store = new MemoryObjectStore();
    const failing: ObjectStore = {
      get: (key, range) => store.get(key, range),
      list: (prefix, options) => store.list(prefix, options),
      put: async (key, bytes) => {
        if (key.includes('/catalog/')) throw new Error('S3 refused the catalog');
        return store.put(key, bytes);
      },
      delete: async (keys) => {
        if (keys.some((k) => k.includes('/catalog/'))) throw new Error('S3 refused the catalog');
        return store.delete(keys);
      },
    };
    const { warm, archiver } = setup({ store: failing });
    await expect(archiver.run({ fullSweep: true })).rejects.toThrow('S3 refused the catalog');
    // Every chunk is still in DynamoDB: nothing was deleted.
    expect(warm.chunks.size).toBe(SERIES.length * DAYS.length * 3);
  });
});

describe('retention of the cold tier', () => {
  it('drops the days past retention from the manifest first, deletes their blocks after, rebuilds the rollups, and is idempotent', async () => {
    // Archive everything, then let time pass so that Oct 30 is past a 23-day retention.
    const { store, keys, model, archiver, setNow } = setup({ retention: retentionDays(460) });
    await archiver.run({ fullSweep: true });
    const later = NOW;
    const policy = retentionDays(23); // cutoff Oct 31 12:00: Oct 30 expired, Oct 31 partly kept
    const second = setup({ retention: policy, store });
    second.setNow(later);
    const requests = (store as MemoryObjectStore).requests;
    const mark = requests.length;
    await second.archiver.run({ fullSweep: true });
    setNow(later);
    const october = monthOfDay(DAYS[0]);
    const manifest = decodeManifest((await store.get(keys.manifest('acme', october)))!);
    expect(manifest.days.map((d) => d.day)).toEqual([DAYS[1]]);
    expect(manifest.rollup).toBeDefined();
    expect((await store.list(keys.dayPrefix('acme', DAYS[0]))).keys).toEqual([]);
    // Order: the manifest and the catalog change before any block is deleted.
    const ops = requests.slice(mark).filter((r) => r.op !== 'get' && r.op !== 'list');
    const firstDelete = ops.findIndex((r) => r.op === 'delete');
    expect(ops.findIndex((r) => r.op === 'put' && r.key === keys.manifest('acme', october))).toBeLessThan(firstDelete);
    expect(ops.findIndex((r) => r.op === 'put' && r.key === keys.catalog('acme', 2026))).toBeLessThan(firstDelete);
    // The month and year rollups cover exactly the days kept.
    const catalog = decodeCatalog((await store.get(keys.catalog('acme', 2026)))!);
    const reader = new ColdReader(store, { keys });
    for (const key of SERIES) {
      const kept = columns(model.get(key)!, DAYS[1] * DAY_MS);
      const year = await reader.seriesParts('acme', BlockKind.Year, 2026, catalog.rollup!, key, ['d1']);
      expect(decodeRollupPart(year!.parts.d1!)).toEqual(rollupStats(kept, DAY_MS, { heads: true }));
      const month = await reader.seriesParts('acme', BlockKind.Month, october, manifest.rollup!, key, ['d1']);
      expect(decodeRollupPart(month!.parts.d1!)).toEqual(rollupStats({ timestamps: kept.timestamps.filter((t) => t < NOV1 * DAY_MS), values: kept.values.slice(0, kept.timestamps.filter((t) => t < NOV1 * DAY_MS).length) }, DAY_MS, { heads: true }));
    }
    // Every object in the bucket is named by a manifest or the catalog (nothing half-deleted, no garbage).
    const named = new Set<string>([keys.catalog('acme', 2026), ...catalog.rollup!.blocks.map((b) => keys.yearBlock('acme', 2026, b.shard, catalog.rollup!.shardCount, b.hash))]);
    for (const m of catalog.months) {
      named.add(keys.manifest('acme', m.month));
      for (const d of m.days) for (const b of d.blocks) named.add(keys.dayBlock('acme', d.day, b.shard, d.shardCount, b.hash));
      for (const b of m.rollup?.blocks ?? []) named.add(keys.monthBlock('acme', m.month, b.shard, m.rollup!.shardCount, b.hash));
    }
    expect(new Set((await store.list('v1/')).keys)).toEqual(named);
    // Again: nothing to write or delete.
    const again = requests.length;
    await second.archiver.run({ fullSweep: true });
    expect(requests.slice(again).filter((r) => (r.op === 'put' || r.op === 'delete') && r.key.startsWith('v1/'))).toEqual([]);
  });

  it('removes a month whose days all expired: its manifest, blocks and month rollup', async () => {
    const { store, keys } = setup();
    await setup({ store }).archiver.run({ fullSweep: true });
    const { archiver } = setup({ store, retention: retentionDays(22) }); // cutoff Nov 1 12:00
    await archiver.run({ fullSweep: true });
    const october = monthOfDay(DAYS[0]);
    expect(await store.get(keys.manifest('acme', october))).toBeUndefined();
    expect((await store.list(keys.monthPrefix('acme', october))).keys).toEqual([]);
    for (const day of DAYS.slice(0, 2)) expect((await store.list(keys.dayPrefix('acme', day))).keys).toEqual([]);
    expect(decodeCatalog((await store.get(keys.catalog('acme', 2026)))!).months.map((m) => m.month)).toEqual([monthOfDay(NOV1)]);
  });

  it('keeps other tenants’ days at their own retention', async () => {
    const { store, keys } = setup();
    await setup({ store }).archiver.run({ fullSweep: true });
    const { archiver } = setup({ store, retention: new RetentionPolicy(460 * DAY_MS, new Map([['other', DAY_MS]])) });
    await archiver.run({ fullSweep: true });
    expect(decodeManifest((await store.get(keys.manifest('acme', monthOfDay(DAYS[0]))))!).days).toHaveLength(2);
  });
});
