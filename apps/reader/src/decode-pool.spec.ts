import { Registry } from 'prom-client';
import { createLogger, workerEntry } from '@strata/runtime';
import { encodeChunk } from '@strata/storage/codec';
import { ChunkDecoderSwitch, DEFAULT_INLINE_MAX_BYTES } from './chunk-decoder';
import { decodeTask, isDecodeFailure, packChunks, unpackResult } from './decode-batch';
import { DecodePool } from './decode-pool';
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
    const outcomes = unpackResult(decodeTask({ bytes, ends }));
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
    const decoder = new ChunkDecoderSwitch(pool, 64, metrics, 0);
    const viaWorkers = await decoder.decodeAll([...chunks, corrupt]);
    const inline = await new ChunkDecoderSwitch(undefined, 64).decodeAll([...chunks, corrupt]);
    expect(viaWorkers).toEqual(inline);
    expect(isDecodeFailure(viaWorkers[100])).toBe(true);
    expect((await metrics.chunksDecoded.get()).values.find((v) => v.labels.where === 'worker')?.value).toBe(101);
  });

  it('decodes small reads inline: few chunks, or many that add up to few bytes', async () => {
    await new ChunkDecoderSwitch(pool, 64, metrics).decodeAll([chunkOf(0, 5)]);
    expect((await metrics.chunksDecoded.get()).values.find((v) => v.labels.where === 'inline')?.value).toBe(1);
    const tiny = Array.from({ length: 200 }, (_, i) => chunkOf(i * 60_000, 1)); // a one-minute window each
    expect(tiny.reduce((n, c) => n + c.length, 0)).toBeLessThan(32 * 1024);
    await new ChunkDecoderSwitch(pool, 64, metrics).decodeAll(tiny);
    expect((await metrics.chunksDecoded.get()).values.find((v) => v.labels.where === 'inline')?.value).toBe(201);
    // Past the byte bound, the pool takes them.
    await new ChunkDecoderSwitch(pool, 64, metrics, 1_000).decodeAll(tiny);
    expect((await metrics.chunksDecoded.get()).values.find((v) => v.labels.where === 'worker')?.value).toBe(101 + 200);
  });

  it('decodes inline at exactly DEFAULT_INLINE_MAX_BYTES, and in the pool one byte past it', async () => {
    const counts = new ReaderMetrics(new Registry());
    const where = async (where: string) => (await counts.chunksDecoded.get()).values.find((v) => v.labels.where === where)?.value ?? 0;
    // 65 chunks (past the chunk count bound of 64) whose bytes add up to the byte bound; they
    // need not decode: a corrupt chunk is an outcome like any other.
    const split = (total: number) => Array.from({ length: 65 }, (_, i) => new Uint8Array(Math.floor(total / 65) + (i < total % 65 ? 1 : 0)));
    expect(split(DEFAULT_INLINE_MAX_BYTES).reduce((n, c) => n + c.length, 0)).toBe(DEFAULT_INLINE_MAX_BYTES);
    await new ChunkDecoderSwitch(pool, 64, counts).decodeAll(split(DEFAULT_INLINE_MAX_BYTES));
    expect([await where('inline'), await where('worker')]).toEqual([65, 0]);
    await new ChunkDecoderSwitch(pool, 64, counts).decodeAll(split(DEFAULT_INLINE_MAX_BYTES + 1));
    expect([await where('inline'), await where('worker')]).toEqual([65, 65]);
  });

  it('refuses work beyond its queue instead of queueing without bound', async () => {
    const big = Array.from({ length: 400 }, (_, i) => chunkOf(i * 7_200_000, 720));
    const accepted = ['a', 'b', 'c', 'd'].map((tenant) => pool.decode(big, undefined, tenant)); // 2 running + 2 queued
    await expect(pool.decode(big, undefined, 'e')).rejects.toBeInstanceOf(DecodeQueueFullError);
    expect((await Promise.all(accepted)).every((r) => r.length === 400)).toBe(true);
  }, 20_000);

  it('keeps one tenant to its share of the queue and gives a free worker to the tenant with fewest tasks in workers', async () => {
    const chunks = (n: number) => Array.from({ length: n }, (_, i) => chunkOf(i * 7_200_000, 240));
    const big = chunks(40);
    const done: string[] = [];
    const track = (tenant: string, id: string, work = big) => pool.decode(work, undefined, tenant).then((r) => (done.push(id), r));
    // n1 finishes at once and n2 takes long, so the worker n1 frees decides who goes next.
    // n2 is long enough to outlast q1 on a busy machine too (with 600 chunks it once ended
    // first, and n3 then ran beside q1 and could finish before it).
    const noisy = [track('noisy', 'n1', chunks(1)), track('noisy', 'n2', chunks(4_000)), track('noisy', 'n3')]; // 2 running, 1 queued: its share (1 of 2)
    const refused = pool.decode(big, undefined, 'noisy');
    const quiet = track('quiet', 'q1'); // still room: the queue holds 2
    await expect(refused).rejects.toMatchObject({ retriable: true, message: expect.stringMatching(/at most 1 of one tenant's reads/) });
    await Promise.all([...noisy, quiet]);
    // q1 came after n3 but went first: noisy had a task in a worker (n2), quiet none. In
    // arrival order n3 would have run first and finished first.
    expect(done.indexOf('q1')).toBeLessThan(done.indexOf('n3'));
  }, 20_000);

  it('drops a queued task when its read is stopped, so the queue frees at once and the worker never decodes it', async () => {
    const big = Array.from({ length: 400 }, (_, i) => chunkOf(i * 7_200_000, 240));
    const running = [pool.decode(big, undefined, 'a'), pool.decode(big, undefined, 'b')];
    const stop = new AbortController();
    const queued = pool.decode(big, stop.signal, 'c');
    const reason = new Error('the read took longer than STRATA_READ_TIMEOUT_MS');
    stop.abort(reason);
    await expect(queued).rejects.toBe(reason);
    // Its place in the queue is free again: two more fit although two tasks still run.
    const next = [pool.decode(big, undefined, 'd'), pool.decode(big, undefined, 'e')];
    await Promise.all([...running, ...next]);
    await expect(pool.decode(big, stop.signal)).rejects.toBe(reason);
  }, 20_000);
});
