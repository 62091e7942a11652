import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from './logger';
import type { ProcessTable } from './process-supervisor';
import { withStackLock } from './stack-lock';

describe('withStackLock', () => {
  let lockFile: string;
  const alive = new Set<number>([process.pid]);
  const table: ProcessTable = { isAlive: (pid) => alive.has(pid), cmdline: () => undefined };
  beforeEach(() => {
    lockFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stack-lock-')), 'stack.lock');
  });

  it('holds the lock with its pid while running, and releases it after, even on failure', async () => {
    await withStackLock({ lockFile, table, logger: silentLogger }, async () => {
      expect(fs.readFileSync(lockFile, 'utf8').trim()).toBe(String(process.pid));
    });
    expect(fs.existsSync(lockFile)).toBe(false);
    await expect(withStackLock({ lockFile, table, logger: silentLogger }, async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it('runs one holder at a time', async () => {
    const events: string[] = [];
    const task = (name: string) =>
      withStackLock({ lockFile, table, logger: silentLogger, pollMs: 5 }, async () => {
        events.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 30));
        events.push(`${name} out`);
      });
    await Promise.all([task('a'), task('b')]);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
  });

  it('takes over a lock whose holder is dead', async () => {
    fs.writeFileSync(lockFile, '999999\n');
    expect(await withStackLock({ lockFile, table, logger: silentLogger }, async () => 'ran')).toBe('ran');
  });

  it('gives up after waiting for a live holder', async () => {
    alive.add(424242);
    fs.writeFileSync(lockFile, '424242\n');
    await expect(withStackLock({ lockFile, table, logger: silentLogger, waitMs: 50, pollMs: 10 }, async () => 'ran')).rejects.toThrow(
      'another stack command still holds',
    );
  });
});
