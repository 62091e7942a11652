export { snappyCompress, snappyCompressWithLiterals, snappyDeclaredLength, snappyUncompress, SnappyError } from './snappy';
export {
  decodeRemoteWrite,
  describeSeries,
  DoorRefusalCode,
  RemoteWriteFormatError,
  STALE_NAN_HIGH,
  STALE_NAN_LOW,
  type DecodedRemoteWrite,
  type DoorRefusal,
  type MetricMetadata,
  type RemoteWriteVersion,
} from './remote-write';
export {
  decodeReadRequest,
  encodeReadResponse,
  MAX_FRAME_BYTES,
  compareLabelSets,
  prometheusLabels,
  sortForPrometheus,
  streamedFrames,
  RemoteReadFormatError,
  type DecodedReadRequest,
  type ReadSeries,
  type RemoteReadQuery,
} from './remote-read';
export { crc32c, encodeXorChunk, frame, XOR_CHUNK_SAMPLES } from './xor-chunk';
export { children, parseSeriesSelector, parseStrict, SelectorSyntaxError, unexpectedAt, unquote as unquotePromqlString, type PromqlSyntaxNode } from './selector';
