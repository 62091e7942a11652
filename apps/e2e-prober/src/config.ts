import {
  DEVELOPMENT_API_KEY,
  DEVELOPMENT_TENANT,
  EnvReader,
  readApiKeys,
  readStandardConfig,
  type Env,
  type StandardConfig,
  type TracingConfig,
} from '@strata/runtime';

export interface ComponentTarget {
  readonly name: string;
  /** Base URL of the component's ops port, e.g. http://127.0.0.1:9001 */
  readonly opsUrl: string;
}

/** A tenant the prober writes and reads as, with the API key that identifies it. */
export interface ProbeTenant {
  readonly tenant: string;
  readonly apiKey: string;
}

export interface ProbeSettings {
  /** Time between the starts of two probe rounds (one probe per tenant). @default 10000 */
  readonly intervalMs: number;
  /** A probe that has not read its point back after this long fails. @default 30000 */
  readonly timeoutMs: number;
  /** Deadline of one Write or Read call (never past the probe's own timeout). @default 5000 */
  readonly rpcTimeoutMs: number;
  /** Value of the `prober` label on the probe series; unique per prober process. @default the host name */
  readonly instanceId: string;
  /** Write each measured time-to-readable back into Strata (`strata.prober.time_to_readable_ms`). @default true */
  readonly selfReport: boolean;
}

export interface ProberConfig extends StandardConfig {
  /** Service mode only: `--once` exports no spans. */
  readonly tracing: TracingConfig;
  /** host:port of ingest's gRPC port. @default 127.0.0.1:7001 */
  readonly ingestAddress: string;
  /** host:port of reader's gRPC port. @default 127.0.0.1:7002 */
  readonly readerAddress: string;
  readonly tenants: readonly ProbeTenant[];
  readonly probe: ProbeSettings;
  /** How long the dashboard keeps probes in memory. @default 3600000 (1 h) */
  readonly historyMs: number;
  readonly components: readonly ComponentTarget[];
  /** Time between two polls of the components' /readyz and /metrics. @default 5000 */
  readonly statusIntervalMs: number;
  /** @default 2000 */
  readonly statusTimeoutMs: number;
}

const DEFAULT_COMPONENTS = [
  'ingest=http://127.0.0.1:9001',
  'reader=http://127.0.0.1:9002',
  'writer=http://127.0.0.1:9003',
  'archiver=http://127.0.0.1:9004',
];

/** The tenant the chart's prober key belongs to (values.yaml `auth.proberTenant`). */
const CHART_PROBER_TENANT = 'strata-prober';
const TENANT_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
const ADDRESS_PATTERN = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):(\d{1,5})$/;

function readAddress(reader: EnvReader, name: string, fallback: string): string {
  const value = reader.string(name, fallback);
  const match = ADDRESS_PATTERN.exec(value);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    reader.problem(`${name}=${JSON.stringify(value)} must be host:port`);
  }
  return value;
}

/**
 * Tenants to probe: STRATA_PROBER_TENANTS (`tenant:apikey,...`), or the single
 * STRATA_PROBER_API_KEY the chart passes (tenant STRATA_PROBER_TENANT), or the
 * development key of the local stack.
 */
function readTenants(reader: EnvReader): ProbeTenant[] {
  const list = reader.list('STRATA_PROBER_TENANTS', []);
  const singleKey = reader.optionalString('STRATA_PROBER_API_KEY');
  if (list.length > 0 && singleKey !== undefined) {
    reader.problem('set either STRATA_PROBER_TENANTS or STRATA_PROBER_API_KEY, not both');
  }
  if (list.length === 0) {
    if (singleKey === undefined) return [{ tenant: DEVELOPMENT_TENANT, apiKey: DEVELOPMENT_API_KEY }];
    const tenant = reader.string('STRATA_PROBER_TENANT', CHART_PROBER_TENANT);
    if (!TENANT_PATTERN.test(tenant)) reader.problem(`STRATA_PROBER_TENANT=${JSON.stringify(tenant)} must match ${TENANT_PATTERN}`);
    return [{ tenant, apiKey: singleKey }];
  }
  const tenants: ProbeTenant[] = [];
  list.forEach((entry, index) => {
    // Tenants have no colon, keys may: split at the first one.
    const separator = entry.indexOf(':');
    const tenant = entry.slice(0, separator);
    const apiKey = entry.slice(separator + 1);
    // Never echo the entry: it holds a key.
    if (separator <= 0 || apiKey === '') {
      reader.problem(`STRATA_PROBER_TENANTS entry ${index + 1} must be tenant:apikey`);
    } else if (!TENANT_PATTERN.test(tenant)) {
      reader.problem(`STRATA_PROBER_TENANTS entry ${index + 1} has tenant ${JSON.stringify(tenant)}; tenants match ${TENANT_PATTERN}`);
    } else if (tenants.some((t) => t.tenant === tenant)) {
      reader.problem(`STRATA_PROBER_TENANTS names tenant ${JSON.stringify(tenant)} twice`);
    } else {
      tenants.push({ tenant, apiKey });
    }
  });
  return tenants;
}

