import { crc32 } from '../codec/crc32';
import { ByteReader, ByteWriter, compareBytes, utf8 } from './byte-io';
import { ColdFormatError, InvalidColdInputError } from './cold-errors';
import { isShardCount } from './keys';

// A block packs many series of one tenant for one period (a day, or a month for rollup
// blocks) and ends with an index of its series; docs/cold-format.md specifies the bytes.

export const BLOCK_MAGIC = Uint8Array.of(0x53, 0x54, 0x42, 0x4b); // "STBK"
export const BLOCK_VERSION = 1;
/** Magic and version; the first section starts here. */
export const BLOCK_HEADER_BYTES = 5;
/** indexOffset u64, indexLength u32, magic. */
export const BLOCK_TRAILER_BYTES = 16;

/** What a block holds. Numbers are part of the format: never renumber. */
export enum BlockKind {
  /** One UTC day: raw points and 5 m / 1 h / 1 d rollups per series. */
  Day = 1,
  /** One UTC month: 1 h and 1 d rollups per series, built from the month's day blocks. */
  Month = 2,
  /** One UTC calendar year: 1 d rollups per series, built from the year's month rollup blocks. */
  Year = 3,
}

/** The parts of a series section, in their order in the block. */
export const PART_NAMES = ['raw', 'm5', 'h1', 'd1'] as const;
export type PartName = (typeof PART_NAMES)[number];

export interface BlockIdentity {
  readonly kind: BlockKind;
  readonly tenant: string;
  /** Day number for day blocks, month number for month blocks. */
  readonly period: number;
  readonly shard: number;
  readonly shardCount: number;
}

/** One series' bytes in a block: its parts (empty arrays for absent ones). */
export interface SeriesSection {
  readonly seriesKey: string;
  /** Raw points the section covers (also for rollup-only sections). */
  readonly points: number;
  readonly parts: Readonly<Record<PartName, Uint8Array>>;
}

export interface BlockIndexEntry {
  readonly seriesKey: string;
  readonly points: number;
  /** Offset of the section (its raw part) from the start of the block. */
  readonly offset: number;
  readonly lengths: Readonly<Record<PartName, number>>;
}

export interface BlockIndex {
  readonly identity: BlockIdentity;
  /** In block order (UTF-8 byte order of the keys). */
  readonly entries: readonly BlockIndexEntry[];
  readonly byKey: ReadonlyMap<string, BlockIndexEntry>;
  /** Bytes of the encoded index, for cache accounting. */
  readonly byteLength: number;
}

export interface EncodedBlock {
  readonly bytes: Uint8Array;
  readonly indexOffset: number;
  /** Index bytes including their CRC, excluding the trailer. */
  readonly indexLength: number;
  readonly series: number;
  readonly points: number;
}

/**
 * Encodes a block. `sections` must be sorted by the UTF-8 bytes of their keys, without
 * duplicates (InvalidColdInputError otherwise). Pure and deterministic: the same input
 * gives the same bytes.
 */
export function encodeBlock(identity: BlockIdentity, sections: readonly SeriesSection[]): EncodedBlock {
  checkIdentity(identity);
  const keys = sections.map((s) => utf8(s.seriesKey));
  for (let i = 1; i < keys.length; i++) {
    if (compareBytes(keys[i - 1], keys[i]) >= 0) {
      throw new InvalidColdInputError(`series ${JSON.stringify(sections[i].seriesKey)} is out of order or repeated in the block`);
    }
  }
  const dataBytes = sections.reduce((n, s) => n + PART_NAMES.reduce((m, p) => m + s.parts[p].length, 0), 0);
  const w = new ByteWriter(BLOCK_HEADER_BYTES + dataBytes + sections.length * 48 + 64);
  w.bytes(BLOCK_MAGIC);
  w.u8(BLOCK_VERSION);
  for (const section of sections) for (const part of PART_NAMES) w.bytes(section.parts[part]);
  const indexOffset = w.position;
  w.u8(identity.kind);
  w.string(identity.tenant);
  w.uvarint(identity.period);
  w.uvarint(identity.shard);
  w.uvarint(identity.shardCount);
  w.uvarint(sections.length);
  w.uvarint(BLOCK_HEADER_BYTES);
  let previous: Uint8Array = new Uint8Array(0);
  let points = 0;
  sections.forEach((section, i) => {
    const key = keys[i];
    let shared = 0;
    while (shared < previous.length && shared < key.length && previous[shared] === key[shared]) shared++;
    w.uvarint(shared);
    w.uvarint(key.length - shared);
    w.bytes(key.subarray(shared));
    w.uvarint(section.points);
    for (const part of PART_NAMES) w.uvarint(section.parts[part].length);
    previous = key;
    points += section.points;
  });
  const bytesSoFar = w.finish();
  const out = new ByteWriter(bytesSoFar.length + 4 + BLOCK_TRAILER_BYTES);
  out.bytes(bytesSoFar);
  out.u32(crc32(bytesSoFar, indexOffset, bytesSoFar.length));
  const indexLength = out.position - indexOffset;
  out.u64(indexOffset);
  out.u32(indexLength);
  out.bytes(BLOCK_MAGIC);
  return { bytes: out.finish(), indexOffset, indexLength, series: sections.length, points };
}

