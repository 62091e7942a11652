import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
}

/** URL path → file in the assets directory. Nothing else is served from disk. */
const FILES: Readonly<Record<string, { file: string; contentType: string }>> = {
  '/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/assets/dashboard.css': { file: 'dashboard.css', contentType: 'text/css; charset=utf-8' },
  '/assets/dashboard.js': { file: 'dashboard.js', contentType: 'text/javascript; charset=utf-8' },
  '/assets/favicon.svg': { file: 'favicon.svg', contentType: 'image/svg+xml' },
};

/**
 * Where the dashboard's files are: beside the bundle (dist/apps/e2e-prober/assets, copied
 * by the build target) or, running from source (jest, tsx), apps/e2e-prober/assets.
 */
export function findAssetsDir(baseDir: string): string {
  const candidates = [join(baseDir, 'assets'), join(baseDir, '..', 'assets')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw new Error(`dashboard assets not found in ${candidates.join(' or ')}; build the app with \`nx build e2e-prober\``);
  return found;
}

/** Reads every asset once at start-up: a missing file fails the start, not a page view. */
export function loadDashboardAssets(dir: string): ReadonlyMap<string, Asset> {
  return new Map(
    Object.entries(FILES).map(([path, { file, contentType }]) => [path, { body: readFileSync(join(dir, file)), contentType }]),
  );
}
