import { logLevel } from 'kafkajs';
import { KafkaConfigError } from './errors';
import { kafkaLogCreator, parseBrokerList, toKafkaJsConfig, validateKafkaConfig, type KafkaConfig } from './kafka-config';
import type { StreamLogger } from './logger';

const valid: KafkaConfig = { brokers: ['127.0.0.1:9092'], clientId: 'ingest', topic: 'strata.points.v1' };

describe('validateKafkaConfig', () => {
  it.each<[string, Partial<KafkaConfig>, string]>([
    ['no brokers', { brokers: [] }, 'brokers'],
    ['a broker without port', { brokers: ['kafka'] }, 'brokers'],
    ['a port out of range', { brokers: ['kafka:70000'] }, 'brokers'],
    ['an empty client id', { clientId: ' ' }, 'clientId'],
    ['a topic with a slash', { topic: 'strata/points' }, 'topic'],
    ['a topic named ..', { topic: '..' }, 'topic'],
    ['a topic of 250 chars', { topic: 'x'.repeat(250) }, 'topic'],
  ])('rejects %s, naming the field', (_, override, field) => {
    const attempt = () => validateKafkaConfig({ ...valid, ...override });
    expect(attempt).toThrow(KafkaConfigError);
    expect(attempt).toThrow(expect.objectContaining({ field }));
  });

  it.each<[string, Partial<KafkaConfig>, string]>([
    ['aws-msk-iam without TLS', { sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' } }, 'tls'],
    ['aws-msk-iam with TLS false', { tls: false, sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' } }, 'tls'],
    ['aws-msk-iam without a region', { tls: true, sasl: { mechanism: 'aws-msk-iam', region: '' } }, 'sasl.region'],
    ['aws-msk-iam with a zone for a region', { tls: true, sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1a' } }, 'sasl.region'],
  ])('rejects %s, naming the field', (_, override, field) => {
    const attempt = () => validateKafkaConfig({ ...valid, ...override });
    expect(attempt).toThrow(expect.objectContaining({ name: 'KafkaConfigError', field }));
  });

  it('accepts several brokers and host names', () => {
    expect(() => validateKafkaConfig({ ...valid, brokers: ['b-1.msk.internal:9094', '10.0.0.2:9092'] })).not.toThrow();
  });
});

describe('parseBrokerList', () => {
  it('splits, trims and drops empties', () => {
    expect(parseBrokerList(' a:1, b:2 ,,')).toEqual(['a:1', 'b:2']);
  });
});

describe('toKafkaJsConfig', () => {
  it('applies the documented defaults', () => {
    expect(toKafkaJsConfig(valid)).toEqual({
      clientId: 'ingest',
      brokers: ['127.0.0.1:9092'],
      connectionTimeout: 3000,
      requestTimeout: 30_000,
      logLevel: logLevel.WARN,
    });
  });

  it('passes TLS, SASL and retry settings through under kafkajs names', () => {
    const out = toKafkaJsConfig({
      ...valid,
      tls: { rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
      retry: { retries: 2, initialRetryTimeMs: 50 },
      logLevel: 'debug',
    });
    expect(out.ssl).toEqual({ rejectUnauthorized: true });
    expect(out.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' });
    expect(out.retry).toEqual({ retries: 2, initialRetryTime: 50 });
    expect(out.logLevel).toBe(logLevel.DEBUG);
  });

  it('turns aws-msk-iam into OAUTHBEARER whose token is signed for the region', async () => {
    const out = toKafkaJsConfig({
      ...valid,
      tls: true,
      sasl: {
        mechanism: 'aws-msk-iam',
        region: 'ap-southeast-2',
        credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
        now: () => Date.parse('2026-03-04T05:06:07Z'),
      },
    });
    expect(out.ssl).toBe(true);
    const sasl = out.sasl as { mechanism: string; oauthBearerProvider: () => Promise<{ value: string }> };
    expect(sasl.mechanism).toBe('oauthbearer');
    const url = new URL(Buffer.from((await sasl.oauthBearerProvider()).value, 'base64url').toString());
    expect(url.host).toBe('kafka.ap-southeast-2.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20260304/ap-southeast-2/kafka-cluster/aws4_request');
  });

  it('leaves TLS off when it is false', () => {
    expect(toKafkaJsConfig({ ...valid, tls: false }).ssl).toBeUndefined();
  });
});

describe('kafkaLogCreator', () => {
  it('routes each kafkajs level to the same-named logger method, keeping its fields', () => {
    const calls: [string, Record<string, unknown>, string | undefined][] = [];
    const record = (level: string) => (fields: Record<string, unknown>, message?: string) => calls.push([level, fields, message]);
    const logger: StreamLogger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
    const log = kafkaLogCreator(logger)();
    const entry = (level: logLevel) => ({
      namespace: 'Connection',
      level,
      label: 'X',
      log: { timestamp: 't', message: 'boom', broker: '127.0.0.1:9092', logger: 'kafkajs' },
    });
    log(entry(logLevel.ERROR));
    log(entry(logLevel.WARN));
    log(entry(logLevel.INFO));
    log(entry(logLevel.DEBUG));
    expect(calls.map(([level]) => level)).toEqual(['error', 'warn', 'info', 'debug']);
    expect(calls[0]).toEqual(['error', { broker: '127.0.0.1:9092', component: 'kafkajs', namespace: 'Connection' }, 'boom']);
  });
});
