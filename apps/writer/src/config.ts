import { EnvReader, readServiceConfig, type Env, type ServiceConfig } from '@strata/runtime';

export interface WriterConfig {
  readonly service: ServiceConfig;
}

/** Parses and validates the writer settings once; throws ConfigError naming every bad variable. */
export function loadWriterConfig(env: Env): WriterConfig {
  const reader = new EnvReader(env);
  const service = readServiceConfig(reader, { grpcPort: 7003, opsPort: 9003 });
  reader.finish();
  return { service };
}