/** Where the index of a whole block lies, from its 16-byte trailer. */
export function readBlockTrailer(block: Uint8Array): { indexOffset: number; indexLength: number } {
  if (block.length < BLOCK_HEADER_BYTES + BLOCK_TRAILER_BYTES) {
    throw new ColdFormatError('truncated', 'block', `${block.length} bytes is shorter than a header and a trailer`);
  }
  checkMagic(block, 0, 'block header');
  if (block[4] !== BLOCK_VERSION) throw new ColdFormatError('unsupported-version', 'block', `version ${block[4]}, this build reads ${BLOCK_VERSION}`);
  const r = new ByteReader(block, 'block trailer', block.length - BLOCK_TRAILER_BYTES);
  const indexOffset = r.u64();
  const indexLength = r.u32();
  checkMagic(block, block.length - 4, 'block trailer');
  if (indexOffset < BLOCK_HEADER_BYTES || indexOffset + indexLength !== block.length - BLOCK_TRAILER_BYTES) {
    throw new ColdFormatError('malformed', 'block trailer', `index at ${indexOffset}+${indexLength} does not end where the trailer starts`);
  }
  return { indexOffset, indexLength };
}

/**
 * Decodes a block index: `bytes` are exactly the `indexLength` bytes at `indexOffset`
 * (from the manifest or the trailer). Verifies the CRC, key order and that the sections
 * exactly fill [5, indexOffset).
 */
export function decodeBlockIndex(bytes: Uint8Array, indexOffset: number): BlockIndex {
  if (bytes.length < 4) throw new ColdFormatError('truncated', 'block index', `${bytes.length} bytes`);
  const body = bytes.length - 4;
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(body, true);
  if (crc32(bytes, 0, body) !== stored) throw new ColdFormatError('checksum-mismatch', 'block index', `stored CRC ${stored.toString(16)} does not match`);
  const r = new ByteReader(bytes, 'block index', 0, body);
  const kind = r.u8();
  if (kind !== BlockKind.Day && kind !== BlockKind.Month && kind !== BlockKind.Year) throw r.malformed(`unknown block kind ${kind}`);
  const identity: BlockIdentity = { kind, tenant: r.string(), period: r.uvarint(), shard: r.uvarint(), shardCount: r.uvarint() };
  if (!isShardCount(identity.shardCount) || identity.shard >= identity.shardCount) {
    throw r.malformed(`shard ${identity.shard} of ${identity.shardCount} is not a shard of a power-of-two split`);
  }
  const count = r.uvarint();
  let offset = r.uvarint();
  if (offset !== BLOCK_HEADER_BYTES) throw r.malformed(`sections start at ${offset}, expected ${BLOCK_HEADER_BYTES}`);
  const entries: BlockIndexEntry[] = [];
  const byKey = new Map<string, BlockIndexEntry>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < count; i++) {
    const shared = r.uvarint();
    const suffixLength = r.uvarint();
    if (shared > previous.length) throw r.malformed(`key ${i} shares ${shared} bytes with a ${previous.length}-byte key`);
    const key = new Uint8Array(shared + suffixLength);
    key.set(previous.subarray(0, shared));
    key.set(r.bytes(suffixLength), shared);
    if (i > 0 && compareBytes(previous, key) >= 0) throw r.malformed(`key ${i} is not after key ${i - 1}`);
    let seriesKey: string;
    try {
      seriesKey = decoder.decode(key);
    } catch {
      throw r.malformed(`key ${i} is not UTF-8`);
    }
    const points = r.uvarint();
    const lengths = { raw: r.uvarint(), m5: r.uvarint(), h1: r.uvarint(), d1: r.uvarint() };
    const entry: BlockIndexEntry = { seriesKey, points, offset, lengths };
    offset += lengths.raw + lengths.m5 + lengths.h1 + lengths.d1;
    entries.push(entry);
    byKey.set(seriesKey, entry);
    previous = key;
  }
  if (r.remaining !== 0) throw r.malformed(`${r.remaining} byte(s) after the last entry`);
  if (offset !== indexOffset) throw r.malformed(`sections end at ${offset} but the index starts at ${indexOffset}`);
  return { identity, entries, byKey, byteLength: bytes.length };
}