/**
 * Where the prober sees STRATA_API_KEYS (`npm start` gives every process the same
 * environment), it checks its own keys against it: once that list is set, ingest and
 * reader refuse the development key, and a prober that starts with a refused key only
 * turns the dashboard red. A blank or malformed list fails here as in ingest and reader.
 * The chart gives the prober only its own key, and then there is nothing to check.
 */
function checkProberKeysAccepted(env: Env, reader: EnvReader, tenants: readonly ProbeTenant[]): void {
  if (env['STRATA_API_KEYS'] === undefined) return;
  const keys = readApiKeys(env, reader);
  if (keys.tenants.length === 0) return; // the list itself was refused; readApiKeys said why
  tenants.forEach(({ tenant, apiKey }) => {
    if (keys.tenantFor(apiKey) !== undefined) return;
    reader.problem(
      apiKey === DEVELOPMENT_API_KEY
        ? 'STRATA_API_KEYS is set, so ingest and reader refuse the development key: give the prober a key of its own ' +
            '(STRATA_PROBER_API_KEY, listed in STRATA_API_KEYS as key:strata-prober)'
        : `the prober's key for tenant ${tenant} is not in STRATA_API_KEYS, so ingest and reader would refuse it`,
    );
  });
}

function readComponents(reader: EnvReader): ComponentTarget[] {
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
  return components;
}

/**
 * Parses and validates the prober settings once; throws ConfigError naming every bad
 * variable. `hostname` is the default instance id (the pod name in Kubernetes).
 */
export function loadProberConfig(env: Env, defaults: { hostname: string } = { hostname: 'e2e-prober' }): ProberConfig {
  const reader = new EnvReader(env);
  const standard = readStandardConfig(reader, 'e2e-prober', { grpcPort: 7005, opsPort: 9005 });
  const ingestAddress = readAddress(reader, 'STRATA_PROBER_INGEST_ADDRESS', '127.0.0.1:7001');
  const readerAddress = readAddress(reader, 'STRATA_PROBER_READER_ADDRESS', '127.0.0.1:7002');
  const tenants = readTenants(reader);
  checkProberKeysAccepted(env, reader, tenants);
  const probe: ProbeSettings = {
    intervalMs: reader.int('STRATA_PROBER_INTERVAL_MS', 10_000, { min: 100, max: 3_600_000 }),
    timeoutMs: reader.int('STRATA_PROBER_TIMEOUT_MS', 30_000, { min: 100, max: 600_000 }),
    rpcTimeoutMs: reader.int('STRATA_PROBER_RPC_TIMEOUT_MS', 5_000, { min: 10, max: 600_000 }),
    instanceId: reader.string('STRATA_PROBER_INSTANCE', defaults.hostname),
    selfReport: reader.bool('STRATA_PROBER_SELF_REPORT', true),
  };
  if (probe.instanceId.length > 128) reader.problem(`STRATA_PROBER_INSTANCE is ${probe.instanceId.length} characters; the limit is 128`);
  const historyMs = reader.int('STRATA_PROBER_HISTORY_MS', 3_600_000, { min: 60_000, max: 24 * 3_600_000 });
  const components = readComponents(reader);
  const statusIntervalMs = reader.int('STRATA_PROBER_STATUS_INTERVAL_MS', 5_000, { min: 250, max: 600_000 });
  const statusTimeoutMs = reader.int('STRATA_PROBER_STATUS_TIMEOUT_MS', 2_000, { min: 100, max: 60_000 });
  reader.finish();
  return { ...standard, ingestAddress, readerAddress, tenants, probe, historyMs, components, statusIntervalMs, statusTimeoutMs };
}
