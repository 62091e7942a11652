import type { Admin, Kafka } from 'kafkajs';
import { ensureTopic } from './topic';

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
