import { join } from 'node:path';
import { createLogger, workerEntry } from '@strata/runtime';
import { DAY_MS } from '@strata/storage';
import { decodeChunk, encodeChunk } from '@strata/storage/codec';
import { BlockKind, decodeRollupPart, openBlock, splitRawPart } from '@strata/storage/cold';
import { rollupStats } from '@strata/model';
import { BlockPool, InlineBlockBuilder } from './block-pool';
import { buildDayBlock, buildMonthBlock, packBytes, runBlockTask, type DayBlockTask } from './block-task';

const DAY = 20_758;
const T0 = DAY * DAY_MS;
const chunk = (points: Array<[number, number]>) => encodeChunk(points.map(([timestampMs, value]) => ({ timestampMs, value })));

function dayTask(series: Array<{ key: string; chunks: Uint8Array[] }>, oldBlock?: Uint8Array): DayBlockTask {
  const { buffer, spans } = packBytes([...(oldBlock ? [oldBlock] : []), ...series.flatMap((s) => s.chunks)]);
  let next = oldBlock ? 1 : 0;
  return {
    type: 'day',
    id: 1,
    tenant: 'acme',
    day: DAY,
    shard: 0,
    shardCount: 1,
    buffer,
    ...(oldBlock && { oldBlock: spans[0] }),
    series: series.map((s) => ({ key: s.key, chunks: s.chunks.map(() => spans[next++]) })),
  };
}

const rawOf = (block: ArrayBuffer, key: string) => {
  const opened = openBlock(new Uint8Array(block));
  const entry = opened.index.byKey.get(key);
  if (!entry) return undefined;
  const columns = splitRawPart(opened.section(entry).parts.raw).map((c) => decodeChunk(c));
  return columns.flatMap((c) => Array.from(c.timestamps, (t, i) => [t, c.values[i]]));
};

describe('buildDayBlock', () => {
  const first = buildDayBlock(
    dayTask([
      { key: 'b', chunks: [chunk([[T0, 1], [T0 + 60_000, 2]]), chunk([[T0 + 7_200_000, 3]])] },
      { key: 'a', chunks: [chunk([[T0 + 5, 9]])] },
    ]),
  );

  it('packs series in key order with their raw points and rollups', () => {
    const opened = openBlock(new Uint8Array(first.bytes));
    expect(opened.index.entries.map((e) => [e.seriesKey, e.points])).toEqual([['a', 1], ['b', 3]]);
    expect(rawOf(first.bytes, 'b')).toEqual([[T0, 1], [T0 + 60_000, 2], [T0 + 7_200_000, 3]]);
    const columns = { timestamps: [T0, T0 + 60_000, T0 + 7_200_000], values: [1, 2, 3] };
    const parts = opened.section(opened.index.byKey.get('b')!).parts;
    // Three points: their 5 m rows would cost more than the points, so they are not stored.
    expect(parts.m5).toHaveLength(0);
    expect(decodeRollupPart(parts.h1)).toEqual(rollupStats(columns, 3_600_000, { heads: true }));
    expect(decodeRollupPart(parts.d1)).toEqual(rollupStats(columns, DAY_MS, { heads: true }));
    expect(first).toMatchObject({ series: 2, points: 4, rebuilt: 2 });
  });

  it('merges warm chunks over the old block (DynamoDB newer), copying the untouched series', () => {
    const old = new Uint8Array(first.bytes);
    const next = buildDayBlock(dayTask([{ key: 'b', chunks: [chunk([[T0 + 60_000, 20], [T0 + 90_000, 25]])] }, { key: 'c', chunks: [chunk([[T0 + 1, 0]])] }], old));
    expect(rawOf(next.bytes, 'a')).toEqual([[T0 + 5, 9]]);
    expect(rawOf(next.bytes, 'b')).toEqual([[T0, 1], [T0 + 60_000, 20], [T0 + 90_000, 25], [T0 + 7_200_000, 3]]);
    expect(rawOf(next.bytes, 'c')).toEqual([[T0 + 1, 0]]);
    const opened = openBlock(new Uint8Array(next.bytes));
    const oldOpened = openBlock(old);
    expect(opened.section(opened.index.byKey.get('a')!)).toEqual(oldOpened.section(oldOpened.index.byKey.get('a')!));
  });

  it('gives the same bytes and hash for the same input, and for a repeat of archived chunks', () => {
    const again = buildDayBlock(dayTask([{ key: 'b', chunks: [chunk([[T0, 1], [T0 + 60_000, 2]]), chunk([[T0 + 7_200_000, 3]])] }, { key: 'a', chunks: [chunk([[T0 + 5, 9]])] }]));
    expect(Buffer.from(again.bytes)).toEqual(Buffer.from(first.bytes));
    expect(again.hash).toEqual(first.hash);
    const repeat = buildDayBlock(dayTask([{ key: 'a', chunks: [chunk([[T0 + 5, 9]])] }], new Uint8Array(first.bytes)));
    expect(repeat.hash).toEqual(first.hash);
  });

  it('reports a corrupt chunk as a failure instead of throwing', () => {
    const bad = chunk([[T0, 1]]);
    bad[3] ^= 1;
    expect(runBlockTask(dayTask([{ key: 'a', chunks: [bad] }]))).toEqual({ id: 1, error: expect.stringMatching(/checksum/) });
  });
});

