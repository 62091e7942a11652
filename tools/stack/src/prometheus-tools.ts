import * as os from 'node:os';
import * as path from 'node:path';
import type { StackLogger } from './logger';
import { ensureSystemPackages } from './system-packages';

/**
 * Debian's Prometheus (2.42 on bookworm) and node_exporter: not part of the stack, but the
 * real clients that the Prometheus tests and benches run against. Installed like the
 * stack's own packages, with apt, once; afterwards `prometheus` and
 * `prometheus-node-exporter` are on PATH.
 */
export async function ensurePrometheusTools(options: { logger: StackLogger; env?: NodeJS.ProcessEnv }): Promise<{ prometheus: string; nodeExporter: string }> {
  await ensureSystemPackages(
    [
      { command: 'prometheus', aptPackage: 'prometheus' },
      { command: 'prometheus-node-exporter', aptPackage: 'prometheus-node-exporter' },
    ],
    { logger: options.logger, logFile: path.join(os.tmpdir(), 'strata-prometheus-install.log'), env: options.env ?? process.env },
  );
  return { prometheus: 'prometheus', nodeExporter: 'prometheus-node-exporter' };
}
