import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A file that records what an install directory was filled with. A directory without it
 * (an interrupted download) or with another fingerprint (a version bump) is reinstalled.
 */
const MARKER = '.strata-installed';

let installs = 0;

export function isInstalledAs(dir: string, fingerprint: string): boolean {
  try {
    return fs.readFileSync(path.join(dir, MARKER), 'utf8') === fingerprint;
  } catch {
    return false;
  }
}

export function markInstalled(dir: string, fingerprint: string): void {
  fs.writeFileSync(path.join(dir, MARKER), fingerprint);
}

/**
 * Installs into a partial directory of this process' own, then swaps it into place, so
 * `dir` is never half-filled. Two installs at once (two private stacks starting on a fresh
 * machine) each fill their own; the later swap replaces the earlier, and both are whole.
 */
export async function installAtomically(dir: string, fingerprint: string, fill: (partialDir: string) => Promise<void>): Promise<void> {
  const partial = `${dir}.partial-${process.pid}-${++installs}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  try {
    await fill(partial);
    markInstalled(partial, fingerprint);
    fs.rmSync(dir, { recursive: true, force: true });
    try {
      fs.renameSync(partial, dir);
    } catch (error) {
      // Another install swapped its own in between: keep it if it is the same.
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !isInstalledAs(dir, fingerprint)) throw error;
    }
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
}

export function countFiles(dir: string, suffix: string): number {
  try {
    return fs.readdirSync(dir).filter((f) => f.endsWith(suffix)).length;
  } catch {
    return 0;
  }
}
