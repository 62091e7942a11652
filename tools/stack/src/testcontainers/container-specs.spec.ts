import { loadStackConfig } from '../stack-config';
import { CONTAINER_STACK_PORTS, containerSpec, containerStackEnv } from './container-specs';

const ROOT = '/repo';

describe('containerStackEnv', () => {
  it('moves every port off the local stack’s, so both stacks run at once', () => {
    const local = loadStackConfig({}, ROOT);
    const containers = loadStackConfig(containerStackEnv({}), ROOT);
    const ports = (c: typeof local) => [c.kafka.port, c.kafka.controllerPort, c.redis.port, c.dynamodb.port, c.s3.port];
    expect(ports(containers)).toEqual(Object.values(CONTAINER_STACK_PORTS));
    for (const port of ports(containers)) expect(ports(local)).not.toContain(port);
  });

  it('keeps a port the caller chose, and every other setting', () => {
    const env = containerStackEnv({ STRATA_STACK_REDIS_PORT: '7379', STRATA_STACK_KAFKA_TOPIC: 't1', STRATA_STACK_S3_PORT: ' ' });
    const config = loadStackConfig(env, ROOT);
    expect(config.redis.port).toBe(7379);
    expect(config.kafka.topic).toBe('t1');
    expect(config.s3.port).toBe(28333);
  });
});

describe('containerSpec', () => {
  const config = loadStackConfig(containerStackEnv({}), ROOT);

  it.each([
    ['kafka', 'localhost/strata-kafka:local', [], { KAFKA_LISTEN_ADDRESS: '127.0.0.1', KAFKA_ADVERTISED_ADDRESS: '127.0.0.1', KAFKA_PORT: '29092', KAFKA_CONTROLLER_PORT: '29093' }],
    ['redis', 'localhost/strata-redis:local', ['--bind', '127.0.0.1', '--port', '26379'], {}],
    ['dynamodb', 'localhost/strata-dynamodb-local:local', [], { DYNAMODB_PORT: '28000' }],
    ['s3', 'localhost/strata-s3:local', [], { S3_ADDRESS: '127.0.0.1:28333' }],
  ] as const)('%s: runs %s on the stack’s host and port', (name, image, command, environment) => {
    expect(containerSpec(name, config)).toEqual({ image, command, environment });
  });

  it('takes another image tag', () => {
    expect(containerSpec('redis', config, 'v2').image).toBe('localhost/strata-redis:v2');
  });
});
