import { EnvReader, readServiceConfig, type Env, type ServiceConfig } from '@strata/runtime';

export interface ComponentTarget {
  readonly name: string;
  /** Base URL of the component's ops port, e.g. http://127.0.0.1:9001 */
  readonly opsUrl: string;
}

export interface ProberConfig {
  readonly service: ServiceConfig;
  readonly components: readonly ComponentTarget[];
  /** @default 2000 */
  readonly statusTimeoutMs: number;
}

const DEFAULT_COMPONENTS = [
  'ingest=http://127.0.0.1:9001',
  'reader=http://127.0.0.1:9002',
  'writer=http://127.0.0.1:9003',
  'archiver=http://127.0.0.1:9004',
];

/** Parses and validates the prober settings once; throws ConfigError naming every bad variable. */
export function loadProberConfig(env: Env): ProberConfig {
  const reader = new EnvReader(env);
  const service = readServiceConfig(reader, { grpcPort: 7005, opsPort: 9005 });
  const components: ComponentTarget[] = [];
  for (const entry of reader.list('STRATA_PROBER_COMPONENTS', DEFAULT_COMPONENTS)) {
    const separator = entry.indexOf('=');
    const name = entry.slice(0, separator);
    const opsUrl = entry.slice(separator + 1);
    if (separator <= 0 || !URL.canParse(opsUrl)) {
      reader.problem(`STRATA_PROBER_COMPONENTS entry ${JSON.stringify(entry)} must be name=http://host:port`);
    } else {
      components.push({ name, opsUrl: opsUrl.replace(/\/+$/, '') });
    }
  }
  const statusTimeoutMs = reader.int('STRATA_PROBER_STATUS_TIMEOUT_MS', 2_000, { min: 100, max: 60_000 });
  reader.finish();
  return { service, components, statusTimeoutMs };
}
