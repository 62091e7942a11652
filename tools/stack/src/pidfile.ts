import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProcessTable } from './process-supervisor';

/**
 * `run/<svc>.pid` holds the pid (plain, for `kill $(cat …)`); `run/<svc>.cmdline` holds the
 * argv we launched, NUL-separated like /proc/<pid>/cmdline, so a later run can tell our
 * process from an unrelated one that was given the same pid.
 */
export interface PidRecord {
  pid: number;
  argv: string[];
}

export interface PidFiles {
  pidFile: string;
  cmdlineFile: string;
}

export function pidFiles(runDir: string, service: string): PidFiles {
  return { pidFile: path.join(runDir, `${service}.pid`), cmdlineFile: path.join(runDir, `${service}.cmdline`) };
}

export function writePidRecord(files: PidFiles, record: PidRecord): void {
  fs.mkdirSync(path.dirname(files.pidFile), { recursive: true });
  fs.writeFileSync(files.cmdlineFile, record.argv.join('\0') + '\0');
  fs.writeFileSync(files.pidFile, `${record.pid}\n`);
}

/** The record, or undefined if there is no pidfile. A pidfile without a valid pid reads as pid 0. */
export function readPidRecord(files: PidFiles): PidRecord | undefined {
  let pidText: string;
  try {
    pidText = fs.readFileSync(files.pidFile, 'utf8').trim();
  } catch {
    return undefined;
  }
  const pid = /^\d+$/.test(pidText) ? Number(pidText) : 0;
  let argv: string[] = [];
  try {
    const raw = fs.readFileSync(files.cmdlineFile, 'utf8');
    argv = raw === '' ? [] : raw.replace(/\0$/, '').split('\0');
  } catch {
    // an old or hand-written pidfile: ownership cannot be proven
  }
  return { pid, argv };
}

export function removePidRecord(files: PidFiles): void {
  fs.rmSync(files.pidFile, { force: true });
  fs.rmSync(files.cmdlineFile, { force: true });
}

export type PidState =
  | { kind: 'none' }
  | { kind: 'ours'; pid: number }
  /** The pidfile's process is gone. */
  | { kind: 'stale-dead'; pid: number }
  /** A process with that pid runs, but it is not what we launched (pid reused, or unknown argv). */
  | { kind: 'stale-foreign'; pid: number; cmdline: string[] };

export function inspectPidRecord(record: PidRecord | undefined, table: ProcessTable): PidState {
  if (record === undefined) return { kind: 'none' };
  if (record.pid <= 0 || !table.isAlive(record.pid)) return { kind: 'stale-dead', pid: record.pid };
  const actual = table.cmdline(record.pid) ?? [];
  if (record.argv.length > 0 && sameArgv(actual, record.argv)) return { kind: 'ours', pid: record.pid };
  return { kind: 'stale-foreign', pid: record.pid, cmdline: actual };
}

/**
 * True when a service of ours runs with another command line than this checkout would launch:
 * it was started before an upgrade (moto before versitygw, another jar version) and keeps
 * the old behaviour until it is restarted.
 */
export function launchedDifferently(record: PidRecord | undefined, argv: readonly string[]): boolean {
  return record !== undefined && record.argv.length > 0 && !sameArgv(record.argv, argv);
}

function sameArgv(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((arg, i) => arg === b[i]);
}
