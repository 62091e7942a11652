export { createKafka, toKafkaJsConfig, validateKafkaConfig, parseBrokerList, kafkaLogCreator } from './kafka-config';
export type { KafkaConfig, KafkaTlsConfig, KafkaSaslConfig, KafkaAwsMskIamConfig, KafkaLogLevel } from './kafka-config';
export { createMskIamToken, mskIamTokenProvider, type AwsCredentials, type AwsCredentialsProvider, type MskIamToken } from './msk-iam';
export { ensureTopic, messageLimitReader, partitionCountReader, readMaxMessageBytes } from './topic';
export type { TopicSpec, EnsureTopicResult, MessageLimit } from './topic';
export { checkKafka } from './health';
export type { KafkaClusterState } from './health';
export { createProducer, partitionForKey } from './producer';
export { KafkaConfigError, KafkaNotReadyError, MskIamCredentialsError, RecordTooLargeError } from './errors';
export type { StreamLogger } from './logger';
// Types only, so callers can hold clients without importing kafkajs themselves.
export type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
export { readKafkaEnv } from './kafka-env';
export { batchByPartition, decodePointsAppended, encodePointsAppended, encodeSeriesRecords, LOG_PACKED_MIN_POINTS, recordKey, type AppendedEvent, type PointLogRecord } from './point-log';
export type { LogEvent, PackedPoints } from './point-log-codec';
export { KAFKA_DEFAULT_MAX_MESSAGE_BYTES, MIN_MAX_MESSAGE_BYTES, recordLimitsFor, type RecordLimits } from './record-limits';
export { LogUnavailableError, PointLogProducer, type LogCompression, type PointLogProducerOptions } from './point-log-producer';
export { PointLogConsumer, type ConsumedBatch, type PointLogConsumerOptions } from './point-log-consumer';
export { logPositions, retentionProblems, topicRetention, type PartitionPosition, type TopicRetention } from './log-positions';
