import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DAY_MS } from '../core/time';
import { DayIndexCache, dayIndexShard, dayIndexSortKey } from './day-index';
import { DynamoWarmStore } from './warm-store';

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

  it('splits into calls of at most 25 items (the series-day\'s index entry first)', async () => {
    const { client, calls } = fakeClient([]);
    await new DynamoWarmStore(client, options).putChunks(chunks(60));
    expect(calls).toEqual([25, 25, 11]);
  });

  it('retries unprocessed items and throttling until everything is written', async () => {
    const unprocessed = Array.from({ length: 7 }, () => ({}));
    const { client, calls } = fakeClient([throttled(), { UnprocessedItems: { t: unprocessed } }, throttled(), {}]);
    const retries: Array<{ reason: string; items: number; delayMs: number }> = [];
    await new DynamoWarmStore(client, options).putChunks(chunks(10), {
      onRetry: ({ reason, items, delayMs }) => retries.push({ reason, items, delayMs }),
    });
    expect(calls).toEqual([11, 11, 7, 7]);
    expect(retries).toEqual([
      { reason: 'throttled', items: 11, delayMs: 100 },
      { reason: 'unprocessed', items: 7, delayMs: 200 },
      { reason: 'throttled', items: 7, delayMs: 400 },
    ]);
  });

  it('fails fast on an error retrying cannot fix', async () => {
    const invalid = Object.assign(new Error('One or more parameter values were invalid'), { name: 'ValidationException' });
    const { client, calls } = fakeClient([invalid]);
    await expect(new DynamoWarmStore(client, options).putChunks(chunks(3))).rejects.toThrow('parameter values were invalid');
    expect(calls).toEqual([4]);
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

type Item = Record<string, { S?: string; N?: string; B?: Uint8Array }>;

/** Records every item put; `fail` makes the next call throw a non-retriable error. */
function recordingClient() {
  const calls: Item[][] = [];
  let fail = false;
  const client = {
    send: async (command: { input: { RequestItems: Record<string, Array<{ PutRequest: { Item: Item } }>> } }) => {
      if (fail) {
        fail = false;
        throw Object.assign(new Error('invalid'), { name: 'ValidationException' });
      }
      calls.push(command.input.RequestItems['t'].map((r) => r.PutRequest.Item));
      return {};
    },
  } as unknown as DynamoDBClient;
  const indexItems = () => calls.flat().filter((i) => i['pk'].S!.startsWith('~days#'));
  return { client, calls, indexItems, failNext: () => void (fail = true) };
}

describe('the day index written with the chunks', () => {
  const today = Date.UTC(2026, 10, 23);
  const chunk = (seriesKey: string, start: number) => ({ tenant: 'acme', seriesKey, start, chunk: new Uint8Array([1]), count: 1 });
  const store = (client: DynamoDBClient, cacheSeries = 100) =>
    new DynamoWarmStore(client, { tableName: 't', now: () => today + 10 * 3_600_000, dayIndex: { shards: 64, cacheSeries } });

  it('puts one entry per series-day, keyed by day and shard, before the chunks that need it', async () => {
    const { client, calls } = recordingClient();
    const key = 'cpu{host="a"}';
    await store(client).putChunks([chunk(key, today), chunk(key, today + 7_200_000), chunk('mem', today - 2 * 3_600_000)]);
    expect(calls).toHaveLength(1);
    const [first, second, ...rest] = calls[0];
    expect(first).toEqual({
      pk: { S: `~days#2026-11-23#${dayIndexShard('acme', key, 64)}` },
      sk: { N: dayIndexSortKey('acme', key) },
      t: { S: 'acme' },
      s: { S: key },
      w: { S: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/) },
    });
    expect(second['pk'].S).toBe(`~days#2026-11-22#${dayIndexShard('acme', 'mem', 64)}`);
    expect(rest.map((i) => i['pk'].S)).toEqual(['acme#cpu{host="a"}', 'acme#cpu{host="a"}', 'acme#mem']);
    expect(rest.every((i) => i['ad'] === undefined)).toBe(true);
  });

  it('writes a series\' entry for today or yesterday once, but for an older day with every chunk', async () => {
    const { client, indexItems } = recordingClient();
    const s = store(client);
    for (let w = 0; w < 12; w++) await s.putChunks([chunk('a', today + w * 7_200_000)]);
    // A late window of yesterday, after today's entry: yesterday's entry once, then remembered too.
    await s.putChunks([chunk('a', today - DAY_MS + 3_600_000)]);
    await s.putChunks([chunk('a', today - DAY_MS + 7_200_000)]);
    await s.putChunks([chunk('a', today + 7_200_000)]);
    expect(indexItems().map((i) => i['pk'].S!.slice(6, 16))).toEqual(['2026-11-23', '2026-11-22']);
    const before = indexItems().length;
    // Late points two days back, e.g. after the archiver cleared that day: always rewritten, with a new token.
    await s.putChunks([chunk('a', today - 2 * DAY_MS)]);
    await s.putChunks([chunk('a', today - 2 * DAY_MS)]);
    const late = indexItems().slice(before);
    expect(late).toHaveLength(2);
    expect(late[0]['w'].S).not.toBe(late[1]['w'].S);
  });

  it('remembers an entry only once it is durable: after a failed write it is written again', async () => {
    const { client, indexItems, failNext } = recordingClient();
    const s = store(client);
    failNext();
    await expect(s.putChunks([chunk('a', today)])).rejects.toThrow('invalid');
    await s.putChunks([chunk('a', today + 7_200_000)]);
    await s.putChunks([chunk('a', today + 14_400_000)]);
    expect(indexItems()).toHaveLength(1);
  });

  it('forgets the least recently written series past its bound (one more write, never a missing entry)', async () => {
    const { client, indexItems } = recordingClient();
    const s = store(client, 2);
    for (const key of ['a', 'b', 'c', 'a', 'c']) await s.putChunks([chunk(key, today)]);
    expect(indexItems().map((i) => i['s'].S)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('refuses a shard count outside 1..4096', () => {
    const { client } = recordingClient();
    expect(() => new DynamoWarmStore(client, { tableName: 't', dayIndex: { shards: 0 } })).toThrow('day index shards must be an integer in 1..4096, got 0');
  });
});

describe('day-index keys', () => {
  it('are stable, spread over the shards, and fit a DynamoDB number', () => {
    expect(dayIndexSortKey('acme', 'cpu')).toBe(dayIndexSortKey('acme', 'cpu'));
    expect(dayIndexSortKey('acme', 'cpu')).not.toBe(dayIndexSortKey('acme2', 'cpu'));
    const keys = Array.from({ length: 2_000 }, (_, i) => `m${i}{host="h${i % 7}"}`);
    for (const k of keys) expect(dayIndexSortKey('t', k)).toMatch(/^\d{1,37}$/);
    const perShard = new Map<number, number>();
    for (const k of keys) perShard.set(dayIndexShard('t', k, 64), (perShard.get(dayIndexShard('t', k, 64)) ?? 0) + 1);
    expect(perShard.size).toBe(64);
    expect(Math.max(...perShard.values())).toBeLessThan(2 * (2_000 / 64));
  });
});

describe('DayIndexCache', () => {
  const today = 20_415;
  it.each([
    // [trusted days, days written (in order), day asked, needs a write]
    [2, [today], today, false],
    [2, [today], today - 1, true],
    [2, [today, today - 1], today - 1, false],
    [2, [today - 2], today - 2, true], // outside the trusted span: always rewritten
    [14, [today - 3, today - 2, today - 1, today], today - 3, false], // a backfill, oldest day first
    [14, [today - 3, today], today - 2, true],
    [14, [today - 13], today - 13, false],
    [14, [today - 14], today - 14, true], // the archiver may have cleared it
    [40, [today - 35, today], today - 35, true], // more than 32 days behind the newest
    [40, [today, today - 31], today - 31, false],
  ])('trusting %i days, after writing %j, day %i needs a write: %s', (trusted, written, day, expected) => {
    const cache = new DayIndexCache(10, trusted);
    cache.remember(written.map((d) => ({ tenant: 't', seriesKey: 's', day: d })));
    expect(cache.needsWrite('t', 's', day, today)).toBe(expected);
    expect(cache.needsWrite('t', 'other', day, today)).toBe(true);
  });

});

describe('DynamoWarmStore.queryChunks when the reader gives up', () => {
  it('passes the signal to each Query and asks for no further page once it aborted', async () => {
    const controller = new AbortController();
    const signals: Array<AbortSignal | undefined> = [];
    const client = {
      send: async (_command: unknown, options?: { abortSignal?: AbortSignal }) => {
        signals.push(options?.abortSignal);
        controller.abort(new Error('read timed out')); // the deadline passes during the first page
        return { Items: [], LastEvaluatedKey: { pk: { S: 'a#s' }, sk: { N: '1' } } };
      },
    } as unknown as DynamoDBClient;
    const read = new DynamoWarmStore(client, { tableName: 't' }).queryChunks('a', 's', 0, 10, { signal: controller.signal });
    await expect(read).rejects.toMatchObject({ retriable: false, message: expect.stringContaining('stopped') });
    expect(signals).toEqual([controller.signal]);
  });
});
