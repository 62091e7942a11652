/**
 * How a chunk's values are stored; the chunk's first byte. Timestamps are stored the same
 * way under every encoding. Numbers are part of the on-disk format: never renumber, only add.
 */
export enum ChunkEncoding {
  /** Gorilla XOR of consecutive float64 bit patterns (Prometheus `chunkenc.EncXOR`). Any value. */
  Xor = 1,
  /** Values that are exact decimals m / 10^s: Rice-coded deltas of the integers m. */
  Decimal = 2,
}

export function isChunkEncoding(byte: number): byte is ChunkEncoding {
  return byte === ChunkEncoding.Xor || byte === ChunkEncoding.Decimal;
}

/**
 * Most points one chunk may hold; bounds what a decoder allocates for a forged header
 * (16 bytes a point: 256 MiB at most). A chunk is one window of one series, and the
 * sealer must encode any window ingest accepted: timestamps are whole milliseconds, so a
 * window holds at most one point per millisecond of its length, and 2^24 covers every
 * window up to 4 h 39 min at full 1 ms resolution (the default 4 h window: 14,400,000).
 * It was 2^20 (17 minutes of 1 ms data), which made such windows impossible to seal.
 */
export const MAX_POINTS_PER_CHUNK = 1 << 24;

/** Bytes of the CRC32 trailer. */
export const CHECKSUM_BYTES = 4;
