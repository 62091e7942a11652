import { randomUUID } from 'node:crypto';
import { createDynamoDb } from './dynamodb-client';
import { dropWarmTable } from '../testing/drop-warm-table';
import { ensureWarmTable } from './warm-table';
import { DynamoWarmStore } from './warm-store';

describe('DynamoWarmStore against DynamoDB Local', () => {
  const client = createDynamoDb({ endpoint: process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000', region: 'us-east-1' });
  const tableName = `strata_spec_${randomUUID().slice(0, 8)}`;
  const store = new DynamoWarmStore(client, { tableName });

  beforeAll(() => ensureWarmTable(client, tableName));
  afterAll(async () => {
    await dropWarmTable(client, tableName);
    client.destroy();
  });

  it('writes 60 chunks in batches of 25 and reads them back in time order', async () => {
    const chunks = Array.from({ length: 60 }, (_, i) => ({
      tenant: 'acme',
      seriesKey: `m${i % 3}{host="a"}`,
      start: 7_200_000 * (i + 1),
      chunk: Buffer.from(`chunk-${i}`),
      count: i + 1,
    }));
    let units = 0;
    await store.putChunks(chunks, { onConsumedCapacity: (u) => (units += u) });
    expect(units).toBeGreaterThanOrEqual(60);
    const m0 = await store.queryChunks('acme', 'm0{host="a"}', 0, Number.MAX_SAFE_INTEGER);
    expect(m0.map((c) => c.start)).toEqual(chunks.filter((c) => c.seriesKey === 'm0{host="a"}').map((c) => c.start));
    expect(Buffer.from(m0[1].chunk).toString()).toBe('chunk-3');
    const ranged = await store.queryChunks('acme', 'm1{host="a"}', 7_200_000 * 5, 7_200_000 * 11);
    expect(ranged.map((c) => c.count)).toEqual([5, 8, 11]);
    expect(Buffer.from((await store.getChunk('acme', 'm2{host="a"}', 7_200_000 * 3))!).toString()).toBe('chunk-2');
    expect(await store.getChunk('other', 'm2{host="a"}', 7_200_000 * 3)).toBeUndefined();
  });

  it('overwrites a window on a second put (a re-seal)', async () => {
    await store.putChunks([{ tenant: 'acme', seriesKey: 'x', start: 0, chunk: Buffer.from('v1'), count: 1 }]);
    await store.putChunks([{ tenant: 'acme', seriesKey: 'x', start: 0, chunk: Buffer.from('v2'), count: 2 }]);
    expect(Buffer.from((await store.getChunk('acme', 'x', 0))!).toString()).toBe('v2');
  });
});
