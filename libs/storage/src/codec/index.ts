export { chunkInfo, decodeChunk, encodeChunk, iterateChunk } from './chunk';
export type { ChunkInfoOptions, DecodedChunk, EncodeOptions } from './chunk';
export type { ChunkColumns, ChunkInput, ChunkPoint } from './chunk-input';
export { ChunkEncoding, MAX_POINTS_PER_CHUNK } from './encoding';
export {
  CodecError,
  InvalidChunkInputError,
  isCodecError,
  isInvalidChunkInputError,
  type CodecErrorReason,
  type InvalidChunkInputReason,
} from './errors';
export type { ChunkInfo } from './header';
