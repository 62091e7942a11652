// Bundles an app's src/main.ts (with the workspace libs it imports) into
// dist/<app>/main.js. npm packages stay external: they are installed beside the bundle
// (node_modules in the workspace, production dependencies in an image).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const projectRoot = process.argv[2];
if (!projectRoot) {
  process.stderr.write('usage: node tools/build/build-app.mjs apps/<name>\n');
  process.exit(2);
}
const workspace = resolve(import.meta.dirname, '../..');
const outdir = join(workspace, 'dist', projectRoot);
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(workspace, projectRoot, 'src/main.ts')],
  outfile: join(outdir, 'main.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: true,
  tsconfig: join(workspace, projectRoot, 'tsconfig.json'),
  logLevel: 'warning',
});
