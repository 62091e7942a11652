import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectPidRecord, readPidRecord, removePidRecord } from './pidfile';
import { splitCmdline, stopProcessGroup, type StopOutcome } from './process-supervisor';
import { withStackLock } from './stack-lock';
import type { ServiceName } from './stack-config';
import { label, openStack, type StackOptions, type StackRuntime } from './stack-runtime';

export interface StopStackOptions extends StackOptions {
  /** Also delete the services' data directories. @default false */
  wipe?: boolean;
}

export interface StopStackResult {
  /** Services whose process this call stopped. */
  stopped: ServiceName[];
}

/**
 * Stops the services the stack started (SIGTERM to the process group, SIGKILL after the
 * grace period) and removes their pidfiles. Processes the stack did not start are never
 * signalled. When stopping every service, it also stops leftovers of ours that lost their
 * pidfile (recognised by running from this cache directory).
 */
export async function stopStack(options: StopStackOptions): Promise<StopStackResult> {
  const rt = openStack(options);
  return withStackLock({ lockFile: rt.lockFile, table: rt.table, logger: rt.logger }, () => stop(rt, options));
}

async function stop(rt: StackRuntime, options: StopStackOptions): Promise<StopStackResult> {
  const stopped: ServiceName[] = [];
  const known = new Set<number>();
  await Promise.all(
    rt.services.map(async (service) => {
      const files = rt.files(service.name);
      const state = inspectPidRecord(readPidRecord(files), rt.table);
      switch (state.kind) {
        case 'none':
          rt.logger.info(`${label(service.name)} not running`);
          break;
        case 'stale-dead':
          rt.logger.warn(`${label(service.name)} stale pidfile (pid ${state.pid} is not running); removed`);
          break;
        case 'stale-foreign':
          rt.logger.warn(`${label(service.name)} pidfile names pid ${state.pid}, which is now another process; left it alone, removed the pidfile`);
          break;
        case 'ours': {
          known.add(state.pid);
          const outcome = await stopProcessGroup(state.pid, { graceMs: rt.config.stopTimeoutMs, table: rt.table });
          rt.logger.info(`${label(service.name)} stopped pid ${state.pid} (${describeOutcome(outcome, rt.config.stopTimeoutMs)})`);
          stopped.push(service.name);
          break;
        }
      }
      removePidRecord(files);
    }),
  );
  if (options.services === undefined) await stopOrphans(rt, known);
  if (options.wipe) {
    for (const service of rt.services) {
      const dir = path.join(rt.paths.data, service.name);
      if (fs.existsSync(dir)) {
        fs.rmSync(dir, { recursive: true, force: true });
        rt.logger.info(`${label(service.name)} wiped ${dir}`);
      }
    }
  }
  return { stopped };
}

function describeOutcome(outcome: StopOutcome, graceMs: number): string {
  if (outcome === 'killed') return `SIGKILL after ${graceMs} ms`;
  if (outcome === 'terminated') return 'SIGTERM';
  return 'already gone';
}

/**
 * Processes launched from this stack (an argument under the stack directory, e.g. the
 * java classpath, redis' --dir, versitygw's data dir) whose pidfile is gone: an interrupted `up`
 * or a deleted run/ directory.
 */
export function findOrphans(stackRoot: string, exclude: ReadonlySet<number>, procRoot = '/proc'): { pid: number; cmdline: string[] }[] {
  const orphans: { pid: number; cmdline: string[] }[] = [];
  const prefix = stackRoot.endsWith('/') ? stackRoot : `${stackRoot}/`;
  const self = new Set([process.pid, process.ppid]);
  for (const entry of fs.readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (exclude.has(pid) || self.has(pid)) continue;
    let cmdline: string[];
    let exe: string;
    try {
      cmdline = splitCmdline(fs.readFileSync(path.join(procRoot, entry, 'cmdline')));
      exe = path.basename(fs.readlinkSync(path.join(procRoot, entry, 'exe')));
    } catch {
      continue;
    }
    // Debian's redis-server is a symlink to redis-check-rdb, so argv[0] counts as well as exe.
    const program = /^(java|redis-server|versitygw)$/;
    if (!program.test(exe) && !program.test(path.basename(cmdline[0] ?? ''))) continue;
    if (cmdline.some((arg) => arg.startsWith(prefix) || arg.includes(`=${prefix}`) || arg.includes(`:${prefix}`))) {
      orphans.push({ pid, cmdline });
    }
  }
  return orphans;
}

async function stopOrphans(rt: StackRuntime, known: ReadonlySet<number>): Promise<void> {
  // Match on this stack's state (data and run dirs), not on the shared install dir: a second
  // stack with its own state dir runs the same jars and must not be taken for an orphan.
  const orphans = [...findOrphans(rt.paths.run, known), ...findOrphans(rt.paths.data, known)];
  const seen = new Set<number>();
  for (const orphan of orphans) {
    if (seen.has(orphan.pid)) continue;
    seen.add(orphan.pid);
    rt.logger.warn(`orphan pid ${orphan.pid} runs from ${path.dirname(rt.paths.run)} without a pidfile (${orphan.cmdline.join(' ').slice(0, 120)}); stopping it`);
    await stopProcessGroup(orphan.pid, { graceMs: rt.config.stopTimeoutMs, table: rt.table });
  }
}
