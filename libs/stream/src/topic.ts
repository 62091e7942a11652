import type { Admin, Kafka } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  /** Fixed for the life of the topic: the key → partition mapping depends on it. */
  partitions: number;
  replicationFactor: number;
  /** Topic-level overrides, e.g. `{ 'retention.ms': '604800000' }`. */
  configEntries?: Readonly<Record<string, string>>;
}

export type EnsureTopicResult =
  | { topic: string; status: 'created'; partitions: number }
  | { topic: string; status: 'exists'; partitions: number }
  /**
   * The topic exists with another partition count. Not repaired here: adding partitions
   * moves keys to other partitions, which breaks per-series ordering; an operator decides.
   */
  | { topic: string; status: 'partition-mismatch'; partitions: number; expectedPartitions: number };

function isAdmin(target: Admin | Kafka): target is Admin {
  return typeof (target as Admin).createTopics === 'function';
}

/**
 * Creates the topic if it is missing; if it exists, reports its partition count against
 * the spec. Safe to run concurrently: losing a creation race reads as `exists`.
 * Given a Kafka client it connects its own admin and disconnects it before returning.
 */
export async function ensureTopic(target: Admin | Kafka, spec: TopicSpec): Promise<EnsureTopicResult> {
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
    throw new RangeError(`partitions for ${spec.topic} must be a positive integer, got ${spec.partitions}`);
  }
  if (isAdmin(target)) return ensureWithAdmin(target, spec);
  const admin = target.admin();
  await admin.connect();
  try {
    return await ensureWithAdmin(admin, spec);
  } finally {
    await admin.disconnect();
  }
}

async function ensureWithAdmin(admin: Admin, spec: TopicSpec): Promise<EnsureTopicResult> {
  const existing = await admin.listTopics();
  if (!existing.includes(spec.topic)) {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: spec.topic,
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor,
          configEntries: Object.entries(spec.configEntries ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    if (created) return { topic: spec.topic, status: 'created', partitions: spec.partitions };
  }
  const metadata = await admin.fetchTopicMetadata({ topics: [spec.topic] });
  const partitions = metadata.topics.find((t) => t.name === spec.topic)?.partitions.length ?? 0;
  if (partitions !== spec.partitions) {
    return { topic: spec.topic, status: 'partition-mismatch', partitions, expectedPartitions: spec.partitions };
  }
  return { topic: spec.topic, status: 'exists', partitions };
}
