import { randomUUID } from 'node:crypto';
import { DAY_MS } from '@strata/storage';
import { decodeChunk, encodeChunk } from '@strata/storage/codec';
import { createRedis, hotKeys, LateWriteLedger } from '@strata/storage/hot';
import { dropWarmTable } from '@strata/storage/testing';
import { createDynamoDb, DynamoWarmStore, ensureWarmTable } from '@strata/storage/warm';
import { WarmChunkCache } from './warm-cache';
import { WarmTierSource } from './tier-sources';

// The reader's cache of DynamoDB chunks against DynamoDB Local and Redis: a seal that the
// writer records in the late-write ledger is seen at the next read, and the ledger's loss
// never lets an old copy through.
describe("the reader's warm chunk cache (DynamoDB Local, Redis)", () => {
  const dynamo = createDynamoDb({ endpoint: process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000', region: 'us-east-1' });
  const redis = createRedis({ url: process.env['STRATA_REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
  const tableName = `strata_spec_${randomUUID().slice(0, 8)}`;
  const warm = new DynamoWarmStore(dynamo, { tableName });
  const ledger = new LateWriteLedger(redis);
  const tenant = `t${randomUUID().slice(0, 8)}`;
  const W = 4 * 3_600_000;
  const day = Math.floor(Date.now() / DAY_MS) - 1;
  const start = day * DAY_MS + 2 * W;
  const results: string[] = [];
  const source = new WarmTierSource(warm, new WarmChunkCache(warm, ledger, { maxBytes: 1 << 20, onLookup: (r) => results.push(r) }));
  const request = { range: { tier: 'warm' as const, fromStart: start - W, toStart: start + W }, windowMs: W };

  const chunkOf = (values: number[]) => encodeChunk({ timestamps: Float64Array.from(values, (_, i) => start + i * 60_000), values: Float64Array.from(values) });
  const read = async () => (await source.fetch(tenant, 'cpu', request)).windows.map((w) => [w.start, [...decodeChunk(w.layers[0] as Uint8Array).values]]);

  beforeAll(() => ensureWarmTable(dynamo, tableName));
  afterAll(async () => {
    await redis.hdel(hotKeys.lateLedger(day), `w:${tenant}`, `v:${tenant}`);
    await dropWarmTable(dynamo, tableName);
    dynamo.destroy();
    redis.disconnect();
  });

  it('serves a held range from memory until the writer records a seal into its day, then reads the new chunk', async () => {
    await warm.putChunks([{ tenant, seriesKey: 'cpu', start, chunk: chunkOf([1, 2]), count: 2 }]);
    await ledger.recordWrites([{ tenant, day }]);
    expect(await read()).toEqual([[start, [1, 2]]]);
    expect(await read()).toEqual([[start, [1, 2]]]);
    expect(results).toEqual(['miss', 'hit']);

    // The sealer's order: the chunk is durable, then the day is recorded.
    await warm.putChunks([{ tenant, seriesKey: 'cpu', start, chunk: chunkOf([1, 2, 3]), count: 3 }]);
    expect(await read()).toEqual([[start, [1, 2]]]); // between the write and its record
    await ledger.recordWrites([{ tenant, day }]);
    expect(await read()).toEqual([[start, [1, 2, 3]]]);
    // A first seal of a window the cache held as empty.
    await warm.putChunks([{ tenant, seriesKey: 'cpu', start: start + W, chunk: chunkOf([7]), count: 1 }]);
    await ledger.recordWrites([{ tenant, day }]);
    expect(await read()).toEqual([
      [start, [1, 2, 3]],
      [start + W, [7]],
    ]);
    expect(results).toEqual(['miss', 'hit', 'hit', 'miss', 'miss']);
  });

  it('does not trust what it holds once Redis lost the ledger, even when the count comes back to the same number', async () => {
    const before = await read();
    const count = Number(await redis.hget(hotKeys.lateLedger(day), `w:${tenant}`));
    await redis.del(hotKeys.lateLedger(day)); // Redis restarted empty
    await warm.putChunks([{ tenant, seriesKey: 'cpu', start, chunk: chunkOf([5]), count: 1 }]);
    await redis.hset(hotKeys.lateLedger(day), `w:${tenant}`, count); // as many writes recorded since
    expect(await read()).not.toEqual(before);
    expect(await read()).toEqual([
      [start, [5]],
      [start + W, [7]],
    ]);
  });
});
