import { ApiKeyStore, EnvReader, readServiceConfig, type Env, type ServiceConfig } from '@strata/runtime';

export interface IngestConfig {
  readonly service: ServiceConfig;
  readonly apiKeys: ApiKeyStore;
}

/** Parses and validates the ingest settings once; throws ConfigError naming every bad variable. */
export function loadIngestConfig(env: Env): IngestConfig {
  const reader = new EnvReader(env);
  const service = readServiceConfig(reader, { grpcPort: 7001, opsPort: 9001 });
  reader.finish();
  return { service, apiKeys: ApiKeyStore.parse(env['STRATA_API_KEYS']) };
}
