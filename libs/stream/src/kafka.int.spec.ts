import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import { createKafka, parseBrokerList } from './kafka-config';
import type { StreamLogger } from './logger';
import { createProducer, partitionForKey } from './producer';
import { ensureTopic } from './topic';

// Runs against the local stack (`stack.sh up`) or STRATA_KAFKA_BROKERS.
const brokers = parseBrokerList(process.env['STRATA_KAFKA_BROKERS'] ?? '127.0.0.1:9092');

const collectingLogger = (lines: string[]): StreamLogger => {
  const record = (level: string) => (fields: Record<string, unknown>, message?: string) =>
    lines.push(`${level} ${message ?? ''} ${JSON.stringify(fields)}`);
  return { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
};

interface Received {
  key: string;
  value: string;
  partition: number;
  offset: string;
}

describe('kafkajs round trip against a real broker', () => {
  const run = randomUUID();
  const kafkaLog: string[] = [];
  const topic = `strata.test.${run}`;
  const partitions = 4;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    // kafkajs logs a retriable "coordinator not available" while a fresh broker creates
    // __consumer_offsets; kept out of the test output, and through the logger bridge.
    kafka = createKafka({ brokers, clientId: `strata-stream-int-${run}`, topic, logLevel: 'warn' }, collectingLogger(kafkaLog));
    admin = kafka.admin();
    await admin.connect();
    producer = createProducer(kafka);
    await producer.connect();
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates the topic once, then reports it as existing, and flags a partition mismatch', async () => {
    expect(await ensureTopic(admin, { topic, partitions, replicationFactor: 1 })).toEqual({ topic, status: 'created', partitions });
    expect(await ensureTopic(kafka, { topic, partitions, replicationFactor: 1 })).toEqual({ topic, status: 'exists', partitions });
    expect(await ensureTopic(admin, { topic, partitions: 8, replicationFactor: 1 })).toEqual({
      topic,
      status: 'partition-mismatch',
      partitions,
      expectedPartitions: 8,
    });
  });

  it('delivers keyed messages acknowledged by all replicas to a consumer group, one partition per key, in order', async () => {
    const keys = ['tenant-a#cpu.user', 'tenant-a#cpu.system', 'tenant-b#mem.free', 'tenant-c#disk.io', 'tenant-c#net.rx'];
    const perKey = 6;
    const sent = keys.flatMap((key) => Array.from({ length: perKey }, (_, i) => ({ key, value: `${key}@${i}` })));
    // Interleave keys the way a real request mixes series.
    const messages = Array.from({ length: perKey }, (_, i) => keys.map((key) => ({ key, value: `${key}@${i}` }))).flat();
    const acks = await producer.send({ topic, acks: -1, messages });
    expect(acks.every((a) => a.errorCode === 0)).toBe(true);

    const received: Received[] = [];
    const groupId = `strata-stream-int-${run}`;
    consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer!.run({
        eachMessage: async ({ partition, message }: EachMessagePayload) => {
          received.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', partition, offset: message.offset });
          if (received.length === sent.length) resolve();
        },
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`received ${received.length}/${sent.length} messages`)), 45_000);
    });
    await Promise.race([done, timeout]).finally(() => clearTimeout(timer));

    expect(received.map((r) => `${r.key}=${r.value}`).sort()).toEqual(sent.map((s) => `${s.key}=${s.value}`).sort());
    for (const key of keys) {
      const ofKey = received.filter((r) => r.key === key);
      // Same key, same partition: the one the Java client's murmur2 picks too.
      expect(new Set(ofKey.map((r) => r.partition))).toEqual(new Set([partitionForKey(key, partitions)]));
      // Within its partition, a key's messages keep the order they were produced in.
      expect(ofKey.map((r) => r.value)).toEqual(Array.from({ length: perKey }, (_, i) => `${key}@${i}`));
    }
    // The keys spread: five series do not all land on one partition.
    expect(new Set(received.map((r) => r.partition)).size).toBeGreaterThan(1);

    await consumer.stop();
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets[0]?.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    expect(committed).toBe(sent.length);
  });
});
