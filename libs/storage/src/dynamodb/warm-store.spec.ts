import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { archiveIndexKey, archiveIndexShard, DynamoWarmStore } from './warm-store';

type Reply = { UnprocessedItems?: Record<string, unknown[]>; ConsumedCapacity?: Array<{ CapacityUnits: number }> } | Error;

function fakeClient(replies: Reply[]) {
  const calls: number[] = [];
  const client = {
    send: async (command: { input: { RequestItems: Record<string, unknown[]> } }) => {
      calls.push(command.input.RequestItems['t'].length);
      const reply = replies.shift() ?? {};
      if (reply instanceof Error) throw reply;
      return reply;
    },
  } as unknown as DynamoDBClient;
  return { client, calls };
}

const chunks = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ tenant: 'a', seriesKey: 's', start: i, chunk: new Uint8Array([i]), count: 1 }));

const throttled = () => Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });

describe('DynamoWarmStore.putChunks', () => {
  const options = { tableName: 't', sleep: async () => undefined, random: () => 1 };

  it('splits into calls of at most 25 items', async () => {
    const { client, calls } = fakeClient([]);
    await new DynamoWarmStore(client, options).putChunks(chunks(60));
    expect(calls).toEqual([25, 25, 10]);
  });

  it('retries unprocessed items and throttling until everything is written', async () => {
    const unprocessed = Array.from({ length: 7 }, () => ({}));
    const { client, calls } = fakeClient([throttled(), { UnprocessedItems: { t: unprocessed } }, throttled(), {}]);
    const retries: Array<{ reason: string; items: number; delayMs: number }> = [];
    await new DynamoWarmStore(client, options).putChunks(chunks(10), {
      onRetry: ({ reason, items, delayMs }) => retries.push({ reason, items, delayMs }),
    });
    expect(calls).toEqual([10, 10, 7, 7]);
    expect(retries).toEqual([
      { reason: 'throttled', items: 10, delayMs: 100 },
      { reason: 'unprocessed', items: 7, delayMs: 200 },
      { reason: 'throttled', items: 7, delayMs: 400 },
    ]);
  });

  it('fails fast on an error retrying cannot fix', async () => {
    const invalid = Object.assign(new Error('One or more parameter values were invalid'), { name: 'ValidationException' });
    const { client, calls } = fakeClient([invalid]);
    await expect(new DynamoWarmStore(client, options).putChunks(chunks(3))).rejects.toThrow('parameter values were invalid');
    expect(calls).toEqual([3]);
  });

  it('stops retrying when aborted, without claiming success', async () => {
    const { client } = fakeClient(Array.from({ length: 100 }, throttled));
    const controller = new AbortController();
    const store = new DynamoWarmStore(client, {
      ...options,
      sleep: async () => {
        controller.abort();
      },
    });
    await expect(store.putChunks(chunks(1), {}, controller.signal)).rejects.toThrow(/aborted/);
  });
});

describe('the archive index attribute', () => {
  it('puts each chunk under "<UTC day of its window>#<shard of its series>"', async () => {
    const items: Array<Record<string, { S?: string; N?: string }>> = [];
    const client = {
      send: async (command: { input: { RequestItems: Record<string, Array<{ PutRequest: { Item: Record<string, { S?: string }> } }>> } }) => {
        items.push(...command.input.RequestItems['t'].map((r) => r.PutRequest.Item));
        return {};
      },
    } as unknown as DynamoDBClient;
    const day = Date.UTC(2026, 10, 1);
    await new DynamoWarmStore(client, { tableName: 't' }).putChunks([{ tenant: 'acme', seriesKey: 'cpu{host="a"}', start: day + 22 * 3_600_000, chunk: new Uint8Array([1]), count: 1 }]);
    const shard = archiveIndexShard('acme', 'cpu{host="a"}');
    expect(items[0]['ad']).toEqual({ S: `2026-11-01#${shard}` });
    expect(archiveIndexKey(day / 86_400_000, shard)).toBe(`2026-11-01#${shard}`);
    expect(shard).toBeGreaterThanOrEqual(0);
    expect(shard).toBeLessThan(16);
  });
});
