import { ApiKeyStore, EnvReader, readServiceConfig, type Env, type ServiceConfig } from '@strata/runtime';

export interface ReaderConfig {
  readonly service: ServiceConfig;
  readonly apiKeys: ApiKeyStore;
}

/** Parses and validates the reader settings once; throws ConfigError naming every bad variable. */
export function loadReaderConfig(env: Env): ReaderConfig {
  const reader = new EnvReader(env);
  const service = readServiceConfig(reader, { grpcPort: 7002, opsPort: 9002 });
  reader.finish();
  return { service, apiKeys: ApiKeyStore.parse(env['STRATA_API_KEYS']) };
}
