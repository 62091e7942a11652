import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePorts } from '@strata/testing';

/** Another store run beside Strata for comparison: one process on 127.0.0.1, its data under `dir`. */
export interface PeerProcess {
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process is gone. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts `bin` with `args(port)` on a free port and waits until `readyPath` answers 200.
 * Its output goes to `<dir>/<name>.log`; an exit hook SIGKILLs it should the bench end
 * without stop().
 */
export async function startPeerProcess(options: {
  name: string;
  bin: string;
  args: (port: number) => string[];
  dir: string;
  readyPath: string;
  /** @default 60_000 */
  readyTimeoutMs?: number;
}): Promise<PeerProcess> {
  const [port] = await freePorts(1);
  const base = `http://127.0.0.1:${port}`;
  const logFile = path.join(options.dir, `${options.name}.log`);
  const logTail = (lines = 30) => fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(options.bin, options.args(port), { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const killNow = () => child.kill('SIGKILL');
  process.once('exit', killNow);
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    process.off('exit', killNow);
    if (!exited) child.kill('SIGTERM');
    const timer = setTimeout(killNow, 10_000);
    await gone;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`${options.name} exited at start; its log ends with:\n${logTail()}`);
    const ready = await fetch(`${base}${options.readyPath}`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.name} was not ready within ${(options.readyTimeoutMs ?? 60_000) / 1000} s; its log ends with:\n${logTail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { pid: child.pid ?? -1, port, base, logTail, stop };
}
