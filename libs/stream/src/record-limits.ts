import { KafkaConfigError } from './errors';

/**
 * How large a record and a produce request may be, derived from the broker's limit
 * (docs/operations.md, "Record and key limits").
 *
 * The broker checks `max.message.bytes` (topic) / `message.max.bytes` (broker) against
 * each partition's record batch *after* compression. Strata bounds the *uncompressed*
 * bytes of everything in one produce request instead: every partition's batch is a
 * subset of the request, and compression never grows a batch by more than the margin
 * kept here, so no batch can exceed the limit whatever the data and the partitioner.
 */

/** Kafka's own default for message.max.bytes: 1 MiB plus 12 bytes of log overhead. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * The smallest broker limit Strata runs with. One point of a series of the longest
 * identity (model MAX_SERIES_KEY_BYTES) is a record of about 4.3 KB (the identity is in the
 * record key and again in the value); at 64 KiB a quarter of a request still holds one.
 */
export const MIN_MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Bytes counted for each record on top of its key, value and header bytes: the record's
 * own framing (length, attributes, timestamp and offset deltas, key/value lengths, header
 * count: at most 36 bytes of varints) and a little more for each header's two lengths.
 */
export const RECORD_OVERHEAD_BYTES = 64;

export interface RecordLimits {
  /** The broker's or topic's limit that the limits below were derived from. */
  readonly maxMessageBytes: number;
  /** Most counted bytes (recordBytes of each record) in one produce request. */
  readonly requestBytes: number;
  /** Most counted bytes of one record; a series larger than this is split over several. */
  readonly recordBytes: number;
}

/**
 * Record limits under a broker limit: 1 KiB for the record batch header (61 bytes) and
 * gzip's framing, and 1/64 of the limit for deflate's worst-case growth on incompressible
 * data (a few bytes per 16 KiB block, far below 1.5 %).
 */
export function recordLimitsFor(maxMessageBytes: number): RecordLimits {
  if (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < MIN_MAX_MESSAGE_BYTES) {
    throw new KafkaConfigError(
      'max.message.bytes',
      `the topic's limit of ${maxMessageBytes} bytes is below Strata's minimum of ${MIN_MAX_MESSAGE_BYTES} (one point of the longest series identity must fit a record)`,
    );
  }
  const requestBytes = maxMessageBytes - 1024 - Math.floor(maxMessageBytes / 64);
  // A quarter of a request: a large series spreads over a few records, and the small
  // writes queued with it still fit beside one of them.
  return { maxMessageBytes, requestBytes, recordBytes: Math.floor(requestBytes / 4) };
}

/** The counted size of a record: what it adds to a produce request before compression, its own headers and `headers` counted. */
export function countedRecordBytes(
  record: { key: string | Buffer; value: Buffer; headers?: Readonly<Record<string, string>> },
  headers?: Readonly<Record<string, string>>,
): number {
  return RECORD_OVERHEAD_BYTES + Buffer.byteLength(record.key) + record.value.length + headerBytes(record.headers) + headerBytes(headers);
}

function headerBytes(headers: Readonly<Record<string, string>> | undefined): number {
  let bytes = 0;
  if (headers) for (const [name, value] of Object.entries(headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 10;
  return bytes;
}
