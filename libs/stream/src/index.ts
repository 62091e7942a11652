export { createKafka, toKafkaJsConfig, validateKafkaConfig, parseBrokerList, kafkaLogCreator } from './kafka-config';
export type { KafkaConfig, KafkaTlsConfig, KafkaSaslConfig, KafkaAwsMskIamConfig, KafkaLogLevel } from './kafka-config';
export { createMskIamToken, mskIamTokenProvider, type AwsCredentials, type AwsCredentialsProvider, type MskIamToken } from './msk-iam';
export { ensureTopic } from './topic';
export type { TopicSpec, EnsureTopicResult } from './topic';
export { checkKafka } from './health';
export type { KafkaClusterState } from './health';
export { createProducer, partitionForKey } from './producer';
export { KafkaConfigError, KafkaNotReadyError, MskIamCredentialsError } from './errors';
export type { StreamLogger } from './logger';
// Types only, so callers can hold clients without importing kafkajs themselves.
export type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
export { readKafkaEnv } from './kafka-env';
export { decodePointsAppended, encodePointsAppended, recordKey, type PointLogRecord } from './point-log';
export { LogUnavailableError, PointLogProducer, type LogCompression, type PointLogProducerOptions } from './point-log-producer';
export { PointLogConsumer, type ConsumedBatch, type PointLogConsumerOptions } from './point-log-consumer';
