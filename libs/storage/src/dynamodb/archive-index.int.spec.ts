import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDb } from './dynamodb-client';
import { archiveIndexShard, DynamoWarmStore } from './warm-store';
import { ARCHIVE_INDEX, dropWarmTable, ensureArchiveIndex, ensureWarmTable } from './warm-table';

const DAY = 86_400_000;
const D = 20_758;

describe('the archive index and conditional deletes on DynamoDB Local', () => {
  const client = createDynamoDb({ endpoint: process.env['STRATA_DYNAMODB_ENDPOINT'] ?? 'http://127.0.0.1:8000', region: 'us-east-1' });
  const tables: string[] = [];
  const table = async (legacy = false) => {
    const name = `strata_spec_${randomUUID().slice(0, 8)}`;
    tables.push(name);
    if (legacy) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        }),
      );
    } else {
      await ensureWarmTable(client, name);
    }
    return name;
  };
  const chunk = (seriesKey: string, start: number, text: string) => ({ tenant: 'acme', seriesKey, start, chunk: Buffer.from(text), count: 1 });

  afterAll(async () => {
    for (const name of tables) await dropWarmTable(client, name);
    client.destroy();
  });

  it('lists each series with chunks on a day once, by index shard, and forgets it when its chunks are gone', async () => {
    const store = new DynamoWarmStore(client, { tableName: await table() });
    const keys = ['cpu{host="a"}', 'cpu{host="#2"}', 'mem'];
    await store.putChunks(keys.flatMap((k) => [chunk(k, D * DAY, 'x'), chunk(k, D * DAY + 7_200_000, 'y'), chunk(k, (D + 1) * DAY, 'z')]));
    const listed = async (day: number) => {
      const all = [];
      for (let shard = 0; shard < ARCHIVE_INDEX.shards; shard++) {
        for (const s of await store.archivableSeries(day, shard)) {
          expect(archiveIndexShard(s.tenant, s.seriesKey)).toBe(shard);
          all.push(s.seriesKey);
        }
      }
      return all.sort();
    };
    expect(await listed(D)).toEqual([...keys].sort());
    expect(await listed(D + 2)).toEqual([]);
    for (const k of keys) {
      expect(await store.deleteChunkIf('acme', k, D * DAY, Buffer.from('x'))).toBe(true);
      expect(await store.deleteChunkIf('acme', k, D * DAY + 7_200_000, Buffer.from('y'))).toBe(true);
    }
    expect(await listed(D)).toEqual([]);
    expect(await listed(D + 1)).toEqual([...keys].sort());
  });

  it('deletes a chunk only while it holds exactly the given bytes', async () => {
    const store = new DynamoWarmStore(client, { tableName: await table() });
    await store.putChunks([chunk('s', D * DAY, 'v1')]);
    await store.putChunks([chunk('s', D * DAY, 'v2')]);
    expect(await store.deleteChunkIf('acme', 's', D * DAY, Buffer.from('v1'))).toBe(false);
    expect(await store.getChunk('acme', 's', D * DAY)).toBeDefined();
    expect(await store.deleteChunkIf('acme', 's', D * DAY, Buffer.from('v2'))).toBe(true);
    expect(await store.deleteChunkIf('acme', 's', D * DAY, Buffer.from('v2'))).toBe(false);
  });

  it('adds the index to a table created before it, backfilled from the items', async () => {
    const name = await table(true);
    const store = new DynamoWarmStore(client, { tableName: name });
    await store.putChunks([chunk('old', D * DAY, 'a')]);
    expect(await ensureArchiveIndex(client, name, { pollMs: 100 })).toEqual({ created: true });
    expect(await ensureArchiveIndex(client, name, { pollMs: 100 })).toEqual({ created: false });
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual([ARCHIVE_INDEX.name]);
    expect(await store.archivableSeries(D, archiveIndexShard('acme', 'old'))).toEqual([{ tenant: 'acme', seriesKey: 'old' }]);
  });
});
