// The two configuration files a compliance run writes: the reference Prometheus's (scrape the
// demo exporters, remote-write to Strata) and the tester's (which APIs to compare, over which
// span). Both are YAML; every value written here is quoted or a number, so no YAML library
// is needed.

/** The query file matches instances by these names (`demo.promlabs.com:10000` ...). */
export const DEMO_INSTANCES = ['demo.promlabs.com:10000', 'demo.promlabs.com:10001', 'demo.promlabs.com:10002'];

export const SCRAPE_INTERVAL_S = 5;

const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;

export interface PrometheusConfigOptions {
  /** host:port of each demo exporter, in the order of DEMO_INSTANCES. */
  readonly exporters: readonly string[];
  /** Strata ingest's remote-write URL. */
  readonly remoteWriteUrl: string;
  readonly apiKey: string;
  /** Remote write 1.0 (prometheus.WriteRequest) or 2.0 (io.prometheus.write.v2.Request). */
  readonly remoteWriteVersion: '1.0' | '2.0';
}

/**
 * The compliance tester's reference setup (its prometheus-test-data.yml: job `demo`, 5 s
 * scrapes), with the targets on 127.0.0.1 and their `instance` labels set to the names the
 * query file expects, plus remote write to Strata with the key as a bearer token.
 */
export function prometheusConfig(options: PrometheusConfigOptions): string {
  if (options.exporters.length > DEMO_INSTANCES.length) throw new Error(`at most ${DEMO_INSTANCES.length} demo exporters, got ${options.exporters.length}`);
  return [
    'global:',
    `  scrape_interval: ${SCRAPE_INTERVAL_S}s`,
    `  scrape_timeout: ${SCRAPE_INTERVAL_S}s`,
    'scrape_configs:',
    "  - job_name: 'demo'",
    '    static_configs:',
    ...options.exporters.flatMap((target, i) => [`      - targets: [${quote(target)}]`, '        labels:', `          instance: ${quote(DEMO_INSTANCES[i])}`]),
    'remote_write:',
    `  - url: ${quote(options.remoteWriteUrl)}`,
    '    authorization:',
    `      credentials: ${quote(options.apiKey)}`,
    ...(options.remoteWriteVersion === '2.0' ? ['    protobuf_message: io.prometheus.write.v2.Request'] : []),
    '    queue_config:',
    '      batch_send_deadline: 1s',
    '      min_backoff: 100ms',
    '      max_backoff: 2s',
    '',
  ].join('\n');
}

export interface TesterConfigOptions {
  /** Prometheus's API base URL (the tester appends /api/v1/query_range). */
  readonly referenceUrl: string;
  /** Strata reader's HTTP API base URL. */
  readonly testUrl: string;
  readonly apiKey: string;
  /** The last step of every range query (Unix ms). */
  readonly endMs: number;
  readonly rangeS: number;
  readonly resolutionS: number;
}

/**
 * The tester's target configuration (its config/config.go: reference and test target, query
 * time parameters, no query tweaks), to be given with the query file as a second
 * `-config-file`: the tester concatenates the two before parsing, so this holds no
 * `test_cases`.
 */
export function testerConfig(options: TesterConfigOptions): string {
  return [
    'reference_target_config:',
    `  query_url: ${quote(options.referenceUrl)}`,
    '',
    'test_target_config:',
    `  query_url: ${quote(options.testUrl)}`,
    '  headers:',
    `    Authorization: ${quote(`Bearer ${options.apiKey}`)}`,
    '',
    'query_time_parameters:',
    `  end_time: ${quote((options.endMs / 1_000).toFixed(3))}`,
    `  range_in_seconds: ${options.rangeS}`,
    `  resolution_in_seconds: ${options.resolutionS}`,
    '',
  ].join('\n');
}
