import { Registry } from 'prom-client';
import { createLogger } from '@strata/runtime';
import { DAY_MS } from '@strata/storage';
import { ColdKeys, dayNumber, decodeManifest, monthFirstDay, monthOfDay } from '@strata/storage/cold';
import { MemoryObjectStore } from '@strata/storage/testing';
import { prng } from '@strata/testing';
import { Archiver, type ArchiverDeps } from './archiver';
import { ArchiverMetrics } from './archiver-metrics';
import { MemoryLedger, MemoryWarmArchive, snapshot, sortedPairs, toChunk, visiblePoints, W, windowPoints, type Layer } from '../test/archive-fixtures';
import { InlineBlockBuilder } from './block-pool';
import type { ArchiveSettings } from './config';

const NOW = Date.UTC(2026, 10, 23, 12);
const TODAY = dayNumber(NOW);
// The last two days of October and the first of November; October is complete at a 14-day span.
const DAYS = [monthFirstDay(monthOfDay(TODAY)) - 2, monthFirstDay(monthOfDay(TODAY)) - 1, monthFirstDay(monthOfDay(TODAY))];
const SETTINGS: ArchiveSettings = {
  warmSpanDays: 14,
  lookbackDays: 60,
  recentDays: 7,
  fullSweepIntervalMs: 86_400_000,
  deleteDelayMs: 0,
  workers: 0,
  concurrency: 4,
  blockTargetBytes: 64 << 20,
  compact: true,
};
const SERIES = ['a{x="1"}', 'b', 'c{d="é"}'];

function setup(options: { settings?: Partial<ArchiveSettings>; seed?: number; days?: number[]; ledger?: MemoryLedger } = {}) {
  const random = prng(options.seed ?? 7);
  const warm = new MemoryWarmArchive();
  const store = new MemoryObjectStore();
  const keys = new ColdKeys('');
  const registry = new Registry();
  const metrics = new ArchiverMetrics(registry);
  const model = new Map<string, Layer>();
  for (const key of SERIES) {
    const layer: Layer = new Map();
    for (const day of options.days ?? [...DAYS, TODAY - 5]) {
      for (let w = 0; w < 12; w += 3) {
        const points = windowPoints(random, day * DAY_MS + w * W, 20);
        warm.put([toChunk('acme', key, day * DAY_MS + w * W, points)]);
        for (const [t, v] of points) layer.set(t, v);
      }
    }
    model.set(key, layer);
  }
  const deps: ArchiverDeps = {
    warm,
    store,
    keys,
    builder: new InlineBlockBuilder(),
    settings: { ...SETTINGS, ...options.settings },
    metrics,
    logger: createLogger({ service: 'spec', level: 'silent' }),
    now: () => NOW,
    ...(options.ledger && { ledger: options.ledger }),
  };
  return { warm, store, keys, registry, metrics, model, archiver: new Archiver(deps), deps };
}

