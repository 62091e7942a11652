import { randomUUID } from 'node:crypto';
import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { decodeChunk, encodeChunk } from '../codec/chunk';
import { DAY_MS } from '../core/time';
import { createDynamoDb } from './dynamodb-client';
import { dayIndexShard } from './day-index';
import { WARM_ITEM_PAYLOAD_BYTES } from './warm-layout';
import { dropWarmTable } from '../testing/drop-warm-table';
import { ensureWarmTable } from './warm-table';
import { DynamoWarmStore, QUARANTINE, quarantinePartitionKey, warmPartitionKey, type WarmChunk } from './warm-store';

const W = 4 * 3_600_000;
const DAY0 = 20_500 * DAY_MS;

/** A chunk of `values` one second apart from `start`. */
function chunkOf(tenant: string, seriesKey: string, start: number, values: number[], offset = 0): WarmChunk {
  const points = values.map((value, i) => ({ timestampMs: start + (offset + i) * 1_000, value }));
  return { tenant, seriesKey, start, chunk: encodeChunk(points), count: points.length, sealOffset: 40 + offset };
}

const valuesOf = (c: { chunk: Uint8Array }) => Array.from(decodeChunk(c.chunk).values);

// Issue 14: a window quarantined because DynamoDB refused it for a reason other than its
// key length must stay readable through the normal read path (queryChunks, getSealedChunk)
// once Redis dropped its copy, at no cost to series without one; the archiver must not
// delete anything wrongly around the pointer left at the series' own key.
describe('quarantine pointers at the series\' own key (DynamoDB Local)', () => {
  const real = createDynamoDb({ endpoint: process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000', region: 'us-east-1' });
  const tableName = `strata_spec_${randomUUID().slice(0, 8)}`;
  /** Queries sent, by partition key. */
  const queries: string[] = [];
  const counting = Object.create(real) as DynamoDBClient;
  counting.send = ((command: { input: { ExpressionAttributeValues?: Record<string, AttributeValue> } }, ...rest: unknown[]) => {
    if (command instanceof QueryCommand) queries.push(command.input.ExpressionAttributeValues?.[':pk']?.S ?? '');
    return (real.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
  }) as DynamoDBClient['send'];
  const store = new DynamoWarmStore(counting, { tableName, dayIndex: { shards: 4 } });
  const tenant = `t${randomUUID().slice(0, 6)}`;
  const refusal = Object.assign(new Error('One or more parameter values were invalid (injected)'), { name: 'ValidationException' });

  /** Sort keys and pointer flags of a partition, as DynamoDB holds it. */
  const itemsOf = async (pk: string): Promise<Array<{ sk: string; pointer: boolean; chunk: boolean }>> => {
    const out = await real.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } }, ConsistentRead: true }));
    return (out.Items ?? []).map((i) => ({ sk: i['sk'].N!, pointer: i[QUARANTINE.attributes.pointer] !== undefined, chunk: i['c'] !== undefined }));
  };

  beforeAll(() => ensureWarmTable(real, tableName));
  afterAll(async () => {
    await dropWarmTable(real, tableName);
    real.destroy();
  });

  it('reads a quarantined window through its pointer, in order with the sealed ones; a series without one costs one Query', async () => {
    const series = 'cpu{host="a"}';
    await store.putChunks([chunkOf(tenant, series, DAY0, [1, 2]), chunkOf(tenant, series, DAY0 + 2 * W, [5])]);
    await store.quarantineWindow(chunkOf(tenant, series, DAY0 + W, [3, 4]), refusal);

    queries.length = 0;
    const chunks = await store.queryChunks(tenant, series, DAY0, DAY0 + 2 * W);
    expect(chunks.map((c) => [c.start, valuesOf(c)])).toEqual([
      [DAY0, [1, 2]],
      [DAY0 + W, [3, 4]],
      [DAY0 + 2 * W, [5]],
    ]);
    expect(queries).toEqual([warmPartitionKey(tenant, series), quarantinePartitionKey(tenant, series)]);

    // The sealer's merge sees the quarantined copy with its offsets; a re-drive asks for the
    // series' own partition only, which holds nothing but the pointer.
    const sealed = await store.getSealedChunk(tenant, series, DAY0 + W);
    expect(sealed).toMatchObject({ quarantined: true, seal: { base: 40 } });
    expect(valuesOf(sealed!)).toEqual([3, 4]);
    expect(await store.getSealedChunk(tenant, series, DAY0 + W, { followQuarantine: false })).toBeUndefined();

    const other = 'cpu{host="b"}';
    await store.putChunks([chunkOf(tenant, other, DAY0, [9])]);
    queries.length = 0;
    expect((await store.queryChunks(tenant, other, DAY0, DAY0 + 5 * W)).map(valuesOf)).toEqual([[9]]);
    expect(await store.getSealedChunk(tenant, other, DAY0)).not.toHaveProperty('quarantined');
    expect(queries).toEqual([warmPartitionKey(tenant, other), warmPartitionKey(tenant, other)]);
  });

  it('writes the series-day\'s day-index entry, so the archiver finds the window', async () => {
    const series = 'indexed{x="1"}';
    const day = DAY0 / DAY_MS + 3;
    await store.quarantineWindow(chunkOf(tenant, series, day * DAY_MS + W, [1]), refusal);
    const entries = await store.dayIndexEntries(day, dayIndexShard(tenant, series, 4));
    expect(entries).toEqual([expect.objectContaining({ tenant, seriesKey: series, day })]);
  });

  it('the pointer replaces a previous seal split over several items, and its parts', async () => {
    const series = 'noise{res="100ms"}';
    const start = DAY0 + 3 * W;
    let x = 7;
    const big = Array.from({ length: 100_000 }, () => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const first = { ...chunkOf(tenant, series, start, big), sealOffset: 1 };
    expect(first.chunk.length).toBeGreaterThan(WARM_ITEM_PAYLOAD_BYTES);
    await store.putChunks([first]);
    expect((await itemsOf(warmPartitionKey(tenant, series))).length).toBeGreaterThan(1);

    // A late point re-seals the window, DynamoDB refuses it: the merged window goes to the quarantine.
    const merged = chunkOf(tenant, series, start, [...big, 0.5]);
    await store.quarantineWindow(merged, refusal);
    expect(await itemsOf(warmPartitionKey(tenant, series))).toEqual([{ sk: String(start), pointer: true, chunk: false }]);
    const [read] = await store.queryChunks(tenant, series, start, start);
    expect(valuesOf(read)).toEqual([...big, 0.5]);
  });

  it('getSealedChunks answers exactly as getSealedChunk for every kind of window, querying only split, quarantined and over-long ones', async () => {
    const plain = 'batch{kind="plain"}';
    const split = 'batch{kind="split"}';
    const pointed = 'batch{kind="pointer"}';
    const tooLong = `batch{kind="${'x'.repeat(2_100)}"}`;
    // 130 one-item windows (two BatchGetItem calls), 20 never written.
    await store.putChunks(Array.from({ length: 130 }, (_, i) => chunkOf(tenant, plain, DAY0 + i * W, [i, i + 0.5])));
    let x = 11;
    const big = Array.from({ length: 100_000 }, () => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    await store.putChunks([{ ...chunkOf(tenant, split, DAY0, big), sealOffset: 3 }]);
    expect((await itemsOf(warmPartitionKey(tenant, split))).length).toBeGreaterThan(1);
    await store.putChunks([chunkOf(tenant, pointed, DAY0, [1])]);
    await store.quarantineWindow(chunkOf(tenant, pointed, DAY0 + W, [2, 3], 4), refusal);
    await store.quarantineWindow(chunkOf(tenant, tooLong, DAY0, [4]), refusal);
    const windows = [
      ...Array.from({ length: 150 }, (_, i) => ({ tenant, seriesKey: plain, start: DAY0 + i * W })),
      { tenant, seriesKey: split, start: DAY0 },
      { tenant, seriesKey: pointed, start: DAY0 },
      { tenant, seriesKey: pointed, start: DAY0 + W },
      { tenant, seriesKey: tooLong, start: DAY0 },
      { tenant, seriesKey: plain, start: DAY0 + 3 * W }, // asked twice
    ];
    queries.length = 0;
    const batched = await store.getSealedChunks(windows);
    expect(new Set(queries)).toEqual(new Set([warmPartitionKey(tenant, split), warmPartitionKey(tenant, pointed), quarantinePartitionKey(tenant, pointed), quarantinePartitionKey(tenant, tooLong)]));
    const one = await Promise.all(windows.map((w) => store.getSealedChunk(w.tenant, w.seriesKey, w.start)));
    expect(batched).toEqual(one);
    expect(batched.filter((c) => c === undefined)).toHaveLength(20);
    expect(batched[3] && valuesOf(batched[3])).toEqual([3, 3.5]);
    expect(batched[152]).toMatchObject({ quarantined: true, seal: { base: 44 } });
    expect(valuesOf(batched[150]!)).toEqual(big);
  });

  it('archiver: deleteChunkIf removes a quarantined window only as it was read, then its copy and listing entry', async () => {
    const series = 'archived{y="2"}';
    const start = DAY0 + 4 * W;
    const before = chunkOf(tenant, series, start, [1, 2]);
    await store.quarantineWindow(before, refusal);
    const [archived] = await store.queryChunks(tenant, series, start, start, { consistent: true });

    // A different chunk (what another window, or a stale read, held) deletes nothing.
    expect(await store.deleteChunkIf(tenant, series, start, chunkOf(tenant, series, start, [1]).chunk)).toBe(false);
    // A late point quarantined again after the archiver read the window: the pointer now
    // names a copy of another generation, so the archived (older) chunk deletes nothing.
    const after = chunkOf(tenant, series, start, [1, 2, 3]);
    await store.quarantineWindow(after, refusal);
    expect(await store.deleteChunkIf(tenant, series, start, archived.chunk)).toBe(false);
    expect((await store.queryChunks(tenant, series, start, start)).map(valuesOf)).toEqual([[1, 2, 3]]);
    expect((await store.quarantinedWindows()).filter((e) => e.seriesKey === series)).toHaveLength(1);

    // What the next run reads and archives goes: pointer, copy and listing entry.
    const [current] = await store.queryChunks(tenant, series, start, start, { consistent: true });
    expect(await store.deleteChunkIf(tenant, series, start, current.chunk)).toBe(true);
    expect(await itemsOf(warmPartitionKey(tenant, series))).toEqual([]);
    expect(await itemsOf(quarantinePartitionKey(tenant, series))).toEqual([]);
    expect((await store.quarantinedWindows()).filter((e) => e.seriesKey === series)).toEqual([]);
    expect(await store.queryChunks(tenant, series, start, start)).toEqual([]);
  });

  it('a seal that lands at the series\' own key over its quarantined copy replaces the pointer and releases the copy', async () => {
    const series = 'healed{z="3"}';
    const start = DAY0 + 5 * W;
    await store.quarantineWindow(chunkOf(tenant, series, start, [1, 2]), refusal);
    const previous = await store.getSealedChunk(tenant, series, start);
    expect(previous?.quarantined).toBe(true);
    await store.putChunks([{ ...chunkOf(tenant, series, start, [1, 2, 3]), releasesQuarantined: true }]);
    expect((await store.queryChunks(tenant, series, start, start)).map(valuesOf)).toEqual([[1, 2, 3]]);
    expect(await itemsOf(warmPartitionKey(tenant, series))).toEqual([{ sk: String(start), pointer: false, chunk: true }]);
    expect(await itemsOf(quarantinePartitionKey(tenant, series))).toEqual([]);
    expect((await store.quarantinedWindows()).filter((e) => e.seriesKey === series)).toEqual([]);
  });

  it('releasing a window given up removes its pointer, so reads neither fail nor find it', async () => {
    const series = 'given-up{w="4"}';
    const start = DAY0 + 5 * W;
    await store.quarantineWindow(chunkOf(tenant, series, start, [1]), refusal);
    await store.releaseQuarantined(tenant, series, start);
    expect(await itemsOf(warmPartitionKey(tenant, series))).toEqual([]);
    expect(await store.queryChunks(tenant, series, start, start)).toEqual([]);
  });
});
