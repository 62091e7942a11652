import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CommandFailedError } from './errors';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Output is appended here as well as captured. */
  logFile?: string;
  /** @default 30 minutes: a slow first download must not be cut short */
  timeoutMs?: number;
}

export interface RunResult {
  output: string;
}

/** Runs a command to completion (no shell, stdin closed); throws CommandFailedError on failure. */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const commandLine = [command, ...args].map(quoteArg).join(' ');
  if (options.logFile) {
    fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
    fs.appendFileSync(options.logFile, `\n$ ${commandLine}\n`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      if (options.logFile) fs.appendFileSync(options.logFile, chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30 * 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new CommandFailedError(commandLine, null, error.message, options.logFile));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks).toString('utf8');
      if (code === 0) resolve({ output });
      else reject(new CommandFailedError(commandLine, code, tailLines(output, 20), options.logFile));
    });
  });
}

export function quoteArg(arg: string): string {
  return /^[\w@%+=:,./*-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function tailLines(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The last `lines` lines of a file, or '' if it cannot be read. Reads at most the last 64 KiB. */
export function tailFile(file: string, lines: number): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, 64 * 1024);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      return tailLines(buffer.toString('utf8'), lines);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** Absolute path of an executable on PATH, or undefined. */
export function whichSync(name: string, envPath = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
