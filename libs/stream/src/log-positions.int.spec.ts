import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { createKafka, parseBrokerList } from './kafka-config';
import { logPositions, retentionProblems, topicRetention } from './log-positions';
import { createProducer } from './producer';
import { ensureTopic } from './topic';

const brokers = parseBrokerList(process.env['STRATA_KAFKA_BROKERS'] ?? '127.0.0.1:9092');
const HOUR = 3_600_000;

/** A young broker may still be moving a new group's coordinator: retried, as the writer's loops do. */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= 10 || !(error as { retriable?: boolean }).retriable) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

describe('log positions and retention, against a real broker', () => {
  const run = randomUUID();
  const topic = `strata.test.retention.${run}`;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    kafka = createKafka({ brokers, clientId: `strata-retention-int-${run}`, topic, logLevel: 'nothing' });
    admin = kafka.admin();
    await admin.connect();
    await ensureTopic(admin, { topic, partitions: 2, replicationFactor: 1, configEntries: { 'retention.ms': String(24 * HOUR) } });
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it("reads the topic's own retention and the broker's defaults for the rest", async () => {
    const retention = await topicRetention(admin, topic);
    expect(retention).toEqual({ retentionMs: 24 * HOUR, retentionBytes: -1, cleanupPolicy: 'delete' });
    expect(retentionProblems(retention, topic, 48 * HOUR)).toEqual([expect.stringContaining('retention.ms=86400000')]);
  });

  it('gives each partition its log start, end and the group committed offset', async () => {
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({ topic, messages: [0, 1, 2].map((i) => ({ partition: 0, value: `r${i}` })) });
    await producer.disconnect();
    const group = `strata-retention-int-${run}`;
    expect(await retried(() => logPositions(admin, topic, group))).toEqual(
      new Map([
        [0, { start: 0, end: 3, committed: null }],
        [1, { start: 0, end: 0, committed: null }],
      ]),
    );
    await retried(() => admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '2' }] }));
    expect((await retried(() => logPositions(admin, topic, group))).get(0)).toEqual({ start: 0, end: 3, committed: 2 });
  });
});
