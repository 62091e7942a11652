import { randomBytes } from 'node:crypto';
import type { ICustomPartitioner, Kafka, Producer, ProducerConfig } from 'kafkajs';

/**
 * The Java client's murmur2 of a record key (kafkajs's DefaultPartitioner hashes the same),
 * in 32-bit arithmetic: every step of the original is a multiply or XOR whose low 32 bits
 * depend only on the low 32 bits of its operands, and only those are kept. kafkajs computes
 * it with a 64-bit integer object per step, which was a quarter of ingest's CPU when each
 * record is one sample (a Prometheus batch).
 */
export function murmur2(key: string | Buffer): number {
  const data = typeof key === 'string' ? Buffer.from(key) : key;
  const length = data.length;
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // The last 1 to 3 bytes.
  const tail = length & 3;
  if (tail === 3) h ^= data[blocks + 2] << 16;
  if (tail >= 2) h ^= data[blocks + 1] << 8;
  if (tail >= 1) h = Math.imul(h ^ data[blocks], m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The Java client's default partitioner, as kafkajs's DefaultPartitioner: a message's own
 * partition if it names one; else murmur2 of its key, made positive, modulo the partition
 * count; else round robin over the partitions that have a leader.
 */
const javaCompatiblePartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) return (murmur2(message.key) & 0x7fffffff) % partitionMetadata.length;
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    const next = (counters.get(topic) ?? randomBytes(4).readUInt32BE(0)) + 1;
    counters.set(topic, next);
    const pool = available.length > 0 ? available : partitionMetadata;
    return pool[(next & 0x7fffffff) % pool.length].partitionId;
  };
};

/**
 * A producer whose key → partition mapping is the Java client's (murmur2), stated
 * explicitly: any other Kafka client reading or writing the same topic places a series
 * on the same partition, and kafkajs stops warning about its v2 default change.
 */
export function createProducer(kafka: Kafka, config: Omit<ProducerConfig, 'createPartitioner'> = {}): Producer {
  return kafka.producer({ ...config, createPartitioner: javaCompatiblePartitioner });
}

/** The partition createProducer's partitioner picks for a key on a topic of `partitionCount` partitions. */
export function partitionForKey(key: string | Buffer, partitionCount: number): number {
  const partitioner = javaCompatiblePartitioner();
  const partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return partitioner({ topic: '', partitionMetadata, message: { key, value: null } });
}