const metric = async (registry: Registry, name: string, labels: Record<string, string> = {}) =>
  (await registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;

describe('Archiver.run', () => {
  it('archives the days older than the warm span, and only those', async () => {
    const { archiver, warm, store, keys, model } = setup();
    expect(archiver.lastEligibleDay(NOW)).toBe(TODAY - 15);
    const report = await archiver.run({ fullSweep: true });
    // October, and November to date (its first day).
    expect(report).toMatchObject({ tenantDays: 3, seriesDays: 9, windows: 36, monthsCompacted: 2, chunksDeleted: 36, deleteConflicts: 0, failures: 0 });
    // The recent day stays in DynamoDB.
    expect([...warm.chunks.values()].every((c) => dayNumber(c.start) === TODAY - 5)).toBe(true);
    for (const key of SERIES) {
      const expected = sortedPairs(model.get(key)!).filter(([t]) => dayNumber(t) <= DAYS[2]);
      expect(await visiblePoints(store, keys, warm, 'acme', key, DAYS)).toEqual(expected);
    }
  });

  it('looks at the recent days on an ordinary run and at the whole lookback on a full sweep', () => {
    const { archiver } = setup();
    expect(archiver.daysInScope(NOW, false)).toEqual([TODAY - 21, TODAY - 20, TODAY - 19, TODAY - 18, TODAY - 17, TODAY - 16, TODAY - 15]);
    const full = archiver.daysInScope(NOW, true);
    expect([full[0], full.at(-1), full.length]).toEqual([TODAY - 60, TODAY - 15, 46]);
  });

  it('deletes a chunk only after the manifest that holds it is written, and only if unchanged', async () => {
    const { archiver, warm, store } = setup({ days: [DAYS[0]] });
    const events: string[] = [];
    const put = store.put.bind(store);
    store.put = async (key, bytes) => {
      events.push(key.includes('/manifest/') ? 'manifest' : 'block');
      await put(key, bytes);
    };
    let changed = 0;
    warm.beforeDelete = (chunk) => {
      events.push('delete');
      // A late point re-seals one window between the archive and the delete.
      if (changed++ === 0) warm.put([toChunk(chunk.tenant, chunk.seriesKey, chunk.start, new Map([[chunk.start + 1, 42]]))]);
    };
    const report = await archiver.run({ days: [DAYS[0]] });
    expect(events.indexOf('delete')).toBeGreaterThan(events.lastIndexOf('manifest'));
    expect(report).toMatchObject({ chunksDeleted: 11, deleteConflicts: 1 });
    expect(warm.chunks.size).toBe(1);
    // The next run archives the changed window into the same day.
    warm.beforeDelete = undefined;
    const again = await archiver.run({ days: [DAYS[0]] });
    expect(again).toMatchObject({ tenantDays: 1, windows: 1, chunksDeleted: 1, deleteConflicts: 0 });
    expect(warm.chunks.size).toBe(0);
  });

  it('is deterministic: the same chunks give the same objects, byte for byte', async () => {
    const a = setup({ seed: 3 });
    const b = setup({ seed: 3 });
    await a.archiver.run({ fullSweep: true });
    await b.archiver.run({ fullSweep: true });
    expect(await snapshot(a.store)).toEqual(await snapshot(b.store));
    const again = await a.archiver.run({ fullSweep: true });
    expect(again.blocksWritten).toBe(0);
  });

  it('keeps the month rollup only while it covers exactly the listed days', async () => {
    const { archiver, warm, store, keys } = setup();
    await archiver.run({ fullSweep: true });
    const october = monthOfDay(DAYS[0]);
    const manifest = async () => decodeManifest((await store.get(keys.manifest('acme', october)))!);
    expect((await manifest()).rollup).toBeDefined();
    const monthBlocks = async () => (await store.list(keys.monthPrefix('acme', october))).keys;
    const before = await monthBlocks();
    warm.put([toChunk('acme', SERIES[1], DAYS[1] * DAY_MS + 2 * W, new Map([[DAYS[1] * DAY_MS + 2 * W + 5, 1.25]]))]);
    await archiver.run({ days: [DAYS[1]] });
    // Rebuilt in the same run (October is complete), the old block collected.
    expect((await manifest()).rollup).toBeDefined();
    const after = await monthBlocks();
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
  });

  it('fails the run and deletes nothing when S3 fails; the last success stays where it was', async () => {
    const { archiver, warm, store, registry } = setup({ days: [DAYS[0]] });
    store.failWith = new Error('S3 is down');
    const report = await archiver.run({ days: [DAYS[0]] });
    // The tenant-day, and the retention sweep that could not list the tenants.
    expect(report).toMatchObject({ tenantDays: 0, failures: 2, chunksDeleted: 0 });
    expect(warm.chunks.size).toBe(12);
    expect(await metric(registry, 'strata_archiver_runs_total', { result: 'failure' })).toBe(1);
    expect(await metric(registry, 'strata_archiver_last_success_timestamp_seconds')).toBe(0);
    store.failWith = undefined;
    expect((await archiver.run({ days: [DAYS[0]] })).failures).toBe(0);
    expect(await metric(registry, 'strata_archiver_last_success_timestamp_seconds')).toBe(NOW / 1_000);
    expect(await metric(registry, 'strata_archiver_windows_archived_total')).toBe(12);
    expect(await metric(registry, 'strata_archiver_objects_written_total', { kind: 'day_block' })).toBe(1);
    expect(await metric(registry, 'strata_archiver_bytes_written_total', { kind: 'manifest' })).toBeGreaterThan(0);
  });

  it('restores the last success from S3 at start-up, or counts from the process start', async () => {
    const { archiver, store, keys, registry } = setup({ days: [DAYS[0]] });
    expect(await archiver.restoreLastSuccess(1_000_000)).toBe(1_000_000);
    expect(await metric(registry, 'strata_archiver_last_success_timestamp_seconds')).toBe(1_000);
    await archiver.run({ days: [DAYS[0]] });
    expect(JSON.parse(Buffer.from((await store.get(keys.status()))!).toString())).toEqual({ lastSuccessMs: NOW, lastSuccess: new Date(NOW).toISOString() });
    const restarted = setup({ days: [] });
    const after = new Archiver({ ...restarted.deps, store });
    expect(await after.restoreLastSuccess(2_000_000)).toBe(NOW);
    store.failWith = new Error('S3 is down');
    expect(await after.restoreLastSuccess(2_000_000)).toBe(2_000_000);
  });

  it('waits the delete delay, and deletes nothing when stopped meanwhile', async () => {
    const { archiver, warm } = setup({ days: [DAYS[0]], settings: { deleteDelayMs: 60_000 } });
    const stop = new AbortController();
    const running = archiver.run({ days: [DAYS[0]], signal: stop.signal });
    await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    const report = await running;
    expect(report.chunksDeleted).toBe(0);
    expect(warm.chunks.size).toBe(12);
  });

  it('splits a large day into power-of-two shards, each block holding its series', async () => {
    const many = setup({ days: [DAYS[0]] });
    // 40 series of 1 200 points: about 150 KB of blocks.
    for (let s = 0; s < 40; s++) {
      for (let w = 0; w < 12; w++) many.warm.put([toChunk('acme', `m${s}`, DAYS[0] * DAY_MS + w * W, new Map(Array.from({ length: 100 }, (_, i) => [DAYS[0] * DAY_MS + w * W + i * 60_000, Math.sin(i + s) * 1e3] as [number, number])))]);
    }
    const big = new Archiver({ ...many.deps, settings: { ...SETTINGS, blockTargetBytes: 64 * 1024 } });
    await big.run({ days: [DAYS[0]] });
    const manifest = decodeManifest((await many.store.get(many.keys.manifest('acme', monthOfDay(DAYS[0]))))!);
    const day = manifest.days[0];
    expect(day.shardCount).toBeGreaterThanOrEqual(4);
    expect(day.blocks.reduce((n, b) => n + b.series, 0)).toBe(43);
    expect(day.blocks.every((b) => b.size < 64 * 1024)).toBe(true);
  });

  describe('clean marks for readers (the late-write ledger)', () => {
    it('marks a tenant-day once none of its chunks is left, and not while a changed one is', async () => {
      const ledger = new MemoryLedger();
      const { archiver, warm, metrics } = setup({ days: [DAYS[0]], ledger });
      let changed = 0;
      warm.beforeDelete = (chunk) => {
        // A late point re-seals one window between the archive and the delete; the writer records it.
        if (changed++ > 0) return;
        warm.put([toChunk(chunk.tenant, chunk.seriesKey, chunk.start, new Map([[chunk.start + 1, 42]]))]);
        ledger.record(chunk.tenant, DAYS[0]);
      };
      await archiver.run({ days: [DAYS[0]] });
      expect(ledger.isClean('acme', DAYS[0])).toBe(false);
      warm.beforeDelete = undefined;
      await archiver.run({ days: [DAYS[0]] });
      expect(warm.chunks.size).toBe(0);
      expect(ledger.isClean('acme', DAYS[0])).toBe(true);
      expect((await metrics.cleanMarks.get()).values.find((v) => v.labels.result === 'set')?.value).toBe(1);
    });

    it('refuses the mark when a chunk is recorded after the archiver read the count', async () => {
      const ledger = new MemoryLedger();
      const { archiver, warm } = setup({ days: [DAYS[0]], ledger });
      const counts = ledger.writeCounts.bind(ledger);
      ledger.writeCounts = async (day) => {
        const seen = await counts(day);
        // A new series' first chunk of the day lands right after: its entry may be missed.
        warm.put([toChunk('acme', 'late', DAYS[0] * DAY_MS, new Map([[DAYS[0] * DAY_MS, 1]]))]);
        ledger.record('acme', DAYS[0]);
        return seen;
      };
      await archiver.run({ days: [DAYS[0]] });
      expect(ledger.isClean('acme', DAYS[0])).toBe(false);
    });

    it('marks the days of a tenant in S3 that have no entry at all, and no other tenant', async () => {
      const ledger = new MemoryLedger();
      const { archiver } = setup({ days: [DAYS[0]], ledger });
      await archiver.run({ days: [DAYS[0]] });
      // Nothing of DAYS[1] was ever written: nothing of it can be in DynamoDB.
      await archiver.run({ days: [DAYS[1]] });
      expect(ledger.isClean('acme', DAYS[1])).toBe(true);
      expect(ledger.isClean('other', DAYS[1])).toBe(false);
    });

    it('archives as usual when Redis fails, and marks nothing', async () => {
      const ledger = new MemoryLedger();
      ledger.failing = true;
      const { archiver, warm, metrics } = setup({ days: [DAYS[0]], ledger });
      const report = await archiver.run({ days: [DAYS[0]] });
      expect(report.failures).toBe(0);
      expect(warm.chunks.size).toBe(0);
      ledger.failing = false;
      expect(ledger.isClean('acme', DAYS[0])).toBe(false);
      expect((await metrics.cleanMarks.get()).values.find((v) => v.labels.result === 'error')?.value).toBeGreaterThan(0);
    });
  });
});
