import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { crc32 } from '../codec/crc32';
import { StorageError } from '../errors';
import { encodePointOffsets } from '../hot/seal-offsets';
import { WARM_TABLE_KEY } from './warm-table';

// How one sealed window is laid out over warm-table items (docs/write-path.md, "Big
// windows over several items"). Pure: no I/O.

type Item = Record<string, AttributeValue>;

/** DynamoDB's limit on a partition key value, in UTF-8 bytes. */
export const MAX_PARTITION_KEY_BYTES = 2_048;

/**
 * Payload bytes (chunk and offsets) one item carries. DynamoDB refuses items over 400 KB
 * (409,600 bytes, names and key included); a partition key of at most 2,048 bytes and the
 * few small attributes leave this well inside it.
 */
export const WARM_ITEM_PAYLOAD_BYTES = 350_000;

/** Digits of a part's sort-key fraction: 10 for the generation, 4 for the part's index. */
const GENERATION_DIGITS = 10;
const INDEX_DIGITS = 4;
/** Parts per window, head included: 9,999 × 350 KB, about 3.5 GB of chunk. */
export const MAX_WINDOW_PARTS = 10 ** INDEX_DIGITS - 1;

/** Above any part key of a window: the upper bound of a Query that must see its parts. */
const LAST_PART_FRACTION = '9'.repeat(GENERATION_DIGITS + INDEX_DIGITS);

const encoder = new TextEncoder();

/** A window as written: the chunk and what its seal knows of offsets. */
export interface WindowPayload {
  readonly start: number;
  readonly chunk: Uint8Array;
  readonly count: number;
  readonly sealOffset?: number;
  readonly pointOffsets?: ReadonlyMap<number, number>;
}

/** What a head item says about the window's other items. */
export interface HeadLayout {
  /** Items of the window, head included; 1 when the head holds everything. */
  readonly parts: number;
  /** CRC-32 of the chunk; names the generation its parts belong to. */
  readonly generation?: number;
}

export function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/**
 * The window's generation: parts of another generation are never read as this one's. The
 * first 32 bits of the chunk's SHA-256. Not its CRC-32: a codec chunk ends with the CRC-32
 * of the bytes before it, so the CRC-32 of the whole chunk is the same constant
 * (0x2144DF1C, the CRC's residue) for every chunk, and told no two seals apart.
 */
export function windowGeneration(chunk: Uint8Array): number {
  return createHash('sha256').update(chunk).digest().readUInt32BE(0);
}

/**
 * The generation heads written before the fix above carry (CRC-32 of the whole chunk):
 * still accepted for them, where it proves no more than their length does.
 */
export function legacyWindowGeneration(chunk: Uint8Array): number {
  return crc32(chunk);
}

/**
 * Sort key of part `index` (1..) of the window starting at `start`: the start, then a
 * fraction of the generation and the index, so a window's parts sort right after its head
 * and before the next window (window starts are integers), and two generations' parts
 * never share a key. DynamoDB numbers keep 38 digits: 16 + 14 fit.
 */
export function partSortKey(start: number, generation: number, index: number): string {
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new StorageError(`window start ${start} cannot carry parts: a split window needs a non-negative integer start`, false);
  }
  return `${start}.${String(generation).padStart(GENERATION_DIGITS, '0')}${String(index).padStart(INDEX_DIGITS, '0')}`;
}

/** The highest sort key a part of the window starting at `start` can have. */
export function lastPartSortKey(start: number): string {
  return `${Math.floor(start)}.${LAST_PART_FRACTION}`;
}

/** A sort key as read back: a head (integer) or a part of a window. */
export type ParsedSortKey = { readonly start: number; readonly part?: undefined } | { readonly start: number; readonly part: { generation: number; index: number } };

export function parseSortKey(n: string): ParsedSortKey {
  const dot = n.indexOf('.');
  if (dot < 0) return { start: Number(n) };
  // DynamoDB drops trailing zeros of a number's fraction: pad them back before slicing.
  const fraction = n.slice(dot + 1).padEnd(GENERATION_DIGITS + INDEX_DIGITS, '0');
  return {
    start: Number(n.slice(0, dot)),
    part: { generation: Number(fraction.slice(0, GENERATION_DIGITS)), index: Number(fraction.slice(GENERATION_DIGITS)) },
  };
}

/**
 * The items of one window under partition key `pk`, head first. A window whose chunk and
 * offsets fit WARM_ITEM_PAYLOAD_BYTES is one item as it always was (`c` chunk, `n` points,
 * `so`/`po` offsets). A bigger one is a byte stream (the chunk, then the encoded offsets)
 * cut into slices: the head carries the first slice in `c`, `n`, `so`, the number of items
 * `p`, the chunk's length `cb` and the generation `g` (windowGeneration); parts 1..p-1 carry the next slices
 * in `c` and `g`. `extra` attributes go on the head (the quarantine's identity and error).
 */
