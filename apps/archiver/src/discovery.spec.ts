import { Registry } from 'prom-client';
import { createLogger } from '@strata/runtime';
import { DAY_MS } from '@strata/storage';
import { ColdKeys, dayNumber } from '@strata/storage/cold';
import { MemoryObjectStore } from '@strata/storage/testing';
import { prng } from '@strata/testing';
import { Archiver } from './archiver';
import { ArchiverMetrics } from './archiver-metrics';
import { MemoryWarmArchive, toChunk, W, windowPoints } from '../test/archive-fixtures';
import { InlineBlockBuilder } from './block-pool';
import { discoverDay, entriesToClear } from './discovery';

const NOW = Date.UTC(2026, 10, 23, 12);
const TODAY = dayNumber(NOW);
const OLD = TODAY - 20;
const RECENT = TODAY - 5;

function setup(series: readonly string[], days: readonly number[]) {
  const random = prng(11);
  const warm = new MemoryWarmArchive();
  for (const key of series) {
    for (const day of days) {
      for (let w = 0; w < 12; w += 4) warm.put([toChunk('acme', key, day * DAY_MS + w * W, windowPoints(random, day * DAY_MS + w * W, 10))]);
    }
  }
  const archiver = new Archiver({
    warm,
    store: new MemoryObjectStore(),
    keys: new ColdKeys(''),
    builder: new InlineBlockBuilder(),
    settings: { warmSpanDays: 14, lookbackDays: 60, recentDays: 7, fullSweepIntervalMs: 86_400_000, deleteDelayMs: 0, workers: 0, concurrency: 4, blockTargetBytes: 64 << 20, compact: false },
    metrics: new ArchiverMetrics(new Registry()),
    logger: createLogger({ service: 'spec', level: 'silent' }),
    now: () => NOW,
  });
  const indexed = (day: number) => [...warm.index.keys()].filter((id) => id.startsWith(`${day}\u0000`)).map((id) => id.split('\u0000')[2]).sort();
  return { warm, archiver, indexed };
}

describe('finding a day\u2019s work in the day index', () => {
  it('lists each series of a day once per tenant, sorted, from every shard', async () => {
    const { warm } = setup(['b', 'a{x="1"}', 'c'], [OLD, RECENT]);
    warm.put([{ tenant: 'beta', seriesKey: 'z', start: OLD * DAY_MS, chunk: new Uint8Array([0]), count: 0 }]);
    const found = await discoverDay(warm, OLD, 3);
    expect([...found.keys()].sort()).toEqual(['acme', 'beta']);
    expect(found.get('acme')!.map((e) => e.seriesKey)).toEqual(['a{x="1"}', 'b', 'c']);
    expect(found.get('acme')!.every((e) => e.day === OLD && e.token !== undefined)).toBe(true);
    expect(await discoverDay(warm, OLD - 1, 3)).toEqual(new Map());
  });

  it('includes series found only through the legacy index, without a token (nothing to clear)', async () => {
    const { warm } = setup(['a'], [OLD]);
    warm.legacyArchivableSeries = async (_day: number, shard: number) => (shard === 3 ? [{ tenant: 'acme', seriesKey: 'old' }, { tenant: 'acme', seriesKey: 'a' }] : []);
    const entries = (await discoverDay(warm, OLD, 2)).get('acme')!;
    expect(entries.map((e) => [e.seriesKey, e.token !== undefined])).toEqual([
      ['a', true],
      ['old', false],
    ]);
    expect(entriesToClear(entries, []).map((e) => e.seriesKey)).toEqual(['a']);
  });
});

describe('clearing the day index after archiving', () => {
  it('removes the entries of archived days once their chunks are gone, and keeps those of days not archived', async () => {
    const { archiver, warm, indexed } = setup(['a', 'b'], [OLD, RECENT]);
    const report = await archiver.run({ fullSweep: true });
    expect(report).toMatchObject({ tenantDays: 1, chunksDeleted: 6, indexEntriesCleared: 2, failures: 0 });
    expect(indexed(OLD)).toEqual([]);
    expect(indexed(RECENT)).toEqual(['a', 'b']);
    // Entries go after the chunks they stand for.
    expect(warm.log.findIndex((l) => l.startsWith('unindex'))).toBeGreaterThan(warm.log.findLastIndex((l) => l.startsWith('delete')));
  });

  it('keeps the entry of a series re-sealed meanwhile, and the next run archives and clears it', async () => {
    const { archiver, warm, indexed } = setup(['a', 'b'], [OLD]);
    let resealed = false;
    warm.beforeDelete = (chunk) => {
      if (resealed || chunk.seriesKey !== 'b') return;
      resealed = true;
      warm.put([toChunk('acme', 'b', chunk.start, new Map([[chunk.start + 7, 1.5]]))]);
    };
    expect(await archiver.run({ days: [OLD] })).toMatchObject({ deleteConflicts: 1, indexEntriesCleared: 1 });
    expect(indexed(OLD)).toEqual(['b']);
    warm.beforeDelete = undefined;
    expect(await archiver.run({ days: [OLD] })).toMatchObject({ windows: 1, chunksDeleted: 1, indexEntriesCleared: 1 });
    expect(indexed(OLD)).toEqual([]);
    expect(warm.chunks.size).toBe(0);
  });

  it('keeps an entry rewritten between discovery and clearing (a new window of the day sealed late)', async () => {
    const { archiver, warm, indexed } = setup(['a'], [OLD]);
    let sealed = false;
    const deleteChunkIf = warm.deleteChunkIf.bind(warm);
    warm.deleteChunkIf = async (...args) => {
      const out = await deleteChunkIf(...args);
      if (!sealed) {
        sealed = true;
        // A window the archiver never read: its chunk and a fresh index write.
        warm.put([toChunk('acme', 'a', OLD * DAY_MS + 11 * W, new Map([[OLD * DAY_MS + 11 * W, 3]]))]);
      }
      return out;
    };
    expect(await archiver.run({ days: [OLD] })).toMatchObject({ chunksDeleted: 3, indexEntriesCleared: 0 });
    expect(indexed(OLD)).toEqual(['a']);
    expect(await archiver.run({ days: [OLD] })).toMatchObject({ windows: 1, chunksDeleted: 1, indexEntriesCleared: 1 });
    expect(warm.chunks.size).toBe(0);
  });

  it('clears an entry whose series has no chunk left (a run killed between its deletes)', async () => {
    const { archiver, warm, indexed } = setup(['a'], [OLD]);
    for (const [id, c] of warm.chunks) if (c.seriesKey === 'a') warm.chunks.delete(id);
    expect(await archiver.run({ days: [OLD] })).toMatchObject({ tenantDays: 0, indexEntriesCleared: 1, failures: 0 });
    expect(indexed(OLD)).toEqual([]);
  });

  it('keeps every entry of a tenant-day whose chunk deletes failed', async () => {
    const { archiver, warm, indexed } = setup(['a', 'b'], [OLD]);
    warm.deleteChunkIf = async () => {
      throw new Error('DynamoDB is down');
    };
    expect(await archiver.run({ days: [OLD] })).toMatchObject({ failures: 1, indexEntriesCleared: 0 });
    expect(indexed(OLD)).toEqual(['a', 'b']);
  });
});
