// @strata/storage/codec: the chunk codec, pure functions over bytes (docs/ holds the byte
// layout). Exports what other projects use; the rest stays inside the lib.
export { chunkInfo, decodeChunk, decodeChunkPoints, encodeChunk, rebaseChunk } from './chunk';
export type { ChunkInfo } from './header';
