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
