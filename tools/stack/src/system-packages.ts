import * as fs from 'node:fs';
import { StackError } from './errors';
import { runCommand, whichSync } from './exec';
import type { StackLogger } from './logger';

/** A command a service needs from the OS, and the Debian package that provides it. */
export interface SystemRequirement {
  command: string;
  aptPackage: string;
}

/** Debian's documented hook for "do not start services from maintainer scripts". */
const POLICY_RC_D = '/usr/sbin/policy-rc.d';

/**
 * Installs, with apt, the packages whose commands are not on PATH; returns what it
 * installed. `apt-get update` runs only when a first install attempt fails (a fresh
 * image's package lists are often missing or stale). While installing, policy-rc.d
 * forbids maintainer scripts to start services: redis-server's package would otherwise
 * start a system Redis on 6379, a process the stack does not own.
 */
export async function ensureSystemPackages(
  requirements: readonly SystemRequirement[],
  options: { logger: StackLogger; logFile: string; env: NodeJS.ProcessEnv },
): Promise<string[]> {
  const missing = requirements.filter((r) => whichSync(r.command, options.env['PATH']) === undefined);
  const packages = [...new Set(missing.map((r) => r.aptPackage))];
  if (packages.length === 0) return [];
  if (process.getuid?.() !== 0) {
    throw new StackError(
      `missing ${missing.map((r) => r.command).join(', ')}; install with: sudo apt-get install -y ${packages.join(' ')}`,
    );
  }
  if (whichSync('apt-get', options.env['PATH']) === undefined) {
    throw new StackError(`missing ${missing.map((r) => r.command).join(', ')} and apt-get is not available to install ${packages.join(' ')}`);
  }
  const ownPolicy = !fs.existsSync(POLICY_RC_D);
  if (ownPolicy) fs.writeFileSync(POLICY_RC_D, '#!/bin/sh\n# written by strata tools/stack during apt-get install\nexit 101\n', { mode: 0o755 });
  try {
    await aptInstall(packages, options);
  } finally {
    if (ownPolicy) fs.rmSync(POLICY_RC_D, { force: true });
  }
  const stillMissing = missing.filter((r) => whichSync(r.command, options.env['PATH']) === undefined);
  if (stillMissing.length > 0) {
    throw new StackError(`apt-get installed ${packages.join(' ')} but ${stillMissing.map((r) => r.command).join(', ')} is still not on PATH`);
  }
  return packages;
}

/** The major version from `java -version` output: `openjdk version "17.0.15"` → 17, `"1.8.0_392"` → 8. */
export function parseJavaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/** `apt-get install`, retried once after `apt-get update`; for packages found missing some other way. */
export async function aptInstall(
  packages: readonly string[],
  options: { logger: StackLogger; logFile: string; env: NodeJS.ProcessEnv },
): Promise<void> {
  if (process.getuid?.() !== 0 || whichSync('apt-get', options.env['PATH']) === undefined) {
    throw new StackError(`cannot install ${packages.join(' ')} (needs root and apt-get); install it by hand`);
  }
  options.logger.info(`install: apt-get install ${packages.join(' ')} …`);
  const env = { ...options.env, DEBIAN_FRONTEND: 'noninteractive' };
  const args = ['install', '-y', '--no-install-recommends', ...packages];
  try {
    await runCommand('apt-get', args, { env, logFile: options.logFile });
  } catch {
    await runCommand('apt-get', ['update'], { env, logFile: options.logFile });
    await runCommand('apt-get', args, { env, logFile: options.logFile });
  }
}
