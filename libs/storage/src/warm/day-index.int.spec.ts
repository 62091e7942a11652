import { randomUUID } from 'node:crypto';
import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DAY_MS } from '../core/time';
import { createDynamoDb } from './dynamodb-client';
import { dayIndexShard } from './day-index';
import { DynamoWarmStore } from './warm-store';
import { dropWarmTable } from '../testing/drop-warm-table';
import { ensureWarmTable, hasLegacyArchiveIndex } from './warm-table';

const D = 20_758;

describe('the day index and conditional deletes on DynamoDB Local', () => {
  const client = createDynamoDb({ endpoint: process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000', region: 'us-east-1' });
  const tables: string[] = [];
  const table = async () => {
    const name = `strata_spec_${randomUUID().slice(0, 8)}`;
    tables.push(name);
    await ensureWarmTable(client, name);
    return name;
  };
  const chunk = (seriesKey: string, start: number, text: string) => ({ tenant: 'acme', seriesKey, start, chunk: Buffer.from(text), count: 1 });
  const SHARDS = 8;
  const listed = async (store: DynamoWarmStore, day: number) => {
    const all = [];
    for (let shard = 0; shard < SHARDS; shard++) {
      for (const e of await store.dayIndexEntries(day, shard)) {
        expect(dayIndexShard(e.tenant, e.seriesKey, SHARDS)).toBe(shard);
        all.push(e);
      }
    }
    return all.sort((a, b) => (a.seriesKey < b.seriesKey ? -1 : 1));
  };

  afterAll(async () => {
    for (const name of tables) await dropWarmTable(client, name);
    client.destroy();
  });

  it('lists each series with chunks on a day once, costing one write unit per series-day on top of the chunks', async () => {
    const store = new DynamoWarmStore(client, { tableName: await table(), now: () => (D + 1) * DAY_MS, dayIndex: { shards: SHARDS } });
    const keys = ['cpu{host="a"}', 'cpu{host="#2"}', 'mem'];
    let units = 0;
    const events = { onConsumedCapacity: (u: number) => (units += u) };
    for (let w = 0; w < 12; w++) await store.putChunks(keys.map((k) => chunk(k, D * DAY_MS + w * 7_200_000, `w${w}`)), events);
    await store.putChunks(keys.map((k) => chunk(k, (D + 1) * DAY_MS, 'z')), events);
    expect(units).toBe(13 * keys.length + 2 * keys.length);
    const day = await listed(store, D);
    expect(day.map((e) => e.seriesKey)).toEqual([...keys].sort());
    expect(day.every((e) => e.tenant === 'acme' && e.day === D && typeof e.token === 'string')).toBe(true);
    expect((await listed(store, D + 1)).map((e) => e.seriesKey)).toEqual([...keys].sort());
    expect(await listed(store, D + 2)).toEqual([]);
    // The series' own partitions hold only their chunks.
    expect((await store.queryChunks('acme', 'mem', 0, Number.MAX_SAFE_INTEGER)).map((c) => c.start)).toHaveLength(13);
  });

  it('pages through a partition larger than one Query answer', async () => {
    const store = new DynamoWarmStore(client, { tableName: await table(), now: () => (D + 1) * DAY_MS, dayIndex: { shards: 1 } });
    const label = 'x'.repeat(900);
    const keys = Array.from({ length: 1_300 }, (_, i) => `m${i}{l="${label}"}`);
    for (let i = 0; i < keys.length; i += 100) await store.putChunks(keys.slice(i, i + 100).map((k) => chunk(k, D * DAY_MS, 'a')));
    const entries = await store.dayIndexEntries(D, 0);
    expect(entries).toHaveLength(keys.length);
    expect(new Set(entries.map((e) => e.seriesKey)).size).toBe(keys.length);
  }, 60_000);

  it('deletes an entry only while it holds the token it was read with', async () => {
    const store = new DynamoWarmStore(client, { tableName: await table(), dayIndex: { shards: SHARDS } });
    // D is long past: every put of its chunks rewrites the entry (a late re-seal).
    await store.putChunks([chunk('s', D * DAY_MS, 'v1')]);
    const [read] = await listed(store, D);
    await store.putChunks([chunk('s', D * DAY_MS, 'v2')]);
    expect(await store.deleteDayIndexEntryIf(read)).toBe(false);
    const [now] = await listed(store, D);
    expect(now.token).not.toBe(read.token);
    expect(await store.deleteDayIndexEntryIf(now)).toBe(true);
    expect(await store.deleteDayIndexEntryIf(now)).toBe(false);
    expect(await listed(store, D)).toEqual([]);
  });

  it('deletes a chunk only while it holds exactly the given bytes', async () => {
    const store = new DynamoWarmStore(client, { tableName: await table() });
    await store.putChunks([chunk('s', D * DAY_MS, 'v1')]);
    await store.putChunks([chunk('s', D * DAY_MS, 'v2')]);
    expect(await store.deleteChunkIf('acme', 's', D * DAY_MS, Buffer.from('v1'))).toBe(false);
    expect(await store.getChunk('acme', 's', D * DAY_MS)).toBeDefined();
    expect(await store.deleteChunkIf('acme', 's', D * DAY_MS, Buffer.from('v2'))).toBe(true);
    expect(await store.deleteChunkIf('acme', 's', D * DAY_MS, Buffer.from('v2'))).toBe(false);
  });

  it('still finds chunks written before the day index through a legacy archive-day index, and none without one', async () => {
    const name = `strata_spec_${randomUUID().slice(0, 8)}`;
    tables.push(name);
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
          { AttributeName: 'ad', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        GlobalSecondaryIndexes: [
          { IndexName: 'archive-day', KeySchema: [{ AttributeName: 'ad', KeyType: 'HASH' }, { AttributeName: 'pk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
        ],
      }),
    );
    expect(await ensureWarmTable(client, name)).toEqual({ created: false });
    expect(await hasLegacyArchiveIndex(client, name)).toBe(true);
    await client.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'acme#old' }, sk: { N: String(D * DAY_MS) }, c: { B: Buffer.from('a') }, n: { N: '1' }, ad: { S: '2026-11-01#5' } } }));
    const store = new DynamoWarmStore(client, { tableName: name });
    expect(new Date(D * DAY_MS).toISOString().slice(0, 10)).toBe('2026-11-01');
    expect(await store.legacyArchivableSeries(D, 5)).toEqual([{ tenant: 'acme', seriesKey: 'old' }]);
    expect(await store.legacyArchivableSeries(D, 4)).toEqual([]);
    // New writes do not touch the legacy index.
    await store.putChunks([chunk('new', D * DAY_MS, 'b')]);
    expect(await store.legacyArchivableSeries(D, 5)).toEqual([{ tenant: 'acme', seriesKey: 'old' }]);

    const fresh = new DynamoWarmStore(client, { tableName: await table() });
    expect(await hasLegacyArchiveIndex(client, fresh['options'].tableName)).toBe(false);
    expect(await fresh.legacyArchivableSeries(D, 5)).toEqual([]);
  });
});
