import { StackConfigError } from './errors';
import { loadStackConfig, parseServiceNames } from './stack-config';

describe('loadStackConfig', () => {
  it('defaults to the documented ports and names under <repo>/.cache', () => {
    const config = loadStackConfig({}, '/repo');
    expect(config).toMatchObject({
      cacheDir: '/repo/.cache',
      host: '127.0.0.1',
      kafka: { port: 9092, controllerPort: 9093, topic: 'strata.points.v1', partitions: 8 },
      redis: { port: 6379 },
      dynamodb: { port: 8000, table: 'strata_chunks', inMemory: false },
      s3: { port: 8333, bucket: 'strata-cold' },
    });
  });

  it('takes overrides from the environment, resolving the cache dir against the repo', () => {
    const config = loadStackConfig(
      {
        STRATA_CACHE_DIR: 'tmp/c',
        STRATA_STACK_KAFKA_PORT: '19092',
        STRATA_STACK_KAFKA_PARTITIONS: '3',
        STRATA_STACK_REDIS_PORT: '16379',
        STRATA_STACK_DYNAMODB_IN_MEMORY: 'true',
        STRATA_STACK_S3_BUCKET: 'my-bucket',
      },
      '/repo',
    );
    expect(config.cacheDir).toBe('/repo/tmp/c');
    expect(config.kafka).toMatchObject({ port: 19092, partitions: 3 });
    expect(config.redis.port).toBe(16379);
    expect(config.dynamodb.inMemory).toBe(true);
    expect(config.s3.bucket).toBe('my-bucket');
    expect(loadStackConfig({ STRATA_CACHE_DIR: '/abs' }, '/repo').cacheDir).toBe('/abs');
  });

  it.each<[string, string]>([
    ['STRATA_STACK_KAFKA_PORT', '0'],
    ['STRATA_STACK_REDIS_PORT', '65536'],
    ['STRATA_STACK_S3_PORT', '83a'],
    ['STRATA_STACK_KAFKA_PARTITIONS', '0'],
    ['STRATA_STACK_DYNAMODB_IN_MEMORY', 'maybe'],
    ['STRATA_STACK_S3_BUCKET', 'Upper_Case'],
    ['STRATA_STACK_KAFKA_TOPIC', 'no spaces'],
  ])('rejects %s=%p, naming the variable', (variable, value) => {
    const attempt = () => loadStackConfig({ [variable]: value }, '/repo');
    expect(attempt).toThrow(StackConfigError);
    expect(attempt).toThrow(expect.objectContaining({ variable }));
  });

  it('rejects two services on one port', () => {
    expect(() => loadStackConfig({ STRATA_STACK_S3_PORT: '6379' }, '/repo')).toThrow('port 6379 is also STRATA_STACK_REDIS_PORT');
  });
});

describe('parseServiceNames', () => {
  it('means every service when none is named, and keeps the stack order otherwise', () => {
    expect(parseServiceNames([])).toEqual(['kafka', 'redis', 'dynamodb', 's3']);
    expect(parseServiceNames(['s3', 'kafka'])).toEqual(['kafka', 's3']);
  });

  it('names the unknown ones', () => {
    expect(() => parseServiceNames(['kafka', 'minio'])).toThrow('unknown service(s) minio');
  });
});
