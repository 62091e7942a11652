import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A file that records what an install directory was filled with. A directory without it
 * (an interrupted download) or with another fingerprint (a version bump) is reinstalled.
 */
const MARKER = '.strata-installed';

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

/** Installs into `<dir>.partial`, then swaps it into place, so `dir` is never half-filled. */
export async function installAtomically(dir: string, fingerprint: string, fill: (partialDir: string) => Promise<void>): Promise<void> {
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  await fill(partial);
  markInstalled(partial, fingerprint);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
}

export function countFiles(dir: string, suffix: string): number {
  try {
    return fs.readdirSync(dir).filter((f) => f.endsWith(suffix)).length;
  } catch {
    return 0;
  }
}
