import * as path from 'node:path';
import { StackError } from './errors';
import { runCommand, whichSync } from './exec';
import type { StackLogger } from './logger';
import type { StackPaths } from './paths';
import type { InstallLane, StackService } from './services';
import { ensureSystemPackages, parseJavaMajorVersion } from './system-packages';

export interface InstallReport {
  /** One line per thing installed; empty when everything was already there. */
  installed: string[];
  durationMs: number;
}

/** DynamoDB Local 2.x is compiled for Java 17; Kafka 3.9 would run on 11. */
const MIN_JAVA = 17;

/**
 * Installs what the services need and is missing, and nothing else. Work that shares a
 * resource stays in one lane (Maven's local repository has no locking across processes);
 * lanes run in parallel.
 */
export async function installServices(
  services: readonly StackService[],
  options: { paths: StackPaths; env: NodeJS.ProcessEnv; logger: StackLogger },
): Promise<InstallReport> {
  const started = Date.now();
  const { logger } = options;
  const installed: string[] = [];
  const packages = await ensureSystemPackages(
    services.flatMap((s) => s.systemRequirements),
    { logger, env: options.env, logFile: path.join(options.paths.logs, 'install-apt.log') },
  );
  if (packages.length > 0) installed.push(`apt packages: ${packages.join(', ')}`);
  if (services.some((s) => s.systemRequirements.some((r) => r.command === 'java'))) await checkJava(options.env);

  const missing = services.filter((s) => !s.isInstalled());
  const lanes = new Map<InstallLane, StackService[]>();
  for (const service of missing) lanes.set(service.installLane, [...(lanes.get(service.installLane) ?? []), service]);
  await Promise.all(
    [...lanes.values()].map(async (lane) => {
      for (const service of lane) {
        const t0 = Date.now();
        logger.info(`install: ${service.name} …`);
        const summary = await service.install();
        const line = `${summary} in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
        logger.info(`install: ${service.name}: ${line}`);
        installed.push(line);
      }
    }),
  );
  return { installed, durationMs: Date.now() - started };
}

async function checkJava(env: NodeJS.ProcessEnv): Promise<void> {
  const java = whichSync('java', env['PATH']) ?? 'java';
  const { output } = await runCommand(java, ['-version'], { env, timeoutMs: 30_000 });
  const major = parseJavaMajorVersion(output);
  if (major === undefined || major < MIN_JAVA) {
    throw new StackError(
      `${java} is Java ${major ?? '(unknown version)'}; the stack needs Java ${MIN_JAVA}+ (DynamoDB Local 2.x). ` +
        `Install openjdk-17-jre-headless or put a newer java first on PATH`,
    );
  }
}
