import type { ServiceName, StackConfig, StackEnv } from '../stack-config';

/**
 * Ports of the testcontainers stack when STRATA_STACK_*_PORT leaves them unset: the local
 * stack's plus 20000, so both stacks can run on one machine at once.
 */
export const CONTAINER_STACK_PORTS: Readonly<Record<string, number>> = {
  STRATA_STACK_KAFKA_PORT: 29092,
  STRATA_STACK_KAFKA_CONTROLLER_PORT: 29093,
  STRATA_STACK_REDIS_PORT: 26379,
  STRATA_STACK_DYNAMODB_PORT: 28000,
  STRATA_STACK_S3_PORT: 28333,
};

/**
 * The stack settings of the testcontainers stack: the caller's, with the ports above
 * wherever the caller sets none. Read by `loadStackConfig` like any other stack's, so
 * its client settings (`stackClientEnv`) are the very variables the local stack gives.
 */
export function containerStackEnv(env: StackEnv): StackEnv {
  const defaults = Object.fromEntries(
    Object.entries(CONTAINER_STACK_PORTS).filter(([name]) => (env[name] ?? '').trim() === '').map(([name, port]) => [name, String(port)]),
  );
  return { ...env, ...defaults };
}

/** How one dependency runs as a container: an image of tools/cluster/images and its settings. */
export interface ContainerSpec {
  image: string;
  /** Appended to the image's entrypoint. */
  command: string[];
  environment: Record<string, string>;
}

/**
 * The images `tools/cluster/images.sh deps` builds, run on the host's network and told to
 * listen on the stack's host (127.0.0.1) and ports, as the local stack's processes do.
 */
export function containerSpec(name: ServiceName, config: StackConfig, tag = 'local'): ContainerSpec {
  const image = (base: string) => `localhost/strata-${base}:${tag}`;
  switch (name) {
    case 'kafka':
      return {
        image: image('kafka'),
        command: [],
        environment: {
          KAFKA_LISTEN_ADDRESS: config.host,
          KAFKA_ADVERTISED_ADDRESS: config.host,
          KAFKA_PORT: String(config.kafka.port),
          KAFKA_CONTROLLER_PORT: String(config.kafka.controllerPort),
        },
      };
    case 'redis':
      // redis-server takes the last of a repeated option: these replace the image's.
      return { image: image('redis'), command: ['--bind', config.host, '--port', String(config.redis.port)], environment: {} };
    case 'dynamodb':
      // Listens on every interface whatever it is told, as the local stack's does.
      return { image: image('dynamodb-local'), command: [], environment: { DYNAMODB_PORT: String(config.dynamodb.port) } };
    case 's3':
      return { image: image('s3'), command: [], environment: { S3_ADDRESS: `${config.host}:${config.s3.port}` } };
  }
}
