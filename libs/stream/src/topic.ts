import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import { KafkaNotReadyError } from './errors';
import type { KafkaConfig } from './kafka-config';

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
  return typeof (target as Kafka).admin !== 'function';
}

/**
 * Creates the topic if it is missing; if it exists, reports its partition count against
 * the spec. Safe to run concurrently: losing a creation race reads as `exists`.
 * Given a Kafka client it connects its own admin and disconnects it before returning.
 */
async function withAdmin<T>(target: Admin | Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  if (isAdmin(target)) return work(target);
  const admin = target.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

export interface MessageLimit {
  /** The largest record batch the broker takes for the topic, in bytes. */
  readonly bytes: number;
  /** Where it came from: the topic's own max.message.bytes, or the brokers' message.max.bytes. */
  readonly source: 'topic' | 'broker';
}

function configValue(entries: ReadonlyArray<{ configName: string; configValue: string }>, name: string): number | undefined {
  const value = Number(entries.find((e) => e.configName === name)?.configValue);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/**
 * The largest message the brokers accept on `topic`: the topic's `max.message.bytes`
 * (which already reports the broker default when the topic has no override), else the
 * smallest `message.max.bytes` among the brokers (a topic not created yet). Throws when
 * neither can be described (e.g. an ACL without DescribeConfigs): the caller decides.
 */
export async function readMaxMessageBytes(target: Admin | Kafka, topic: string): Promise<MessageLimit> {
  return withAdmin(target, async (admin) => {
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
      });
      const bytes = configValue(resources[0]?.configEntries ?? [], 'max.message.bytes');
      if (bytes !== undefined) return { bytes, source: 'topic' };
    } catch {
      // An unknown topic: the brokers' setting is what it will be created with.
    }
    const { brokers } = await admin.describeCluster();
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: brokers.map((b) => ({ type: ConfigResourceTypes.BROKER, name: String(b.nodeId), configNames: ['message.max.bytes'] })),
    });
    const limits = resources.map((r) => configValue(r.configEntries, 'message.max.bytes')).filter((b): b is number => b !== undefined);
    if (limits.length === 0) throw new Error(`neither topic ${topic} nor its brokers report a message size limit`);
    return { bytes: Math.min(...limits), source: 'broker' };
  });
}

/**
 * What PointLogProducer's `maxMessageBytes` option wants: the configured limit
 * (STRATA_KAFKA_MAX_MESSAGE_BYTES) if there is one, else the topic's, read when called.
 */
export function messageLimitReader(kafka: Kafka, config: Pick<KafkaConfig, 'topic' | 'maxMessageBytes'>): () => Promise<number> {
  return async () => {
    if (config.maxMessageBytes !== undefined) return config.maxMessageBytes;
    try {
      return (await readMaxMessageBytes(kafka, config.topic)).bytes;
    } catch (error) {
      throw new KafkaNotReadyError(
        `could not read max.message.bytes of topic ${config.topic} (${error instanceof Error ? error.message : String(error)}); ` +
          'allow DescribeConfigs on the topic and cluster, or set STRATA_KAFKA_MAX_MESSAGE_BYTES',
      );
    }
  };
}

/** What PointLogProducer's `partitions` option wants: the topic's partition count, read when called. */
export function partitionCountReader(kafka: Kafka, topic: string): () => Promise<number> {
  return () =>
    withAdmin(kafka, async (admin) => {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = metadata.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
      if (partitions < 1) throw new KafkaNotReadyError(`topic ${topic} has no partitions yet`);
      return partitions;
    });
}

export async function ensureTopic(target: Admin | Kafka, spec: TopicSpec): Promise<EnsureTopicResult> {
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
    throw new RangeError(`partitions for ${spec.topic} must be a positive integer, got ${spec.partitions}`);
  }
  return withAdmin(target, (admin) => ensureWithAdmin(admin, spec));
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
