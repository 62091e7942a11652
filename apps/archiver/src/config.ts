import { EnvReader, readServiceConfig, type Env, type ServiceConfig } from '@strata/runtime';

export interface ArchiverConfig {
  readonly service: ServiceConfig;
}

/** Parses and validates the archiver settings once; throws ConfigError naming every bad variable. */
export function loadArchiverConfig(env: Env): ArchiverConfig {
  const reader = new EnvReader(env);
  const service = readServiceConfig(reader, { grpcPort: 7004, opsPort: 9004 });
  reader.finish();
  return { service };
}
