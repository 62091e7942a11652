import * as fs from 'node:fs';
import type { StackLogger } from './logger';
import type { ProcessTable } from './process-supervisor';

export interface StackLockOptions {
  lockFile: string;
  table: ProcessTable;
  logger: StackLogger;
  /** @default 15 minutes: a first `up` that installs everything can take a few */
  waitMs?: number;
  /** @default 250 */
  pollMs?: number;
}

type Attempt = { kind: 'acquired' } | { kind: 'held'; pid: number } | { kind: 'stale' } | { kind: 'busy' };

/**
 * Runs `fn` holding the stack lock, so two commands (say `npm start` and `npm test`
 * started together) never launch a service twice: the second waits, then finds the
 * services running and reuses them. A lock left by a dead process is taken over.
 */
export async function withStackLock<T>(options: StackLockOptions, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + (options.waitMs ?? 15 * 60_000);
  let announced = false;
  for (;;) {
    const attempt = tryAcquire(options.lockFile, options.table);
    if (attempt.kind === 'acquired') break;
    if (attempt.kind === 'stale') {
      fs.rmSync(options.lockFile, { force: true });
      continue;
    }
    if (Date.now() >= deadline) throw new Error(`another stack command still holds ${options.lockFile}`);
    if (attempt.kind === 'held' && !announced) {
      options.logger.info(`waiting for another stack command (pid ${attempt.pid}) to finish`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(options.lockFile, { force: true });
  }
}

function tryAcquire(lockFile: string, table: ProcessTable): Attempt {
  try {
    const fd = fs.openSync(lockFile, 'wx');
    fs.writeSync(fd, `${process.pid}\n`);
    fs.closeSync(fd);
    return { kind: 'acquired' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  let text: string;
  let ageMs: number;
  try {
    text = fs.readFileSync(lockFile, 'utf8').trim();
    ageMs = Date.now() - fs.statSync(lockFile).mtimeMs;
  } catch {
    return { kind: 'busy' }; // released between our two looks
  }
  if (/^\d+$/.test(text)) {
    const pid = Number(text);
    return table.isAlive(pid) ? { kind: 'held', pid } : { kind: 'stale' };
  }
  // Created but not yet written by its owner, or abandoned right after creation.
  return ageMs > 5000 ? { kind: 'stale' } : { kind: 'busy' };
}