describe('buildMonthBlock', () => {
  it('joins the 1 h and 1 d rows of a series over its days, without raw points', () => {
    const days = [0, 1].map((d) => [[T0 + d * DAY_MS + 10, d + 0.5], [T0 + d * DAY_MS + 3_700_000, d + 1.25]] as Array<[number, number]>);
    const parts = days.map((points) => {
      const built = buildDayBlock(dayTask([{ key: 's', chunks: [chunk(points)] }]));
      const opened = openBlock(new Uint8Array(built.bytes));
      return opened.section(opened.index.byKey.get('s')!).parts;
    });
    const { buffer, spans } = packBytes(parts.flatMap((p) => [p.h1, p.d1]));
    const month = buildMonthBlock({ type: 'month', id: 2, tenant: 'acme', month: 682, shard: 0, shardCount: 1, buffer, series: [{ key: 's', points: 4, days: [{ h1: spans[0], d1: spans[1] }, { h1: spans[2], d1: spans[3] }] }] });
    const opened = openBlock(new Uint8Array(month.bytes));
    expect(opened.index.identity).toMatchObject({ kind: BlockKind.Month, period: 682 });
    const section = opened.section(opened.index.byKey.get('s')!);
    const all = days.flat();
    const columns = { timestamps: all.map(([t]) => t), values: all.map(([, v]) => v) };
    expect(section.points).toBe(4);
    expect(section.parts.raw).toHaveLength(0);
    expect(section.parts.m5).toHaveLength(0);
    expect(decodeRollupPart(section.parts.h1)).toEqual(rollupStats(columns, 3_600_000, { heads: true }));
    expect(decodeRollupPart(section.parts.d1)).toEqual(rollupStats(columns, DAY_MS, { heads: true }));
  });
});

describe('BlockPool', () => {
  const logger = createLogger({ service: 'spec', level: 'silent' });
  const pool = new BlockPool({ entry: workerEntry(__dirname, 'block'), size: 2, logger });

  beforeAll(() => pool.start(), 30_000);
  afterAll(() => pool.stop());

  it('builds in worker threads exactly what the inline builder builds, and reports failures', async () => {
    const make = () => dayTask([{ key: 'x{y="z"}', chunks: [chunk(Array.from({ length: 500 }, (_, i) => [T0 + i * 1_000, i / 4] as [number, number]))] }]);
    const [pooled, inline] = await Promise.all([pool.build(make()), new InlineBlockBuilder().build(make())]);
    expect(Buffer.from(pooled.bytes)).toEqual(Buffer.from(inline.bytes));
    const bad = chunk([[T0, 1]]);
    bad[4] ^= 1;
    await expect(pool.build(dayTask([{ key: 'a', chunks: [bad] }]))).rejects.toThrow(/building a block failed/);
  });

  it('finds the bundled worker beside a bundle, else the TypeScript source', () => {
    expect(workerEntry(__dirname, 'block').file).toBe(join(__dirname, 'block.worker.ts'));
    expect(() => workerEntry(__dirname, 'nope')).toThrow(/no nope.worker.js or nope.worker.ts/);
  });

});
