import { crc32 } from '../codec/crc32';
import { ByteReader, ByteWriter } from './byte-io';
import { ColdFormatError, InvalidColdInputError } from './cold-errors';
import { BLOCK_HASH_BYTES, isShardCount } from './keys';
import { monthEndDay, monthFirstDay } from './periods';

// The manifest of one tenant's month: which days are archived, in which blocks, and the
// month's rollup blocks if compaction built them. The reader trusts only what it lists;
// the archiver writes it after the blocks it names are durable. docs/cold-format.md.

export const MANIFEST_MAGIC = Uint8Array.of(0x53, 0x54, 0x4d, 0x46); // "STMF"
export const MANIFEST_VERSION = 1;

/** One block as the manifest names it; its object key follows from these fields (ColdKeys). */
export interface BlockRef {
  readonly shard: number;
  /** Series in the block. */
  readonly series: number;
  /** Raw points its series cover. */
  readonly points: number;
  /** Bytes of the whole object. */
  readonly size: number;
  readonly indexOffset: number;
  readonly indexLength: number;
  /** First 16 bytes of the SHA-256 of the object. */
  readonly hash: Uint8Array;
}

export interface BlockSet {
  /** Power of two: series key → shard by `shardOf`. */
  readonly shardCount: number;
  /** Non-empty shards only, ascending. A shard not listed holds no series. */
  readonly blocks: readonly BlockRef[];
}

export interface ManifestDay extends BlockSet {
  readonly day: number;
}

export interface Manifest {
  readonly tenant: string;
  readonly month: number;
  /** Ascending, each within the month. */
  readonly days: readonly ManifestDay[];
  /** Month rollup blocks (1 h and 1 d) covering exactly the days listed; absent until compaction. */
  readonly rollup?: BlockSet;
}

export function encodeManifest(manifest: Manifest): Uint8Array {
  checkManifest(manifest);
  const w = new ByteWriter(64 + manifest.days.length * 64);
  w.bytes(MANIFEST_MAGIC);
  w.u8(MANIFEST_VERSION);
  w.string(manifest.tenant);
  w.uvarint(manifest.month);
  w.uvarint(manifest.days.length);
  for (const day of manifest.days) {
    w.uvarint(day.day);
    writeBlockSet(w, day);
  }
  w.u8(manifest.rollup ? 1 : 0);
  if (manifest.rollup) writeBlockSet(w, manifest.rollup);
  const body = w.finish();
  const out = new ByteWriter(body.length + 4);
  out.bytes(body);
  out.u32(crc32(body));
  return out.finish();
}

export function decodeManifest(bytes: Uint8Array): Manifest {
  if (bytes.length < MANIFEST_MAGIC.length + 1 + 4) throw new ColdFormatError('truncated', 'manifest', `${bytes.length} bytes`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MANIFEST_MAGIC[i]) throw new ColdFormatError('bad-magic', 'manifest', 'does not start with "STMF"');
  if (bytes[4] !== MANIFEST_VERSION) throw new ColdFormatError('unsupported-version', 'manifest', `version ${bytes[4]}, this build reads ${MANIFEST_VERSION}`);
  const body = bytes.length - 4;
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(body, true);
  if (crc32(bytes, 0, body) !== stored) throw new ColdFormatError('checksum-mismatch', 'manifest', `stored CRC ${stored.toString(16)} does not match`);
  const r = new ByteReader(bytes, 'manifest', 5, body);
  const tenant = r.string();
  const month = r.uvarint();
  const dayCount = r.uvarint();
  const days: ManifestDay[] = [];
  for (let i = 0; i < dayCount; i++) {
    const day = r.uvarint();
    days.push({ day, ...readBlockSet(r) });
  }
  const hasRollup = r.u8();
  if (hasRollup > 1) throw r.malformed(`rollup flag ${hasRollup}`);
  const manifest: Manifest = { tenant, month, days, ...(hasRollup === 1 && { rollup: readBlockSet(r) }) };
  if (r.remaining !== 0) throw r.malformed(`${r.remaining} byte(s) after the manifest`);
  try {
    checkManifest(manifest);
  } catch (error) {
    throw new ColdFormatError('malformed', 'manifest', (error as Error).message);
  }
  return manifest;
}

export function writeBlockSet(w: ByteWriter, set: BlockSet): void {
  w.uvarint(set.shardCount);
  w.uvarint(set.blocks.length);
  for (const block of set.blocks) {
    w.uvarint(block.shard);
    w.uvarint(block.series);
    w.uvarint(block.points);
    w.uvarint(block.size);
    w.uvarint(block.indexOffset);
    w.uvarint(block.indexLength);
    w.bytes(block.hash);
  }
}

export function readBlockSet(r: ByteReader): BlockSet {
  const shardCount = r.uvarint();
  const count = r.uvarint();
  const blocks: BlockRef[] = [];
  for (let i = 0; i < count; i++) {
    blocks.push({
      shard: r.uvarint(),
      series: r.uvarint(),
      points: r.uvarint(),
      size: r.uvarint(),
      indexOffset: r.uvarint(),
      indexLength: r.uvarint(),
      hash: r.bytes(BLOCK_HASH_BYTES).slice(),
    });
  }
  return { shardCount, blocks };
}

function checkManifest(m: Manifest): void {
  const first = monthFirstDay(m.month);
  const end = monthEndDay(m.month);
  m.days.forEach((d, i) => {
    if (d.day < first || d.day >= end) throw new InvalidColdInputError(`day ${d.day} is not in month ${m.month}`);
    if (i > 0 && d.day <= m.days[i - 1].day) throw new InvalidColdInputError(`days are not ascending at ${d.day}`);
    checkBlockSet(d, `day ${d.day}`);
  });
  if (m.rollup) checkBlockSet(m.rollup, 'month rollup');
}

export function checkBlockSet(set: BlockSet, what: string): void {
  if (!isShardCount(set.shardCount)) throw new InvalidColdInputError(`${what}: shard count ${set.shardCount} is not a power of two up to 65536`);
  set.blocks.forEach((b, i) => {
    if (b.shard >= set.shardCount || (i > 0 && b.shard <= set.blocks[i - 1].shard)) {
      throw new InvalidColdInputError(`${what}: block shards must be ascending and below ${set.shardCount}`);
    }
    if (b.hash.length !== BLOCK_HASH_BYTES) throw new InvalidColdInputError(`${what}: a block hash must be ${BLOCK_HASH_BYTES} bytes`);
    if (b.indexOffset + b.indexLength + 16 !== b.size) throw new InvalidColdInputError(`${what}: block of shard ${b.shard} has its index at ${b.indexOffset}+${b.indexLength}, not before the trailer of a ${b.size}-byte object`);
  });
}

/** The block of a block set that holds `shard`, if any. */
export function blockForShard(set: BlockSet, shard: number): BlockRef | undefined {
  let lo = 0;
  let hi = set.blocks.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const s = set.blocks[mid].shard;
    if (s === shard) return set.blocks[mid];
    if (s < shard) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** Series and raw points of a block set, summed over its blocks. */
export function blockSetTotals(set: BlockSet): { series: number; points: number } {
  return set.blocks.reduce((t, b) => ({ series: t.series + b.series, points: t.points + b.points }), { series: 0, points: 0 });
}
