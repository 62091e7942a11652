import * as net from 'node:net';
import { ServiceStartError } from './errors';
import { tailFile } from './exec';

export interface WaitForReadyOptions {
  service: string;
  /** One readiness attempt: resolves when ready, throws (anything) when not yet. */
  probe: () => Promise<void>;
  /** Checked between attempts: a dead process will never become ready. */
  isAlive: () => boolean;
  logFile: string;
  timeoutMs: number;
  /** Caps one attempt, so a hung connection cannot eat the whole budget. @default 5000 */
  attemptTimeoutMs?: number;
  /** @default 250 */
  intervalMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Polls `probe` until it succeeds; returns the milliseconds it took. */
export async function waitForReady(options: WaitForReadyOptions): Promise<number> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = now();
  let lastError = 'no attempt finished';
  for (;;) {
    if (!options.isAlive()) {
      throw new ServiceStartError(options.service, 'the process exited while starting', options.logFile, tailFile(options.logFile, 25));
    }
    try {
      await withTimeout(options.probe(), Math.min(options.attemptTimeoutMs ?? 5000, options.timeoutMs));
      return now() - started;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (now() - started >= options.timeoutMs) {
      throw new ServiceStartError(
        options.service,
        `not ready after ${options.timeoutMs} ms (last check: ${lastError})`,
        options.logFile,
        tailFile(options.logFile, 25),
      );
    }
    await sleep(options.intervalMs ?? 250);
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Resolves when a TCP connection to host:port opens, rejects otherwise. A cheap first step
 * for probes whose client leaves timers behind on a refused connection (ioredis keeps its
 * connect timeout armed, which holds a short-lived CLI open for a second or two).
 */
export function tcpReachable(host: string, port: number, timeoutMs = 1000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const done = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no TCP answer from ${host}:${port} within ${timeoutMs} ms`)));
    socket.once('connect', () => done());
    socket.once('error', (error) => done(error));
  });
}
