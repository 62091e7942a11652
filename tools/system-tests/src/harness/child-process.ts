import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

/** A child process (a Prometheus, an exporter) whose output goes to a file; the caller kills it. */
export function runLogged(command: string, args: readonly string[], logFile: string): ChildProcess {
  const fd = fs.openSync(logFile, 'a');
  try {
    return spawn(command, args, { stdio: ['ignore', fd, fd] });
  } finally {
    fs.closeSync(fd);
  }
}
