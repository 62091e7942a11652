import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sleep } from '@strata/runtime';

export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  logFile: string;
}

/**
 * Starts a process detached, as the leader of its own session and process group, so it
 * outlives the CLI and `down` can signal everything it spawned at once. Returns its pid.
 */
export function spawnDetached(spec: LaunchSpec): Promise<number> {
  fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
  fs.mkdirSync(spec.cwd, { recursive: true });
  const out = fs.openSync(spec.logFile, 'a');
  fs.writeSync(out, `\n=== ${new Date().toISOString()} starting: ${[spec.command, ...spec.args].join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.once('error', (error) => {
      fs.closeSync(out);
      reject(error);
    });
    child.once('spawn', () => {
      fs.closeSync(out);
      child.unref();
      if (child.pid === undefined) reject(new Error(`${spec.command} started without a pid`));
      else resolve(child.pid);
    });
  });
}

/** Reads /proc: which processes exist and how they were launched. An interface so specs can fake it. */
export interface ProcessTable {
  /** True if the process exists and is not a zombie. */
  isAlive(pid: number): boolean;
  /** argv as the kernel records it, or undefined if the process is gone. */
  cmdline(pid: number): string[] | undefined;
}

export function procProcessTable(procRoot = '/proc'): ProcessTable {
  return {
    isAlive(pid) {
      try {
        const stat = fs.readFileSync(path.join(procRoot, String(pid), 'stat'), 'utf8');
        // Field 3, after the parenthesised name (which may itself contain spaces or parens).
        const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        return state !== 'Z' && state !== 'X';
      } catch {
        return false;
      }
    },
    cmdline(pid) {
      try {
        return splitCmdline(fs.readFileSync(path.join(procRoot, String(pid), 'cmdline')));
      } catch {
        return undefined;
      }
    },
  };
}

/** /proc/<pid>/cmdline is NUL-terminated argv; empty arguments (e.g. redis `--save ''`) survive. */
export function splitCmdline(raw: Buffer | string): string[] {
  const text = raw.toString();
  if (text === '') return [];
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** True while any process is left in the group. */
export function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type StopOutcome = 'not-running' | 'terminated' | 'killed';

/**
 * SIGTERM to the whole group, then SIGKILL to what is left after `graceMs`. Resolves once
 * the leader is gone (zombies count as gone: their parent reaps them).
 */
export async function stopProcessGroup(
  pgid: number,
  options: { graceMs: number; table: ProcessTable; pollMs?: number },
): Promise<StopOutcome> {
  const alive = () => options.table.isAlive(pgid) || groupHasLiveMembers(pgid, options.table);
  if (!alive()) return 'not-running';
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + options.graceMs;
  while (Date.now() < deadline) {
    await sleep(options.pollMs ?? 100);
    if (!alive()) return 'terminated';
  }
  signalGroup(pgid, 'SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (alive() && Date.now() < killDeadline) await sleep(50);
  return 'killed';
}

/** True while a member of the group runs (zombies, awaiting their reaper, do not count). */
export function groupHasLiveMembers(pgid: number, table: ProcessTable): boolean {
  if (!isGroupAlive(pgid)) return false;
  // kill(-pgid, 0) also succeeds for zombies; ask /proc whether any member still runs.
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      if (processGroupOf(pid) === pgid && table.isAlive(pid)) return true;
    }
    return false;
  } catch {
    return true;
  }
}

function processGroupOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[2]);
  } catch {
    return undefined;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
