import { Partitioners, type Kafka, type Producer, type ProducerConfig } from 'kafkajs';

/**
 * A producer whose key → partition mapping is the Java client's (murmur2), stated
 * explicitly: any other Kafka client reading or writing the same topic places a series
 * on the same partition, and kafkajs stops warning about its v2 default change.
 */
export function createProducer(kafka: Kafka, config: Omit<ProducerConfig, 'createPartitioner'> = {}): Producer {
  return kafka.producer({ ...config, createPartitioner: Partitioners.DefaultPartitioner });
}

/** The partition createProducer's partitioner picks for a key on a topic of `partitionCount` partitions. */
export function partitionForKey(key: string | Buffer, partitionCount: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return partitioner({ topic: '', partitionMetadata, message: { key, value: null } });
}
