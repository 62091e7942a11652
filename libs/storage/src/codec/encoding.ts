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

/** Most points one chunk may hold; bounds what a decoder allocates for a forged header. */
export const MAX_POINTS_PER_CHUNK = 1 << 20;

/** Bytes of the CRC32 trailer. */
export const CHECKSUM_BYTES = 4;
