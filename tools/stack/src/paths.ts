import * as fs from 'node:fs';
import * as path from 'node:path';

/** The stack's on-disk layout, all under one git-ignored cache directory. */
export interface StackPaths {
  /** `<cache>/stack` */
  root: string;
  /** Downloaded jars, one folder per service, plus the generated poms under `.poms/`. */
  jars: string;
  /** Binaries built from source (Go modules), one folder per tool. */
  bin: string;
  /** Service data, one folder per service; `down --wipe` deletes it. */
  data: string;
  logs: string;
  /** Pidfiles, launch command lines, and rendered configuration. */
  run: string;
}

export function stackPaths(cacheDir: string, stateDir?: string): StackPaths {
  const root = path.join(cacheDir, 'stack');
  const state = stateDir ?? root;
  return {
    root,
    jars: path.join(root, 'jars'),
    bin: path.join(root, 'bin'),
    data: path.join(state, 'data'),
    logs: path.join(state, 'logs'),
    run: path.join(state, 'run'),
  };
}

export function ensureStackDirs(paths: StackPaths): void {
  for (const dir of [paths.jars, paths.data, paths.logs, paths.run]) fs.mkdirSync(dir, { recursive: true });
}

/** The repository root: the nearest ancestor holding nx.json. */
export function findRepoRoot(from: string): string {
  let dir = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no nx.json above ${from}`);
    dir = parent;
  }
}
