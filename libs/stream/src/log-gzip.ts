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

const gzip = promisify(zlib.gzip);
const unzip = promisify(zlib.unzip);

/** kafkajs's GZIP codec at LOG_GZIP_LEVEL; installed for every kafkajs client of the process. */
export const logGzipCodec = {
  compress: (encoder: { buffer: Buffer }): Promise<Buffer> => gzip(encoder.buffer, { level: LOG_GZIP_LEVEL }),
  decompress: (buffer: Buffer): Promise<Buffer> => unzip(buffer),
};

CompressionCodecs[CompressionTypes.GZIP] = () => logGzipCodec;