/** The byte range [start, end) in the block of the listed parts of a section (contiguous from the first to the last). */
export function partsRange(entry: BlockIndexEntry, parts: readonly PartName[]): { start: number; end: number } {
  let cursor = entry.offset;
  let start = -1;
  let end = -1;
  for (const part of PART_NAMES) {
    const length = entry.lengths[part];
    if (parts.includes(part)) {
      if (start < 0) start = cursor;
      end = cursor + length;
    }
    cursor += length;
  }
  return start < 0 ? { start: entry.offset, end: entry.offset } : { start, end };
}

/** Splits the bytes of `partsRange(entry, parts)` back into the requested parts (views). */
export function splitParts(entry: BlockIndexEntry, parts: readonly PartName[], bytes: Uint8Array): Partial<Record<PartName, Uint8Array>> {
  const { start, end } = partsRange(entry, parts);
  if (bytes.length !== end - start) {
    throw new ColdFormatError('truncated', 'series section', `${entry.seriesKey}: got ${bytes.length} bytes, the index says ${end - start}`);
  }
  const out: Partial<Record<PartName, Uint8Array>> = {};
  let cursor = entry.offset;
  for (const part of PART_NAMES) {
    const length = entry.lengths[part];
    if (cursor >= start && cursor + length <= end && parts.includes(part)) out[part] = bytes.subarray(cursor - start, cursor - start + length);
    cursor += length;
  }
  return out;
}

/** A whole block decoded enough to copy or merge sections: its index and every section's parts. */
export function openBlock(block: Uint8Array): { index: BlockIndex; section(entry: BlockIndexEntry): SeriesSection } {
  const { indexOffset, indexLength } = readBlockTrailer(block);
  const index = decodeBlockIndex(block.subarray(indexOffset, indexOffset + indexLength), indexOffset);
  return {
    index,
    section(entry) {
      const parts = splitParts(entry, PART_NAMES, block.subarray(entry.offset, partsRange(entry, PART_NAMES).end)) as Record<PartName, Uint8Array>;
      return { seriesKey: entry.seriesKey, points: entry.points, parts };
    },
  };
}

function checkIdentity(identity: BlockIdentity): void {
  if (!isShardCount(identity.shardCount) || !Number.isInteger(identity.shard) || identity.shard < 0 || identity.shard >= identity.shardCount) {
    throw new InvalidColdInputError(`shard ${identity.shard} of ${identity.shardCount}: the count must be a power of two up to 65536`);
  }
  if (!Number.isSafeInteger(identity.period) || identity.period < 0) throw new InvalidColdInputError(`period ${identity.period} is not a day or month number`);
}

function checkMagic(bytes: Uint8Array, at: number, what: string): void {
  for (let i = 0; i < 4; i++) {
    if (bytes[at + i] !== BLOCK_MAGIC[i]) throw new ColdFormatError('bad-magic', what, `bytes at ${at} are not "STBK"`);
  }
}
