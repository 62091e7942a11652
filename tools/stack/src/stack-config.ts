import * as path from 'node:path';
import { StackConfigError } from './errors';

export const SERVICE_NAMES = ['kafka', 'redis', 'dynamodb', 's3'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export type StackEnv = Readonly<Record<string, string | undefined>>;

/** Everything the local stack needs to know, parsed once from the environment. */
export interface StackConfig {
  /** @default `<repo>/.cache` (STRATA_CACHE_DIR) */
  cacheDir: string;
  /**
   * Where data, logs, pidfiles and rendered configs go. Another state dir with other ports
   * runs a second, independent stack from the same installed artifacts (fault tests do).
   * @default `<cacheDir>/stack` (STRATA_STACK_STATE_DIR)
   */
  stateDir?: string;
  /** Services listen here (DynamoDB Local cannot: it binds every interface). */
  host: string;
  kafka: {
    /** @default 9092 (STRATA_STACK_KAFKA_PORT) */
    port: number;
    /** @default 9093 (STRATA_STACK_KAFKA_CONTROLLER_PORT) */
    controllerPort: number;
    /** @default strata.points.v1 (STRATA_STACK_KAFKA_TOPIC) */
    topic: string;
    /** @default 8 (STRATA_STACK_KAFKA_PARTITIONS) */
    partitions: number;
  };
  redis: {
    /** @default 6379 (STRATA_STACK_REDIS_PORT) */
    port: number;
  };
  dynamodb: {
    /** @default 8000 (STRATA_STACK_DYNAMODB_PORT) */
    port: number;
    /** @default strata_chunks (STRATA_STACK_DYNAMODB_TABLE) */
    table: string;
    /** Keep tables in memory instead of under data/. @default false (STRATA_STACK_DYNAMODB_IN_MEMORY) */
    inMemory: boolean;
  };
  s3: {
    /** @default 8333 (STRATA_STACK_S3_PORT) */
    port: number;
    /** @default strata-cold (STRATA_STACK_S3_BUCKET) */
    bucket: string;
  };
  /** Per service, from launch to ready. @default 120000 (STRATA_STACK_READY_TIMEOUT_MS) */
  readyTimeoutMs: number;
  /** SIGTERM → SIGKILL grace on `down`. @default 15000 (STRATA_STACK_STOP_TIMEOUT_MS) */
  stopTimeoutMs: number;
}

function intVar(env: StackEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StackConfigError(name, `"${raw}" is not an integer in [${min}, ${max}]`);
  }
  return value;
}

function boolVar(env: StackEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new StackConfigError(name, `"${env[name]}" is not a boolean (true/false)`);
}

function nameVar(env: StackEnv, name: string, fallback: string, pattern: RegExp, rule: string): string {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!pattern.test(raw)) throw new StackConfigError(name, `"${raw}" must match ${rule}`);
  return raw;
}

const port = (env: StackEnv, name: string, fallback: number) => intVar(env, name, fallback, 1, 65535);

export function loadStackConfig(env: StackEnv, repoRoot: string): StackConfig {
  const config: StackConfig = {
    cacheDir: path.resolve(repoRoot, env['STRATA_CACHE_DIR']?.trim() || '.cache'),
    ...(env['STRATA_STACK_STATE_DIR']?.trim() ? { stateDir: path.resolve(repoRoot, env['STRATA_STACK_STATE_DIR'].trim()) } : {}),
    host: '127.0.0.1',
    kafka: {
      port: port(env, 'STRATA_STACK_KAFKA_PORT', 9092),
      controllerPort: port(env, 'STRATA_STACK_KAFKA_CONTROLLER_PORT', 9093),
      topic: nameVar(env, 'STRATA_STACK_KAFKA_TOPIC', 'strata.points.v1', /^[a-zA-Z0-9._-]{1,249}$/, '[a-zA-Z0-9._-]{1,249}'),
      partitions: intVar(env, 'STRATA_STACK_KAFKA_PARTITIONS', 8, 1, 1000),
    },
    redis: { port: port(env, 'STRATA_STACK_REDIS_PORT', 6379) },
    dynamodb: {
      port: port(env, 'STRATA_STACK_DYNAMODB_PORT', 8000),
      table: nameVar(env, 'STRATA_STACK_DYNAMODB_TABLE', 'strata_chunks', /^[a-zA-Z0-9_.-]{3,255}$/, '[a-zA-Z0-9_.-]{3,255}'),
      inMemory: boolVar(env, 'STRATA_STACK_DYNAMODB_IN_MEMORY', false),
    },
    s3: {
      port: port(env, 'STRATA_STACK_S3_PORT', 8333),
      bucket: nameVar(env, 'STRATA_STACK_S3_BUCKET', 'strata-cold', /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'S3 bucket naming ([a-z0-9.-]{3,63})'),
    },
    readyTimeoutMs: intVar(env, 'STRATA_STACK_READY_TIMEOUT_MS', 120_000, 1000, 3_600_000),
    stopTimeoutMs: intVar(env, 'STRATA_STACK_STOP_TIMEOUT_MS', 15_000, 100, 600_000),
  };
  const ports = new Map<number, string>();
  for (const [name, value] of [
    ['STRATA_STACK_KAFKA_PORT', config.kafka.port],
    ['STRATA_STACK_KAFKA_CONTROLLER_PORT', config.kafka.controllerPort],
    ['STRATA_STACK_REDIS_PORT', config.redis.port],
    ['STRATA_STACK_DYNAMODB_PORT', config.dynamodb.port],
    ['STRATA_STACK_S3_PORT', config.s3.port],
  ] as const) {
    const other = ports.get(value);
    if (other) throw new StackConfigError(name, `port ${value} is also ${other}`);
    ports.set(value, name);
  }
  return config;
}

/** Service names from CLI arguments; none means all. */
export function parseServiceNames(names: readonly string[]): ServiceName[] {
  if (names.length === 0) return [...SERVICE_NAMES];
  const unknown = names.filter((n) => !(SERVICE_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new StackConfigError('services', `unknown service(s) ${unknown.join(', ')}; known: ${SERVICE_NAMES.join(', ')}`);
  }
  return SERVICE_NAMES.filter((n) => names.includes(n));
}
