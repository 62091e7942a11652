import type { Producer, ProducerRecord } from 'kafkajs';
import { KafkaConfigError, RecordTooLargeError } from './errors';
import { LogUnavailableError, PointLogProducer } from './point-log-producer';
import { decodeRecordEvents, encodePointsAppended, recordKey } from './point-log';
import { partitionForKey } from './producer';
import { recordLimitsFor } from './record-limits';

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

  it('with the partition count, sends one record per partition, each named and marked a batch', async () => {
    const { producer, sent } = fakeProducer();
    const hosts = Array.from({ length: 40 }, (_, i) => `h${i}`);
    const keys = hosts.map((host) => `acme/cpu{host="${host}"}`);
    const log = new PointLogProducer(producer, { topic: 't', lingerMs: 1, partitions: 3 });
    await log.append(hosts.map((host) => encodePointsAppended({ tenant: 'acme', series: { name: 'cpu', labels: [{ name: 'host', value: host }], points: [{ timestampMs: 1, value: 1 }] }, acceptedAtMs: 1 })));
    expect(sent).toHaveLength(1);
    const messages = sent[0].messages;
    expect(messages.map((m) => m.partition).sort()).toEqual([0, 1, 2]);
    for (const m of messages) expect(m.headers).toEqual({ 'strata-record': 'batch' });
    const delivered = messages.flatMap((m) => decodeRecordEvents(m.value as Buffer, true).map((e) => ({ partition: m.partition, key: recordKey(e.tenant, e.series!.name, e.series!.labels) })));
    expect(delivered.map((d) => d.key).sort()).toEqual([...keys].sort());
    for (const d of delivered) expect(d.partition).toBe(partitionForKey(d.key, 3));
  });

  it('reads the partition count at start, and sends a record per series while it cannot', async () => {
    const { producer, sent } = fakeProducer();
    const errors: unknown[] = [];
    const topic: { partitions?: number } = {};
    const log = new PointLogProducer(producer, {
      topic: 't',
      lingerMs: 1,
      partitions: async () => {
        if (topic.partitions === undefined) throw new Error('unknown topic');
        return topic.partitions;
      },
      partitionsRefreshMs: 20,
      onPartitionsError: (e) => errors.push(e),
    });
    await log.start();
    expect(log.partitions).toBeUndefined();
    expect(errors).toHaveLength(1);
    // A count that is no count is a failed read too, not a crash.
    topic.partitions = 0;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(log.partitions).toBeUndefined();
    expect(errors.length).toBeGreaterThan(1);
    await log.append([record('a'), record('b')]);
    expect(sent[0].messages.map((m) => [m.key, m.partition])).toEqual([['a', undefined], ['b', undefined]]);
    topic.partitions = 1;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(log.partitions).toBe(1);
    await log.stop();
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

  /** Like a broker: refuses a request whose value bytes (all partitions) exceed `maxBytes`, by error type. */
  function sizeLimitedProducer(maxBytes: number) {
    return fakeProducer(async (r) => {
      const bytes = r.messages.reduce((sum, m) => sum + (m.value as Buffer).length, 0);
      if (bytes > maxBytes) throw Object.assign(new Error('The request included a message larger than the max message size'), { type: 'MESSAGE_TOO_LARGE' });
      return [];
    });
  }
  const sized = (key: string, bytes: number) => ({ key, value: Buffer.alloc(bytes, key) });
  const LIMIT = 64 * 1024;
  const { requestBytes } = recordLimitsFor(LIMIT);

  it('reads the topic limit at start and bounds each produce request below it', async () => {
    const { producer, sent } = fakeProducer();
    const log = new PointLogProducer(producer, { topic: 't', lingerMs: 5, maxMessageBytes: async () => LIMIT });
    await log.start();
    expect(log.recordLimits).toEqual(recordLimitsFor(LIMIT));
    await Promise.all(Array.from({ length: 40 }, (_, i) => log.append([sized(`k${i}`, 4_000)])));
    expect(sent.length).toBeGreaterThan(1);
    for (const request of sent) {
      expect(request.messages.reduce((sum, m) => sum + (m.value as Buffer).length + String(m.key).length, 0)).toBeLessThanOrEqual(requestBytes);
    }
    expect(sent.flatMap((r) => r.messages.map((m) => m.key))).toEqual(Array.from({ length: 40 }, (_, i) => `k${i}`));
  });

  it('refuses to start under a limit too small for one point of the longest identity', async () => {
    const { producer } = fakeProducer();
    const log = new PointLogProducer(producer, { topic: 't', maxMessageBytes: async () => 10_000 });
    await expect(log.start()).rejects.toThrow(KafkaConfigError);
  });

  it('sends a large caller alone, its records in order, one request after the previous was acknowledged', async () => {
    let bigInFlight = 0;
    let mostBigInFlight = 0;
    const { producer, sent } = fakeProducer(async (r) => {
      const isBig = r.messages.some((m) => m.key === 'big');
      if (isBig) mostBigInFlight = Math.max(mostBigInFlight, ++bigInFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (isBig) bigInFlight--;
      return [];
    });
    const log = new PointLogProducer(producer, { topic: 't', lingerMs: 5, maxMessageBytes: LIMIT });
    const big = Array.from({ length: 12 }, (_, i) => sized(`big`, 10_000 + i));
    await Promise.all([log.append([record('a')]), log.append(big), log.append([record('b')])]);
    const bigRequests = sent.filter((r) => r.messages.some((m) => m.key === 'big'));
    expect(bigRequests.length).toBeGreaterThan(1);
    expect(bigRequests.every((r) => r.messages.every((m) => m.key === 'big'))).toBe(true);
    expect(bigRequests.flatMap((r) => r.messages.map((m) => (m.value as Buffer).length))).toEqual(big.map((b) => b.value.length));
    // Never two of the big caller's requests at once.
    expect(mostBigInFlight).toBe(1);
    const others = sent.filter((r) => !r.messages.some((m) => m.key === 'big'));
    expect(others.flatMap((r) => r.messages.map((m) => m.key))).toEqual(['a', 'b']);
  });

  it('sends a large caller on the bulk producer, so small callers never queue behind it on one connection', async () => {
    const shared = fakeProducer();
    // The bulk producer's broker is slow: small writes must not wait for it.
    let releaseBulk: () => void = () => undefined;
    const bulk = fakeProducer(() => new Promise((resolve) => (releaseBulk = () => resolve([]))));
    let connected = 0;
    (bulk.producer as unknown as { connect: () => Promise<void> }).connect = async () => void connected++;
    const log = new PointLogProducer(shared.producer, { topic: 't', lingerMs: 5, maxMessageBytes: LIMIT, bulkProducer: bulk.producer });
    await log.start();
    expect(connected).toBe(1);
    const big = log.append(Array.from({ length: 4 }, (_, i) => sized('big', 10_000 + i)));
    await Promise.all([log.append([record('a')]), log.append([record('b')])]);
    expect(shared.sent.flatMap((r) => r.messages.map((m) => m.key))).toEqual(['a', 'b']);
    expect(bulk.sent).toHaveLength(1);
    expect(bulk.sent[0].messages.every((m) => m.key === 'big')).toBe(true);
    let done = false;
    void big.then(() => (done = true));
    for (let i = 0; i < 100 && !done; i++) {
      releaseBulk();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await big;
    expect(bulk.sent.flatMap((r) => r.messages.map((m) => (m.value as Buffer).length))).toEqual([10_000, 10_001, 10_002, 10_003]);
    await log.stop();
  });

  it('refuses only the caller whose record the broker refuses for its size; every other caller in its request is acknowledged', async () => {
    const { producer } = sizeLimitedProducer(20_000);
    const refusedSeen: RecordTooLargeError[] = [];
    const log = new PointLogProducer(producer, { topic: 't', lingerMs: 5, maxMessageBytes: LIMIT, onRecordTooLarge: (e) => refusedSeen.push(e) });
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 50 }, (_, i) => log.append([sized(`s${i}`, 100)])),
      log.append([sized('culprit', 25_000)]),
      ...Array.from({ length: 50 }, (_, i) => log.append([sized(`t${i}`, 100)])),
    ]);
    const rejected = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [[i, o.reason]] : []));
    expect(rejected.map(([i]) => i)).toEqual([50]);
    const reason = rejected[0][1] as RecordTooLargeError;
    expect(reason).toBeInstanceOf(RecordTooLargeError);
    expect(reason.retriable).toBe(false);
    expect(reason.key).toBe('culprit');
    expect(refusedSeen).toHaveLength(1);
  });

  it('splits a lone caller refused for size into smaller requests, still in order', async () => {
    const { producer, sent } = sizeLimitedProducer(12_000);
    const log = new PointLogProducer(producer, { topic: 't', lingerMs: 1, maxMessageBytes: LIMIT });
    const parts = Array.from({ length: 8 }, (_, i) => sized(`k`, 5_000 + i));
    await log.append(parts);
    const acked = sent.filter((r) => r.messages.reduce((sum, m) => sum + (m.value as Buffer).length, 0) <= 12_000);
    expect(acked.flatMap((r) => r.messages.map((m) => (m.value as Buffer).length))).toEqual(parts.map((p) => p.value.length));
  });

  it('refuses a record no request could carry before sending anything, and only to its caller', async () => {
    const { producer, sent } = fakeProducer();
    const log = new PointLogProducer(producer, { topic: 't', lingerMs: 1, maxMessageBytes: LIMIT });
    const outcomes = await Promise.allSettled([log.append([record('ok')]), log.append([record('ok2'), sized('huge', requestBytes)])]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(RecordTooLargeError);
    expect(sent.flatMap((r) => r.messages.map((m) => m.key))).toEqual(['ok']);
  });
});
