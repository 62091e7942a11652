import * as zlib from 'node:zlib';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { LOG_GZIP_INLINE_BYTES, LOG_GZIP_LEVEL } from './log-gzip';
import './point-log-producer';

describe('the log gzip codec', () => {
  const batch = Buffer.from(Array.from({ length: 2_000 }, (_, i) => `bench/system.cpu.user{host="host-${i}"} ${i * 0.25}`).join('\n'));

  it('is the codec kafkajs uses for GZIP once the producer is loaded, at level 1', async () => {
    const codec = CompressionCodecs[CompressionTypes.GZIP]();
    const compressed = await codec.compress({ buffer: batch } as never);
    expect(LOG_GZIP_LEVEL).toBe(1);
    expect(compressed.equals(zlib.gzipSync(batch, { level: 1 }))).toBe(true);
    expect(compressed.equals(zlib.gzipSync(batch))).toBe(false);
    expect((await codec.decompress(compressed)).equals(batch)).toBe(true);
  });

  it('still reads batches compressed at any level, as another producer may have written them', async () => {
    const codec = CompressionCodecs[CompressionTypes.GZIP]();
    for (const level of [1, 6, 9]) expect((await codec.decompress(zlib.gzipSync(batch, { level }))).equals(batch)).toBe(true);
  });

  it('round-trips batches on both sides of the inline bound, on the thread pool above it', async () => {
    const codec = CompressionCodecs[CompressionTypes.GZIP]();
    for (const size of [0, 1, LOG_GZIP_INLINE_BYTES, LOG_GZIP_INLINE_BYTES + 1, 4 * LOG_GZIP_INLINE_BYTES]) {
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i++) data[i] = (i * 7_919) % 251 & (i % 3 ? 0xff : 0x0f);
      const compressed = await codec.compress({ buffer: data } as never);
      expect(compressed.equals(zlib.gzipSync(data, { level: 1 }))).toBe(true);
      expect((await codec.decompress(compressed)).equals(data)).toBe(true);
    }
  });
});
