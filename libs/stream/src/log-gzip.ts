import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';

/**
 * The gzip level of the points topic's record batches. kafkajs compresses at zlib's default
 * (6); level 1 took a fifth of its CPU for a batch of 2,000 series records (2.5 ms against
 * 13.6 ms for 566 KB) and kept most of the saving (5.3:1 against 6.6:1). The batches stay
 * GZIP on the wire: any Kafka consumer reads them, and the writer's decompression is
 * unchanged.
 */
export const LOG_GZIP_LEVEL = 1;

/**
 * Batches up to this size are (de)compressed on the calling thread. zlib's asynchronous call
 * costs about 150 µs of CPU besides the compression itself (a stream, a thread-pool hop), four
 * times the work for the typical batch of a request's records (an 11 KB batch: 201 µs
 * against 53 µs); the synchronous call holds the event loop for as long as the work takes,
 * about 0.2 ms for 256 KB at level 1. Larger batches go to the thread pool.
 */
export const LOG_GZIP_INLINE_BYTES = 256 * 1024;

const gzip = promisify(zlib.gzip);
const unzip = promisify(zlib.unzip);

/** kafkajs's GZIP codec at LOG_GZIP_LEVEL; installed for every kafkajs client of the process. */
export const logGzipCodec = {
  compress: async (encoder: { buffer: Buffer }): Promise<Buffer> =>
    encoder.buffer.length <= LOG_GZIP_INLINE_BYTES ? zlib.gzipSync(encoder.buffer, { level: LOG_GZIP_LEVEL }) : gzip(encoder.buffer, { level: LOG_GZIP_LEVEL }),
  // A compressed batch inflates several times over: the inline bound is on what comes out.
  decompress: async (buffer: Buffer): Promise<Buffer> => (buffer.length <= LOG_GZIP_INLINE_BYTES / 8 ? zlib.unzipSync(buffer) : unzip(buffer)),
};

CompressionCodecs[CompressionTypes.GZIP] = () => logGzipCodec;
