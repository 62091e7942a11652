import { execFile } from 'node:child_process';
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

/**
 * Prometheus 3.x, the remote-write 2.0 sender (Debian's 2.42 speaks 1.0 only), built from
 * its Go module by tools/bin/go-tools.sh into .cache/bin/prometheus3 (about 5 minutes the
 * first time). Resolves to the binary's path.
 */
export function ensurePrometheus3(options: { workspace: string; logger: StackLogger; env?: NodeJS.ProcessEnv }): Promise<string> {
  options.logger.info('install: Prometheus 3 from its Go module (tools/bin/go-tools.sh prometheus3; minutes the first time) …');
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [path.join(options.workspace, 'tools/bin/go-tools.sh'), 'prometheus3'],
      { cwd: options.workspace, env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error) reject(new Error(`go-tools.sh prometheus3 failed: ${error.message}\n${stderr.slice(-2_000)}`));
        else resolve(path.join(options.env?.['STRATA_CACHE_DIR'] ?? path.join(options.workspace, '.cache'), 'bin', 'prometheus3'));
      },
    );
  });
}
