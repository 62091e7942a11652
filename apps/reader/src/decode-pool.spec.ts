import { Registry } from 'prom-client';
import { createLogger } from '@strata/runtime';
import { encodeChunk } from '@strata/storage';
import { ChunkDecoderSwitch } from './chunk-decoder';
import { decodeTask, isDecodeFailure, packChunks, unpackResult } from './decode-batch';
import { DecodePool, workerEntry } from './decode-pool';
import { DecodeQueueFullError } from './errors';
import { ReaderMetrics } from './reader-metrics';

const logger = createLogger({ service: 'spec', level: 'silent' });
const chunkOf = (start: number, n: number) =>
  encodeChunk({ timestamps: Array.from({ length: n }, (_, i) => start + i * 60_000), values: Array.from({ length: n }, (_, i) => start / 1e6 + i / 4) });
const corrupt = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);

describe('decode batches', () => {
  it('round-trips chunks through pack, decode and unpack, reporting a bad chunk without losing the rest', () => {
    // Views on a larger buffer, as a socket delivers them.
    const backing = new Uint8Array(4096);
    const a = chunkOf(0, 3);
    backing.set(a, 100);
    const view = backing.subarray(100, 100 + a.length);
    const { bytes, ends } = packChunks([view, corrupt, chunkOf(7_200_000, 2)]);
    const outcomes = unpackResult(decodeTask({ id: 1, bytes, ends }));
    expect(outcomes.map((o) => (isDecodeFailure(o) ? 'failed' : Array.from(o.timestamps)))).toEqual([
      [0, 60_000, 120_000],
      'failed',
      [7_200_000, 7_260_000],
    ]);
  });
});

describe('DecodePool (worker threads started from the TypeScript sources)', () => {
  const metrics = new ReaderMetrics(new Registry());
  const pool = new DecodePool({ entry: workerEntry(__dirname, 'decode'), size: 2, maxQueue: 2, logger, metrics });

  beforeAll(() => pool.start(), 30_000);
  afterAll(() => pool.stop());

  it('decodes in a worker exactly what decodes inline', async () => {
    const chunks = Array.from({ length: 100 }, (_, i) => chunkOf(i * 7_200_000, 120));
    const decoder = new ChunkDecoderSwitch(pool, 64, metrics);
    const viaWorkers = await decoder.decodeAll([...chunks, corrupt]);
    const inline = await new ChunkDecoderSwitch(undefined, 64).decodeAll([...chunks, corrupt]);
    expect(viaWorkers).toEqual(inline);
    expect(isDecodeFailure(viaWorkers[100])).toBe(true);
    expect((await metrics.chunksDecoded.get()).values.find((v) => v.labels.where === 'worker')?.value).toBe(101);
  });

  it('decodes small reads inline', async () => {
    await new ChunkDecoderSwitch(pool, 64, metrics).decodeAll([chunkOf(0, 5)]);
    expect((await metrics.chunksDecoded.get()).values.find((v) => v.labels.where === 'inline')?.value).toBe(1);
  });

  it('refuses work beyond its queue instead of queueing without bound', async () => {
    const big = Array.from({ length: 400 }, (_, i) => chunkOf(i * 7_200_000, 720));
    const accepted = Array.from({ length: 4 }, () => pool.decode(big)); // 2 running + 2 queued
    await expect(pool.decode(big)).rejects.toBeInstanceOf(DecodeQueueFullError);
    expect((await Promise.all(accepted)).every((r) => r.length === 400)).toBe(true);
  });

  it('drops a queued task when its read is stopped, so the queue frees at once and the worker never decodes it', async () => {
    const big = Array.from({ length: 400 }, (_, i) => chunkOf(i * 7_200_000, 240));
    const running = [pool.decode(big), pool.decode(big)];
    const stop = new AbortController();
    const queued = pool.decode(big, stop.signal);
    const reason = new Error('the read took longer than STRATA_READ_TIMEOUT_MS');
    stop.abort(reason);
    await expect(queued).rejects.toBe(reason);
    // Its place in the queue is free again: two more fit although two tasks still run.
    const next = [pool.decode(big), pool.decode(big)];
    await Promise.all([...running, ...next]);
    await expect(pool.decode(big, stop.signal)).rejects.toBe(reason);
  });
});
