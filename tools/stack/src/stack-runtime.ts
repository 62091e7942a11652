import * as path from 'node:path';
import { findRepoRoot, ensureStackDirs, stackPaths, type StackPaths } from './paths';
import { silentLogger, type StackLogger } from './logger';
import { pidFiles, type PidFiles } from './pidfile';
import { procProcessTable, type ProcessTable } from './process-supervisor';
import { createServices, type StackService } from './services';
import { loadStackConfig, SERVICE_NAMES, type ServiceName, type StackConfig, type StackEnv } from './stack-config';

export interface StackOptions {
  /** The environment to read STRATA_* settings from and to run services with; pass `process.env`. */
  env: StackEnv;
  /** @default silent */
  logger?: StackLogger;
  /** @default all: kafka, redis, dynamodb, s3 */
  services?: readonly ServiceName[];
  /** @default the nearest directory above this file holding nx.json */
  repoRoot?: string;
}

/** What one stack operation works with; built fresh per call, nothing global. */
export interface StackRuntime {
  config: StackConfig;
  paths: StackPaths;
  services: StackService[];
  logger: StackLogger;
  env: NodeJS.ProcessEnv;
  table: ProcessTable;
  /** Held by install, up and down while they run. */
  lockFile: string;
  files(service: ServiceName): PidFiles;
}

export function openStack(options: StackOptions): StackRuntime {
  const repoRoot = options.repoRoot ?? findRepoRoot(__dirname);
  const config = loadStackConfig(options.env, repoRoot);
  const paths = stackPaths(config.cacheDir, config.stateDir);
  ensureStackDirs(paths);
  const logger = options.logger ?? silentLogger;
  const env = { ...options.env } as NodeJS.ProcessEnv;
  const services = createServices({ config, paths, env, logger }, options.services ?? SERVICE_NAMES);
  return {
    config,
    paths,
    services,
    logger,
    env,
    table: procProcessTable(),
    lockFile: path.join(paths.run, 'stack.lock'),
    files: (name) => pidFiles(paths.run, name),
  };
}

/** Service name padded for aligned output. */
export const label = (name: string) => name.padEnd(9);
