import { Kafka, logLevel, type KafkaConfig as KafkaJsConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { KafkaConfigError } from './errors';
import type { StreamLogger } from './logger';
import { MIN_MAX_MESSAGE_BYTES } from './record-limits';
import { mskIamTokenProvider, type AwsCredentialsProvider } from './msk-iam';
// kafkajs's request queue without its 1 ms timer loop, before any client is made.
import './kafkajs-request-queue';

/** TLS towards the brokers (MSK, Confluent...). Unused by the local stack. */
export interface KafkaTlsConfig {
  /** PEM CA bundle(s); @default the system trust store */
  ca?: string[];
  /** PEM client certificate, for mutual TLS */
  cert?: string;
  /** PEM client key, for mutual TLS */
  key?: string;
  /** @default true */
  rejectUnauthorized?: boolean;
}

/** Amazon MSK IAM access control: OAUTHBEARER with a SigV4-signed token (msk-iam.ts). */
export interface KafkaAwsMskIamConfig {
  mechanism: 'aws-msk-iam';
  /** The cluster's region; the token is signed for `kafka.<region>.amazonaws.com`. */
  region: string;
  /** @default the AWS default credential chain (env, web identity / IRSA, ECS, IMDS...) */
  credentials?: AwsCredentialsProvider;
  /** Clock for token lifetimes. @default Date.now */
  now?: () => number;
}

/** SASL credentials. plain and SCRAM go to kafkajs as-is; aws-msk-iam becomes OAUTHBEARER. */
export type KafkaSaslConfig =
  | { mechanism: 'plain'; username: string; password: string }
  | { mechanism: 'scram-sha-256'; username: string; password: string }
  | { mechanism: 'scram-sha-512'; username: string; password: string }
  | KafkaAwsMskIamConfig;

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export interface KafkaConfig {
  /** Bootstrap brokers as `host:port`. */
  brokers: readonly string[];
  /** Shown in broker logs and quotas. */
  clientId: string;
  /** The points topic (`strata.points.v1` on the local stack). */
  topic: string;
  /** @default false (plaintext) */
  tls?: boolean | KafkaTlsConfig;
  sasl?: KafkaSaslConfig;
  /** @default 3000 */
  connectionTimeoutMs?: number;
  /** @default 30000 */
  requestTimeoutMs?: number;
  /** Client-level retries of retriable errors. @default kafkajs's (5 retries, 300 ms initial) */
  retry?: { retries?: number; initialRetryTimeMs?: number; maxRetryTimeMs?: number };
  /** What kafkajs itself emits before it reaches the logger. @default 'warn' */
  logLevel?: KafkaLogLevel;
  /**
   * The brokers' limit on one record batch for the topic, when it cannot be read with
   * DescribeConfigs (an ACL without it). @default read from the topic at start-up
   */
  maxMessageBytes?: number;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const BROKER = /^[^\s:]+:\d{1,5}$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Throws a KafkaConfigError naming the first setting that cannot work. */
export function validateKafkaConfig(config: KafkaConfig): void {
  if (config.brokers.length === 0) throw new KafkaConfigError('brokers', 'at least one host:port is required');
  for (const broker of config.brokers) {
    if (!BROKER.test(broker)) throw new KafkaConfigError('brokers', `"${broker}" is not host:port`);
    const port = Number(broker.slice(broker.lastIndexOf(':') + 1));
    if (port < 1 || port > 65535) throw new KafkaConfigError('brokers', `"${broker}" has port out of range`);
  }
  if (config.clientId.trim() === '') throw new KafkaConfigError('clientId', 'must not be empty');
  if (!TOPIC_NAME.test(config.topic) || config.topic === '.' || config.topic === '..') {
    throw new KafkaConfigError('topic', `"${config.topic}" is not a legal Kafka topic name ([a-zA-Z0-9._-]{1,249})`);
  }
  if (config.maxMessageBytes !== undefined && (!Number.isSafeInteger(config.maxMessageBytes) || config.maxMessageBytes < MIN_MAX_MESSAGE_BYTES)) {
    throw new KafkaConfigError('maxMessageBytes', `${config.maxMessageBytes} is below the minimum of ${MIN_MAX_MESSAGE_BYTES} bytes`);
  }
  if (config.sasl?.mechanism === 'aws-msk-iam') {
    // MSK serves IAM only on its TLS listener (port 9098 in-VPC); without TLS the handshake
    // fails with a bare disconnect, so refuse here with the reason.
    if (config.tls === undefined || config.tls === false) {
      throw new KafkaConfigError('tls', 'SASL mechanism aws-msk-iam needs TLS (MSK serves IAM on its TLS listener only)');
    }
    if (!AWS_REGION.test(config.sasl.region)) {
      throw new KafkaConfigError('sasl.region', `"${config.sasl.region}" is not an AWS region (like eu-west-1); aws-msk-iam signs for one`);
    }
  }
}

/** `"a:9092, b:9092"` → `['a:9092', 'b:9092']`, for env-var style lists. */
export function parseBrokerList(list: string): string[] {
  return list
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
}

const LEVELS: Record<KafkaLogLevel, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/** Routes kafkajs's log entries into a StreamLogger, keeping kafkajs's fields. */
export function kafkaLogCreator(logger: StreamLogger): () => (entry: LogEntry) => void {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _origin, ...fields } = log as LogEntry['log'] & { logger?: string };
      const entry = { ...fields, component: 'kafkajs', namespace };
      if (level === logLevel.ERROR) logger.error(entry, message);
      else if (level === logLevel.WARN) logger.warn(entry, message);
      else if (level === logLevel.INFO) logger.info(entry, message);
      else logger.debug(entry, message);
    };
}

/** The kafkajs options for a validated config; separate from createKafka so it is testable. */
export function toKafkaJsConfig(config: KafkaConfig, logger?: StreamLogger): KafkaJsConfig {
  validateKafkaConfig(config);
  const out: KafkaJsConfig = {
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connectionTimeoutMs ?? 3000,
    requestTimeout: config.requestTimeoutMs ?? 30_000,
    logLevel: LEVELS[config.logLevel ?? 'warn'],
  };
  if (config.tls !== undefined && config.tls !== false) out.ssl = config.tls;
  if (config.sasl) out.sasl = toKafkaJsSasl(config.sasl);
  if (config.retry) {
    out.retry = {
      ...(config.retry.retries !== undefined && { retries: config.retry.retries }),
      ...(config.retry.initialRetryTimeMs !== undefined && { initialRetryTime: config.retry.initialRetryTimeMs }),
      ...(config.retry.maxRetryTimeMs !== undefined && { maxRetryTime: config.retry.maxRetryTimeMs }),
    };
  }
  if (logger) out.logCreator = kafkaLogCreator(logger);
  return out;
}

function toKafkaJsSasl(sasl: KafkaSaslConfig): SASLOptions {
  if (sasl.mechanism !== 'aws-msk-iam') return sasl;
  return {
    mechanism: 'oauthbearer',
    oauthBearerProvider: mskIamTokenProvider({
      region: sasl.region,
      credentials: sasl.credentials ?? defaultProvider(),
      ...(sasl.now && { now: sasl.now }),
    }),
  };
}

/** A kafkajs client for the config. Without a logger kafkajs logs JSON to the console. */
export function createKafka(config: KafkaConfig, logger?: StreamLogger): Kafka {
  return new Kafka(toKafkaJsConfig(config, logger));
}
