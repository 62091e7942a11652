import type { Producer, ProducerRecord } from 'kafkajs';
import { LogUnavailableError, PointLogProducer } from './point-log-producer';

function fakeProducer(behaviour: (record: ProducerRecord) => Promise<unknown> = async () => []) {
  const sent: ProducerRecord[] = [];
  const producer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    send: (record: ProducerRecord) => {
      sent.push(record);
      return behaviour(record);
    },
  } as unknown as Producer;
  return { producer, sent };
}

const record = (key: string) => ({ key, value: Buffer.from(key) });

describe('PointLogProducer', () => {
  it('groups concurrent appends into one acks=all request', async () => {
    const { producer, sent } = fakeProducer();
    const log = new PointLogProducer(producer, { topic: 't', lingerMs: 5 });
    await Promise.all([log.append([record('a'), record('b')]), log.append([record('c')])]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ topic: 't', acks: -1 });
    expect(sent[0].messages.map((m) => m.key)).toEqual(['a', 'b', 'c']);
  });

  it('sends at once when a batch is full, without waiting for the linger', async () => {
    const { producer, sent } = fakeProducer();
    const log = new PointLogProducer(producer, { topic: 't', lingerMs: 60_000, maxBatchRecords: 2 });
    await log.append([record('a'), record('b')]);
    expect(sent).toHaveLength(1);
  });

  it('rejects every caller of a failed batch and acknowledges none of it', async () => {
    const { producer } = fakeProducer(async () => {
      throw new Error('NOT_ENOUGH_REPLICAS');
    });
    const batches: Array<{ records: number; ok: boolean }> = [];
    const log = new PointLogProducer(producer, { topic: 't', lingerMs: 1, onBatch: (b) => batches.push(b) });
    const results = await Promise.allSettled([log.append([record('a')]), log.append([record('b'), record('c')])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const reason = (results[1] as PromiseRejectedResult).reason as LogUnavailableError;
    expect(reason).toBeInstanceOf(LogUnavailableError);
    expect(reason.records).toBe(2);
    expect(reason.retriable).toBe(true);
    expect(reason.message).toContain('NOT_ENOUGH_REPLICAS');
    expect(batches).toEqual([{ records: 3, ms: expect.any(Number), ok: false }]);
  });

  it('sends what is queued when stopped', async () => {
    const { producer, sent } = fakeProducer();
    const log = new PointLogProducer(producer, { topic: 't', lingerMs: 60_000 });
    const pending = log.append([record('a')]);
    await log.stop();
    await pending;
    expect(sent).toHaveLength(1);
  });
});
