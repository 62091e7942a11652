import * as fs from 'node:fs';
import * as path from 'node:path';

/** The workspace root: the nearest directory above `from` holding nx.json. */
export function repoRoot(from = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no nx.json above ${from}`);
  }
}
