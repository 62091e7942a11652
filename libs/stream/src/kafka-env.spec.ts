import { ConfigError, EnvReader, type Env } from '@strata/runtime';
import { readKafkaEnv } from './kafka-env';

function read(env: Env) {
  const reader = new EnvReader(env);
  const config = readKafkaEnv(reader, 'strata-writer');
  return { config, finish: () => reader.finish() };
}

describe('readKafkaEnv', () => {
  it('defaults to the local stack, plaintext, no SASL', () => {
    const { config, finish } = read({});
    finish();
    expect(config).toMatchObject({ brokers: ['127.0.0.1:9092'], topic: 'strata.points.v1', clientId: 'strata-writer', tls: false, sasl: undefined });
  });

  it('reads SCRAM credentials', () => {
    const { config, finish } = read({ STRATA_KAFKA_SASL_MECHANISM: 'scram-sha-512', STRATA_KAFKA_SASL_USERNAME: 'u', STRATA_KAFKA_SASL_PASSWORD: 'p' });
    finish();
    expect(config.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' });
  });

  it('reads aws-msk-iam with TLS and the region from AWS_REGION, no username or password', () => {
    const { config, finish } = read({ STRATA_KAFKA_SASL_MECHANISM: 'aws-msk-iam', STRATA_KAFKA_TLS: 'true', AWS_REGION: 'eu-central-1' });
    finish();
    expect(config.tls).toBe(true);
    expect(config.sasl).toEqual({ mechanism: 'aws-msk-iam', region: 'eu-central-1' });
  });

  it('names every variable aws-msk-iam is missing at once', () => {
    const { finish } = read({ STRATA_KAFKA_SASL_MECHANISM: 'aws-msk-iam' });
    expect(finish).toThrow(ConfigError);
    expect(finish).toThrow(/AWS_REGION is required/);
    expect(finish).toThrow(/aws-msk-iam needs STRATA_KAFKA_TLS=true/);
  });

  it('rejects an unknown mechanism, listing the known ones', () => {
    const { finish } = read({ STRATA_KAFKA_SASL_MECHANISM: 'aws' });
    expect(finish).toThrow(/STRATA_KAFKA_SASL_MECHANISM="aws" is not one of none, plain, scram-sha-256, scram-sha-512, aws-msk-iam/);
  });

  it('reads a fixed broker message limit, or none to read it from the topic at start-up', () => {
    expect(read({}).config.maxMessageBytes).toBeUndefined();
    const { config, finish } = read({ STRATA_KAFKA_MAX_MESSAGE_BYTES: '2097152' });
    finish();
    expect(config.maxMessageBytes).toBe(2_097_152);
    for (const bad of ['1000', '-1', 'lots']) {
      expect(() => read({ STRATA_KAFKA_MAX_MESSAGE_BYTES: bad }).finish()).toThrow(/STRATA_KAFKA_MAX_MESSAGE_BYTES/);
    }
  });
});
