/**
 * What a sealed window knows about the Kafka records behind its points (docs/write-path.md,
 * "Log order in the hot tier"). Pure: no I/O.
 *
 * A seal has a base offset and, for some points, an offset of their own. A point without
 * one holds the newest record of its timestamp at or below the base. Points merged into a
 * window after its first seal, and every point of a first seal the replay group wrote
 * into, carry their own offset: Redis may have lost records between the base and those
 * points' records, so the base says nothing about them.
 */
export interface SealOffsets {
  /** Undefined on seals made before offsets were kept (legacy: unsealed values win). */
  readonly base: number | undefined;
  /** Timestamp (ms since the epoch) → offset of the record that wrote the sealed value. */
  readonly points: ReadonlyMap<number, number>;
}

export const NO_POINT_OFFSETS: ReadonlyMap<number, number> = new Map();

/** Offset that wrote the sealed value at `timestampMs`, as far as the seal knows. */
export function sealedPointOffset(seal: SealOffsets, timestampMs: number): number | undefined {
  return seal.points.get(timestampMs) ?? seal.base;
}

/** The highest offset any sealed value may come from (undefined when nothing is known). */
export function newestSealedOffset(seal: SealOffsets): number | undefined {
  let newest = seal.base;
  for (const offset of seal.points.values()) newest = newest === undefined ? offset : Math.max(newest, offset);
  return newest;
}

/**
 * Bytes of the per-point offsets: uvarint count, then per point in ascending time the
 * uvarint time step (the first from 0) and the zigzag uvarint of (offset - base).
 * Uvarints are LEB128, at most 8 bytes, safe integers only.
 */
export function encodePointOffsets(points: ReadonlyMap<number, number>, base: number): Uint8Array {
  const out: number[] = [];
  const entries = [...points].sort((a, b) => a[0] - b[0]);
  pushUvarint(out, entries.length);
  let previous = 0;
  for (const [timestampMs, offset] of entries) {
    pushUvarint(out, timestampMs - previous);
    previous = timestampMs;
    const delta = offset - base;
    pushUvarint(out, delta >= 0 ? 2 * delta : -2 * delta - 1);
  }
  return Uint8Array.from(out);
}

/** Reads what {@link encodePointOffsets} wrote at `bytes[at]`; `end` is where it stopped. */
export function decodePointOffsets(bytes: Uint8Array, base: number, at = 0): { points: Map<number, number>; end: number } {
  const reader = { bytes, at };
  const count = readUvarint(reader);
  const points = new Map<number, number>();
  let timestampMs = 0;
  for (let i = 0; i < count; i++) {
    const step = readUvarint(reader);
    if (i > 0 && step === 0) throw new RangeError(`per-point seal offsets repeat timestamp ${timestampMs}`);
    timestampMs += step;
    const zigzag = readUvarint(reader);
    points.set(timestampMs, base + (zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2));
  }
  return { points, end: reader.at };
}

/** Appends `value` as a LEB128 uvarint (safe non-negative integers only). */
export function pushUvarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`per-point seal offset field ${value} is not a safe non-negative integer`);
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** Reads a LEB128 uvarint at `reader.at` and moves past it. */
export function readUvarint(reader: { bytes: Uint8Array; at: number }): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (reader.at >= reader.bytes.length) throw new RangeError('per-point seal offsets are truncated');
    const byte = reader.bytes[reader.at++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (!Number.isSafeInteger(value)) break;
      return value;
    }
    scale *= 0x80;
  }
  throw new RangeError('per-point seal offsets hold a malformed uvarint');
}
