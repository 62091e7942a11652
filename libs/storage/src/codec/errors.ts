import { StorageError } from '../errors';

/** Why a chunk could not be decoded. Stable strings: safe to use as metric labels. */
export type CodecErrorReason =
  /** The bytes end before the structure they describe does. */
  | 'truncated'
  /** The stored CRC32 does not match the bytes: corruption in storage or transit. */
  | 'checksum-mismatch'
  /** The first byte names an encoding this build does not know. */
  | 'unknown-encoding'
  /** The checksum matched but a field is out of range: a writer bug or a forged chunk. */
  | 'malformed';

/**
 * A chunk's bytes are not a valid chunk. Never retriable: the same bytes fail the same way.
 * Decoders throw this rather than return points they cannot vouch for.
 */
export class CodecError extends StorageError {
  readonly reason: CodecErrorReason;
  /** Length of the chunk that failed, in bytes. */
  readonly byteLength: number;
  /** Bit offset into the chunk where the problem was seen, when known. */
  readonly bitOffset: number | undefined;

  constructor(reason: CodecErrorReason, detail: string, context: { byteLength: number; bitOffset?: number }) {
    const at = context.bitOffset === undefined ? '' : ` at bit ${context.bitOffset}`;
    super(`chunk codec: ${reason}${at} in a ${context.byteLength}-byte chunk: ${detail}`, false, { context: { reason, ...context } });
    this.reason = reason;
    this.byteLength = context.byteLength;
    this.bitOffset = context.bitOffset;
  }
}

/** Why a set of points cannot become a chunk. */
export type InvalidChunkInputReason =
  | 'empty'
  | 'too-many-points'
  | 'length-mismatch'
  | 'timestamp-not-integer'
  | 'timestamps-not-increasing'
  | 'span-too-large'
  | 'encoding-not-applicable';

/**
 * The points handed to the encoder break its contract (see `encodeChunk`). Callers sort and
 * dedupe before encoding; this error means they did not, so it is never retriable.
 */
export class InvalidChunkInputError extends StorageError {
  readonly reason: InvalidChunkInputReason;
  /** Index of the offending point, when one point is to blame. */
  readonly pointIndex: number | undefined;
  /** Its timestamp, when one point is to blame. */
  readonly timestampMs: number | undefined;

  constructor(
    reason: InvalidChunkInputReason,
    detail: string,
    context: { pointIndex?: number; timestampMs?: number } = {},
  ) {
    super(`cannot encode chunk: ${reason}: ${detail}`, false, { context: { reason, ...context } });
    this.reason = reason;
    this.pointIndex = context.pointIndex;
    this.timestampMs = context.timestampMs;
  }
}

export function isCodecError(error: unknown): error is CodecError {
  return error instanceof CodecError;
}

export function isInvalidChunkInputError(error: unknown): error is InvalidChunkInputError {
  return error instanceof InvalidChunkInputError;
}
