export { snappyCompress, snappyDeclaredLength, snappyUncompress, SnappyError } from './snappy';
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
  prometheusLabels,
  RemoteReadFormatError,
  type DecodedReadRequest,
  type ReadSeries,
  type RemoteReadQuery,
} from './remote-read';
