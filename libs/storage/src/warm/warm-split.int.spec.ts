import { randomUUID } from 'node:crypto';
import { QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { decodeChunk, encodeChunk } from '../codec/chunk';
import { StorageError } from '../errors';
import { createDynamoDb } from './dynamodb-client';
import { WARM_ITEM_PAYLOAD_BYTES } from './warm-layout';
import { dropWarmTable } from '../testing/drop-warm-table';
import { ensureWarmTable } from './warm-table';
import { DynamoWarmStore, quarantinePartitionKey, warmPartitionKey, type WarmChunk } from './warm-store';

const W = 4 * 3_600_000;
const START = 20_000 * W;

/** `n` points of full-precision noise, `stepMs` apart, from the window's start. */
function noisy(n: number, stepMs: number, seed = 1): { timestamps: Float64Array; values: Float64Array } {
  let x = seed;
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    timestamps[i] = START + i * stepMs;
    values[i] = x / 2 ** 31 + i * 1e-9;
  }
  return { timestamps, values };
}

describe('windows bigger than a DynamoDB item, and the quarantine, against DynamoDB Local', () => {
  const client = createDynamoDb({ endpoint: process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000', region: 'us-east-1' });
  const tableName = `strata_spec_${randomUUID().slice(0, 8)}`;
  const store = new DynamoWarmStore(client, { tableName });
  const tenant = 'acme';

  /** Every item of a partition's window range, by sort key as DynamoDB holds it. */
  const itemsOf = async (pk: string): Promise<string[]> => {
    const keys: string[] = [];
    let from: Record<string, AttributeValue> | undefined;
    do {
      const out = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk } },
          ProjectionExpression: 'sk',
          ExclusiveStartKey: from,
          ConsistentRead: true,
        }),
      );
      keys.push(...(out.Items ?? []).map((i) => i['sk'].N!));
      from = out.LastEvaluatedKey;
    } while (from);
    return keys;
  };

  beforeAll(() => ensureWarmTable(client, tableName));
  afterAll(async () => {
    await dropWarmTable(client, tableName);
    client.destroy();
  });

  it('seals 4 h of noisy 100 ms data (144,000 points, ~1.3 MB) over several items and reads it back exactly', async () => {
    const points = noisy(144_000, 100);
    const chunk = encodeChunk(points);
    expect(chunk.length).toBeGreaterThan(3 * WARM_ITEM_PAYLOAD_BYTES);
    const seriesKey = 'noise{res="100ms"}';
    const offsets = new Map([[START + 500, 41], [START + 900, 42]]);
    await store.putChunks([{ tenant, seriesKey, start: START, chunk, count: 144_000, sealOffset: 40, pointOffsets: offsets }]);
    expect((await itemsOf(warmPartitionKey(tenant, seriesKey))).length).toBe(Math.ceil(chunk.length / WARM_ITEM_PAYLOAD_BYTES));

    const [read] = await store.queryChunks(tenant, seriesKey, START, START);
    expect(read.count).toBe(144_000);
    expect(Buffer.compare(Buffer.from(read.chunk), Buffer.from(chunk))).toBe(0);
    const decoded = decodeChunk(read.chunk);
    expect(decoded.timestamps).toEqual(points.timestamps);
    expect(Buffer.from(decoded.values.buffer).equals(Buffer.from(points.values.buffer))).toBe(true);
    // Windows around it are not swallowed by its parts' keys.
    await store.putChunks([{ tenant, seriesKey, start: START + W, chunk: encodeChunk([{ timestampMs: START + W, value: 1 }]), count: 1 }]);
    expect((await store.queryChunks(tenant, seriesKey, START, START + W)).map((c) => c.start)).toEqual([START, START + W]);
    expect((await store.queryChunks(tenant, seriesKey, START + 1, START + W)).map((c) => c.start)).toEqual([START + W]);

    const sealed = await store.getSealedChunk(tenant, seriesKey, START);
    expect(Buffer.from(sealed!.chunk).equals(Buffer.from(chunk))).toBe(true);
    expect(sealed!.seal).toEqual({ base: 40, points: offsets });
  });

  it('a re-seal that needs fewer items leaves no stale part, and a delete takes every part', async () => {
    const seriesKey = 'noise{res="shrinks"}';
    const pk = warmPartitionKey(tenant, seriesKey);
    const big = encodeChunk(noisy(144_000, 100, 7));
    await store.putChunks([{ tenant, seriesKey, start: START, chunk: big, count: 144_000 }]);
    const before = await itemsOf(pk);
    expect(before.length).toBeGreaterThanOrEqual(4);

    const smaller = encodeChunk(noisy(50_000, 100, 8)); // two items
    await store.putChunks([{ tenant, seriesKey, start: START, chunk: smaller, count: 50_000, mayHaveParts: true }]);
    expect((await itemsOf(pk)).length).toBe(2);
    expect(Buffer.from((await store.queryChunks(tenant, seriesKey, START, START))[0].chunk).equals(Buffer.from(smaller))).toBe(true);

    const small = encodeChunk(noisy(100, 100, 9)); // back to one item
    await store.putChunks([{ tenant, seriesKey, start: START, chunk: small, count: 100, mayHaveParts: true }]);
    expect(await itemsOf(pk)).toEqual([String(START)]);
    expect(Buffer.from((await store.getSealedChunk(tenant, seriesKey, START))!.chunk).equals(Buffer.from(small))).toBe(true);

    await store.putChunks([{ tenant, seriesKey, start: START, chunk: big, count: 144_000, mayHaveParts: true }]);
    expect(await store.deleteChunkIf(tenant, seriesKey, START, small)).toBe(false); // changed since: kept
    expect(await store.deleteChunkIf(tenant, seriesKey, START, big)).toBe(true);
    expect(await itemsOf(pk)).toEqual([]);
  });

  it('DynamoDB refuses a 3,000-byte series key: a permanent StorageError, then the window is readable from the quarantine', async () => {
    const seriesKey = `poison{a="${'x'.repeat(1_500)}",b="${'y'.repeat(1_480)}"}`;
    expect(Buffer.byteLength(seriesKey)).toBeGreaterThan(2_048);
    const chunk: WarmChunk = { tenant, seriesKey, start: START, chunk: encodeChunk(noisy(10, 1_000)), count: 10, sealOffset: 7 };
    const refusal = await store.putChunks([chunk]).then(() => undefined, (e: unknown) => e);
    expect(refusal).toBeInstanceOf(StorageError);
    expect((refusal as StorageError).retriable).toBe(false);

    const entry = await store.quarantineWindow(chunk, refusal);
    expect(entry).toMatchObject({ tenant, seriesKey, start: START });
    expect(await store.countQuarantined()).toBe(1);
    expect((await store.quarantinedWindows())[0]).toMatchObject({ tenant, seriesKey, start: START, error: expect.stringContaining('ValidationException') });
    // Reads of the series (reader, archiver, the sealer's merge) find it where its key fits.
    const [read] = await store.queryChunks(tenant, seriesKey, 0, Number.MAX_SAFE_INTEGER);
    expect(Buffer.from(read.chunk).equals(Buffer.from(chunk.chunk))).toBe(true);
    expect((await store.getSealedChunk(tenant, seriesKey, START))?.seal.base).toBe(7);

    // The archiver's delete takes the window and its listing entry.
    expect(await store.deleteChunkIf(tenant, seriesKey, START, chunk.chunk)).toBe(true);
    expect(await itemsOf(quarantinePartitionKey(tenant, seriesKey))).toEqual([]);
    expect(await store.countQuarantined()).toBe(0);
  });

  it('a quarantined window can be released after a re-drive', async () => {
    const seriesKey = 'ok{host="a"}';
    const chunk: WarmChunk = { tenant, seriesKey, start: START, chunk: encodeChunk(noisy(10, 1_000)), count: 10 };
    await store.quarantineWindow(chunk, new Error('refused for the test'));
    const copy = await store.getQuarantinedChunk(tenant, seriesKey, START);
    await store.putChunks([{ ...chunk, chunk: copy!.chunk }]);
    await store.releaseQuarantined(tenant, seriesKey, START);
    expect(await store.countQuarantined()).toBe(0);
    expect(await itemsOf(quarantinePartitionKey(tenant, seriesKey))).toEqual([]);
    expect((await store.queryChunks(tenant, seriesKey, START, START)).length).toBe(1);
  });
});