export function windowItems(pk: string, window: WindowPayload, extra: Item = {}): Item[] {
  const offsets = window.sealOffset !== undefined && window.pointOffsets?.size ? encodePointOffsets(window.pointOffsets, window.sealOffset) : undefined;
  const so: Item = window.sealOffset === undefined ? {} : { so: { N: String(window.sealOffset) } };
  const payload = window.chunk.length + (offsets?.length ?? 0);
  const key = (sk: string): Item => ({ [WARM_TABLE_KEY.partitionKey]: { S: pk }, [WARM_TABLE_KEY.sortKey]: { N: sk } });
  if (payload <= WARM_ITEM_PAYLOAD_BYTES) {
    return [{ ...key(String(window.start)), c: { B: window.chunk }, n: { N: String(window.count) }, ...so, ...(offsets ? { po: { B: offsets } } : {}), ...extra }];
  }
  const parts = Math.ceil(payload / WARM_ITEM_PAYLOAD_BYTES);
  if (parts > MAX_WINDOW_PARTS) {
    throw new StorageError(`window ${window.start} needs ${parts} items of ${WARM_ITEM_PAYLOAD_BYTES} bytes, above ${MAX_WINDOW_PARTS}`, false);
  }
  const stream = new Uint8Array(payload);
  stream.set(window.chunk);
  if (offsets) stream.set(offsets, window.chunk.length);
  const generation = windowGeneration(window.chunk);
  const g = { N: String(generation) };
  const slice = (i: number) => stream.subarray(i * WARM_ITEM_PAYLOAD_BYTES, Math.min(payload, (i + 1) * WARM_ITEM_PAYLOAD_BYTES));
  const head: Item = {
    ...key(String(window.start)),
    c: { B: slice(0) },
    n: { N: String(window.count) },
    ...so,
    p: { N: String(parts) },
    cb: { N: String(window.chunk.length) },
    g,
    ...extra,
  };
  const rest = Array.from({ length: parts - 1 }, (_, i): Item => ({ ...key(partSortKey(window.start, generation, i + 1)), c: { B: slice(i + 1) }, g }));
  return [head, ...rest];
}

/** The layout a head item announces. */
export function headLayout(head: Item): HeadLayout {
  const parts = head['p']?.N;
  if (parts === undefined) return { parts: 1 };
  return { parts: Number(parts), generation: Number(head['g']?.N) };
}

/** A window read back whole: its chunk, and the encoded offsets when it has any. */
export interface AssembledWindow {
  readonly start: number;
  readonly chunk: Uint8Array;
  readonly count: number;
  readonly sealOffset?: number;
  readonly offsets?: Uint8Array;
  readonly head: Item;
}

/**
 * Joins a head with its parts (`parts` maps index → item, any generation). Parts of other
 * generations (left by a re-seal, or by a writer that crashed half-way) are ignored.
 * Undefined when a part of the head's generation is missing: the read raced a re-seal or a
 * delete, and reading again answers it.
 */
export function assembleWindow(head: Item, parts: ReadonlyMap<string, Item>): AssembledWindow | undefined {
  const start = Number(head[WARM_TABLE_KEY.sortKey].N);
  const n = Number(head['n']?.N ?? 0);
  const so = head['so']?.N;
  const sealOffset = so === undefined ? undefined : Number(so);
  const first = head['c']?.B;
  if (!first) return undefined;
  const layout = headLayout(head);
  if (layout.parts === 1) return { start, chunk: first, count: n, sealOffset, offsets: head['po']?.B, head };
  const slices = [first];
  for (let i = 1; i < layout.parts; i++) {
    const part = parts.get(partSortKey(start, layout.generation!, i));
    const bytes = part?.['c']?.B;
    if (!bytes) return undefined;
    slices.push(bytes);
  }
  const total = slices.reduce((sum, s) => sum + s.length, 0);
  const stream = new Uint8Array(total);
  let at = 0;
  for (const s of slices) {
    stream.set(s, at);
    at += s.length;
  }
  const chunkBytes = Number(head['cb']?.N);
  if (!Number.isInteger(chunkBytes) || chunkBytes > total) return undefined;
  const chunk = stream.subarray(0, chunkBytes);
  // A slice of another generation under the right key cannot happen (the key names it),
  // but a torn write could: the generation is the chunk's hash, so check it.
  if (windowGeneration(chunk) !== layout.generation && legacyWindowGeneration(chunk) !== layout.generation) return undefined;
  return { start, chunk, count: n, sealOffset, offsets: chunkBytes < total ? stream.subarray(chunkBytes) : undefined, head };
}

/** Canonical text of a sort key as `partSortKey` writes it (DynamoDB trims trailing zeros). */
export function canonicalPartKey(n: string): string {
  const parsed = parseSortKey(n);
  return parsed.part ? partSortKey(parsed.start, parsed.part.generation, parsed.part.index) : n;
}
