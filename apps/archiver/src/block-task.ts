import { createHash } from 'node:crypto';
import { concatRollupStats, type RollupStats } from '@strata/model';
import { concatRuns, mergeNewerOver, type SortedColumns } from '@strata/storage';
import { decodeChunk } from '@strata/storage/codec';
import { BLOCK_HASH_BYTES, BlockKind, buildDaySection, buildMonthSection, compareSeriesKeys, decodeRollupPart, encodeBlock, openBlock, splitRawPart, type SeriesSection } from '@strata/storage/cold';

/**
 * The messages between the archiver and its block-building workers, and the pure building
 * both sides share (workers, or inline when STRATA_ARCHIVE_WORKERS=0). Bytes travel packed
 * in one transferred ArrayBuffer; `[start, end)` pairs locate each piece in it.
 */
export type Span = readonly [start: number, end: number];

/** Build (or rebuild) one day block: the old block's series, with `series` merged in from DynamoDB. */
export interface DayBlockTask {
  readonly type: 'day';
  readonly id: number;
  readonly tenant: string;
  readonly day: number;
  readonly shard: number;
  readonly shardCount: number;
  readonly buffer: ArrayBuffer;
  /** The block the manifest lists for this shard today, if any. */
  readonly oldBlock?: Span;
  /** Series with chunks in the warm tier: their chunks in window order (newer than the old block's points). */
  readonly series: ReadonlyArray<{ readonly key: string; readonly chunks: readonly Span[] }>;
}

/** Build one month rollup block from the 1 h and 1 d parts of the month's day blocks. */
export interface MonthBlockTask {
  readonly type: 'month';
  readonly id: number;
  readonly tenant: string;
  readonly month: number;
  readonly shard: number;
  readonly shardCount: number;
  readonly buffer: ArrayBuffer;
  readonly series: ReadonlyArray<{ readonly key: string; readonly points: number; readonly days: ReadonlyArray<{ readonly h1: Span; readonly d1: Span }> }>;
}

export type BlockTask = DayBlockTask | MonthBlockTask;

export interface BlockResult {
  readonly id: number;
  readonly bytes: ArrayBuffer;
  readonly hash: Uint8Array;
  readonly indexOffset: number;
  readonly indexLength: number;
  readonly series: number;
  readonly points: number;
  /** Series whose section was rebuilt (the others were copied from the old block). */
  readonly rebuilt: number;
}

export interface BlockFailure {
  readonly id: number;
  readonly error: string;
}

export function isBlockFailure(result: BlockResult | BlockFailure): result is BlockFailure {
  return 'error' in result;
}

/** Packs byte arrays into one ArrayBuffer; returns their spans in order. */
export function packBytes(pieces: readonly Uint8Array[]): { buffer: ArrayBuffer; spans: Span[] } {
  const total = pieces.reduce((n, p) => n + p.byteLength, 0);
  const buffer = new ArrayBuffer(total);
  const view = new Uint8Array(buffer);
  const spans: Span[] = [];
  let offset = 0;
  for (const piece of pieces) {
    view.set(piece, offset);
    spans.push([offset, offset + piece.byteLength]);
    offset += piece.byteLength;
  }
  return { buffer, spans };
}

export function runBlockTask(task: BlockTask): BlockResult | BlockFailure {
  try {
    return task.type === 'day' ? buildDayBlock(task) : buildMonthBlock(task);
  } catch (error) {
    return { id: task.id, error: error instanceof Error ? error.message : String(error) };
  }
}

const view = (buffer: ArrayBuffer, [start, end]: Span) => new Uint8Array(buffer, start, end - start);

function decodeRaw(part: Uint8Array): SortedColumns {
  return concatRuns(splitRawPart(part).map((chunk) => decodeChunk(chunk)));
}

/**
 * Merges each warm series over its points in the old block (DynamoDB holds the newer
 * writes: late points and re-seals), rebuilds those sections, copies the others, and
 * encodes the block. Deterministic: the same inputs give the same bytes.
 */
export function buildDayBlock(task: DayBlockTask): BlockResult {
  const old = task.oldBlock ? openBlock(view(task.buffer, task.oldBlock)) : undefined;
  const sections = new Map<string, SeriesSection>();
  if (old) for (const entry of old.index.entries) sections.set(entry.seriesKey, old.section(entry));
  for (const series of task.series) {
    const warm = concatRuns(series.chunks.map((span) => decodeChunk(view(task.buffer, span))));
    const previous = sections.get(series.key);
    const merged = previous ? mergeNewerOver(warm, decodeRaw(previous.parts.raw)) : warm;
    if (merged.timestamps.length === 0) continue;
    sections.set(series.key, buildDaySection(series.key, merged));
  }
  return finish(task, BlockKind.Day, task.day, [...sections.values()], task.series.length);
}

/** Joins each series' 1 h and 1 d rows over the month's days into one month section. */
export function buildMonthBlock(task: MonthBlockTask): BlockResult {
  const sections = task.series.map((series) => {
    const h1: RollupStats[] = series.days.map((d) => decodeRollupPart(view(task.buffer, d.h1)));
    const d1: RollupStats[] = series.days.map((d) => decodeRollupPart(view(task.buffer, d.d1)));
    return buildMonthSection(series.key, series.points, concatRollupStats(h1), concatRollupStats(d1));
  });
  return finish(task, BlockKind.Month, task.month, sections, sections.length);
}

function finish(task: BlockTask, kind: BlockKind, period: number, sections: SeriesSection[], rebuilt: number): BlockResult {
  sections.sort((a, b) => compareSeriesKeys(a.seriesKey, b.seriesKey));
  const block = encodeBlock({ kind, tenant: task.tenant, period, shard: task.shard, shardCount: task.shardCount }, sections);
  const hash = createHash('sha256').update(block.bytes).digest().subarray(0, BLOCK_HASH_BYTES);
  const bytes = block.bytes.buffer.slice(block.bytes.byteOffset, block.bytes.byteOffset + block.bytes.byteLength) as ArrayBuffer;
  return {
    id: task.id,
    bytes,
    hash: Uint8Array.from(hash),
    indexOffset: block.indexOffset,
    indexLength: block.indexLength,
    series: block.series,
    points: block.points,
    rebuilt,
  };
}
