import type { EnvReader } from '@strata/runtime';
import { MIN_MAX_MESSAGE_BYTES } from './record-limits';
import { parseBrokerList, type KafkaConfig, type KafkaSaslConfig } from './kafka-config';

const SASL_MECHANISMS = ['none', 'plain', 'scram-sha-256', 'scram-sha-512', 'aws-msk-iam'] as const;

/**
 * Reads the Kafka connection settings every Kafka-using process shares. Local defaults
 * point at the stack on 127.0.0.1:9092; in a cluster the chart sets brokers, TLS and SASL.
 * `aws-msk-iam` takes no username or password: it signs with the AWS default credential
 * chain for AWS_REGION.
 */
export function readKafkaEnv(reader: EnvReader, clientId: string): KafkaConfig {
  const brokers = parseBrokerList(reader.string('STRATA_KAFKA_BROKERS', '127.0.0.1:9092'));
  const topic = reader.string('STRATA_KAFKA_TOPIC', 'strata.points.v1');
  const tls = reader.bool('STRATA_KAFKA_TLS', false);
  const mechanism = reader.oneOf('STRATA_KAFKA_SASL_MECHANISM', SASL_MECHANISMS, 'none');
  let sasl: KafkaSaslConfig | undefined;
  if (mechanism === 'aws-msk-iam') {
    // No default region: a token signed for the wrong one fails as a bare SASL error.
    sasl = { mechanism, region: reader.string('AWS_REGION') };
    if (!tls) reader.problem('STRATA_KAFKA_SASL_MECHANISM=aws-msk-iam needs STRATA_KAFKA_TLS=true (MSK serves IAM on its TLS listener only)');
  } else if (mechanism !== 'none') {
    sasl = {
      mechanism,
      username: reader.string('STRATA_KAFKA_SASL_USERNAME'),
      password: reader.string('STRATA_KAFKA_SASL_PASSWORD'),
    };
  }
  // 0: read the topic's max.message.bytes at start-up (needs DescribeConfigs on the topic and cluster).
  const maxMessageBytes = reader.int('STRATA_KAFKA_MAX_MESSAGE_BYTES', 0, { min: 0, max: 1024 * 1024 * 1024 });
  if (maxMessageBytes !== 0 && maxMessageBytes < MIN_MAX_MESSAGE_BYTES) {
    reader.problem(`STRATA_KAFKA_MAX_MESSAGE_BYTES (${maxMessageBytes}) must be 0 (read it from the broker) or at least ${MIN_MAX_MESSAGE_BYTES}`);
  }
  return {
    brokers,
    topic,
    clientId: reader.string('STRATA_KAFKA_CLIENT_ID', clientId),
    tls,
    sasl,
    logLevel: 'warn',
    ...(maxMessageBytes !== 0 && { maxMessageBytes }),
  };
}
