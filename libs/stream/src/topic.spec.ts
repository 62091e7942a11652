import type { Admin, Kafka } from 'kafkajs';
import { ConfigResourceTypes } from 'kafkajs';
import { KafkaNotReadyError } from './errors';
import { ensureTopic, messageLimitReader, readMaxMessageBytes } from './topic';

/** An in-memory stand-in for the admin calls ensureTopic makes. */
function fakeAdmin(topics: Record<string, number>, options: { loseCreationRace?: number } = {}) {
  const calls: string[] = [];
  const admin = {
    listTopics: async () => {
      calls.push('listTopics');
      return Object.keys(topics);
    },
    createTopics: async ({ topics: specs }: { topics: { topic: string; numPartitions: number }[] }) => {
      calls.push('createTopics');
      const spec = specs[0]!;
      if (options.loseCreationRace !== undefined) {
        topics[spec.topic] = options.loseCreationRace;
        return false; // kafkajs: TOPIC_ALREADY_EXISTS
      }
      topics[spec.topic] = spec.numPartitions;
      return true;
    },
    fetchTopicMetadata: async ({ topics: names }: { topics: string[] }) => {
      calls.push('fetchTopicMetadata');
      return {
        topics: names.map((name) => ({ name, partitions: Array.from({ length: topics[name] ?? 0 }, (_, i) => ({ partitionId: i })) })),
      };
    },
    connect: async () => void calls.push('connect'),
    disconnect: async () => void calls.push('disconnect'),
  };
  return { admin: admin as unknown as Admin, calls };
}

const spec = { topic: 'strata.points.v1', partitions: 8, replicationFactor: 1 };

describe('ensureTopic', () => {
  it('creates a missing topic', async () => {
    const { admin, calls } = fakeAdmin({});
    expect(await ensureTopic(admin, spec)).toEqual({ topic: spec.topic, status: 'created', partitions: 8 });
    expect(calls).toEqual(['listTopics', 'createTopics']);
  });

  it('reports an existing topic with the expected partitions without creating it', async () => {
    const { admin, calls } = fakeAdmin({ 'strata.points.v1': 8 });
    expect(await ensureTopic(admin, spec)).toEqual({ topic: spec.topic, status: 'exists', partitions: 8 });
    expect(calls).not.toContain('createTopics');
  });

  it('reports, and does not repair, a partition count that differs', async () => {
    const { admin } = fakeAdmin({ 'strata.points.v1': 3 });
    expect(await ensureTopic(admin, spec)).toEqual({
      topic: spec.topic,
      status: 'partition-mismatch',
      partitions: 3,
      expectedPartitions: 8,
    });
  });

  it('treats a lost creation race as existing, and still checks the partitions', async () => {
    const { admin } = fakeAdmin({}, { loseCreationRace: 4 });
    expect(await ensureTopic(admin, spec)).toMatchObject({ status: 'partition-mismatch', partitions: 4 });
  });

  it('given a Kafka client, connects its own admin and always disconnects it', async () => {
    const { admin, calls } = fakeAdmin({});
    (admin as unknown as { listTopics: () => Promise<string[]> }).listTopics = async () => {
      throw new Error('broker down');
    };
    const kafka = { admin: () => admin } as unknown as Kafka;
    await expect(ensureTopic(kafka, spec)).rejects.toThrow('broker down');
    expect(calls).toEqual(['connect', 'disconnect']);
  });

  it.each([0, -1, 1.5])('refuses %p partitions', async (partitions) => {
    const { admin } = fakeAdmin({});
    await expect(ensureTopic(admin, { ...spec, partitions })).rejects.toThrow(RangeError);
  });
});

/** describeConfigs as kafkajs answers it: a topic entry when the topic exists, broker entries by node id. */
function configAdmin(topicLimit: number | undefined, brokerLimits: Record<number, number>) {
  return {
    describeConfigs: async ({ resources }: { resources: Array<{ type: number; name: string }> }) => {
      if (resources[0].type === ConfigResourceTypes.TOPIC && topicLimit === undefined) throw Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
      return {
        resources: resources.map((r) => ({
          resourceName: r.name,
          configEntries:
            r.type === ConfigResourceTypes.TOPIC
              ? [{ configName: 'max.message.bytes', configValue: String(topicLimit) }]
              : [{ configName: 'message.max.bytes', configValue: String(brokerLimits[Number(r.name)]) }],
        })),
      };
    },
    describeCluster: async () => ({ brokers: Object.keys(brokerLimits).map((id) => ({ nodeId: Number(id) })) }),
  } as unknown as Admin;
}

describe('readMaxMessageBytes', () => {
  it("reads the topic's max.message.bytes", async () => {
    expect(await readMaxMessageBytes(configAdmin(65_536, { 1: 1_048_588 }), 't')).toEqual({ bytes: 65_536, source: 'topic' });
  });

  it("falls back to the smallest broker's message.max.bytes when the topic is not there yet", async () => {
    expect(await readMaxMessageBytes(configAdmin(undefined, { 1: 2_000_000, 2: 1_048_588, 3: 3_000_000 }), 't')).toEqual({ bytes: 1_048_588, source: 'broker' });
  });

  it('prefers a configured limit, and names the setting when nothing can be read', async () => {
    const kafka = { admin: () => ({ ...configAdmin(undefined, {}), connect: async () => undefined, disconnect: async () => undefined }) } as unknown as Kafka;
    expect(await messageLimitReader(kafka, { topic: 't', maxMessageBytes: 500_000 })()).toBe(500_000);
    const failure = messageLimitReader(kafka, { topic: 't' })();
    await expect(failure).rejects.toThrow(KafkaNotReadyError);
    await expect(failure).rejects.toThrow(/STRATA_KAFKA_MAX_MESSAGE_BYTES/);
  });
});
